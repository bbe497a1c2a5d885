// GitHub team membership. GitHub has no expiring membership, so the sweep's revoke PR
// is what ends access (nativeExpiry false). Someone outside the organisation can only be
// added by an organisation invitation, which makes them a standing organisation member once
// accepted: that is refused unless the catalog says `invite_non_members: true`, reported as
// pending (not granted) while unaccepted, and cancelled by the revoke.
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { configError, credentialProblem, configLatch, httpStatusOf, invalidTarget, targetString, toProviderError } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";
import { gitHubFromEnv } from "../github/client.js";
import type { GitHub as GithubClient } from "../github/octokit.js";

export interface GithubTeamOptions {
  /** An octokit, or a function making one when first needed (so validation needs no token). */
  octokit: GithubClient | (() => GithubClient | Promise<GithubClient>);
  retry?: RetryOptions;
}

interface TeamTarget {
  org: string;
  team: string;
  inviteNonMembers: boolean;
}

// GitHub's own rules: org logins are alphanumeric with single hyphens; team slugs are
// lower-case, with hyphens (and underscores/dots GitHub keeps from old names).
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
const TEAM_SLUG = /^[a-z0-9][a-z0-9._-]*$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;

export function checkGithubTeamTarget(resource: Resource): TeamTarget {
  const org = targetString(resource, "org", "a GitHub organisation login, e.g. acme", ORG);
  const team = targetString(resource, "team", "a team slug, e.g. infra-admins", TEAM_SLUG);
  const invite = resource.target?.invite_non_members ?? false;
  if (typeof invite !== "boolean") throw invalidTarget(resource.id, `has invite_non_members ${JSON.stringify(invite)}; use true or false`);
  return { org, team, inviteNonMembers: invite };
}

/** Where a token for github-team comes from, for the error when there is none or it is refused. */
export const GITHUB_CREDENTIAL_HINT =
  "Set GITGRANT_GITHUB_TOKEN or GITHUB_TOKEN (or GH_TOKEN) to a GitHub App installation token or a token with admin:org " +
  "(the workflow's own GITHUB_TOKEN cannot manage organisation teams); the app uses its installation token";

/**
 * An octokit from the environment: the token, and GitHub Enterprise Server's URLs when set
 * (Actions sets GITHUB_API_URL and GITHUB_GRAPHQL_URL on GHES). Throws a config error without a token.
 */
/** The one GitHub client from the environment (token or App credentials, GHES URLs included), or a configuration error naming the variables. */
export async function githubClientFromEnv(env: Record<string, string | undefined>): Promise<GithubClient> {
  const client = await gitHubFromEnv(env);
  if (!client) throw configError("github-team", "no GitHub token in the environment", GITHUB_CREDENTIAL_HINT);
  return client;
}

interface Membership {
  role: "member" | "maintainer";
  state: "active" | "pending";
}

interface OrgMembership {
  role: "admin" | "member" | "billing_manager";
  state: "active" | "pending";
}

interface Invitation {
  id: number;
  login: string | null;
}

function checkLogin(ref: GrantRef): string {
  if (!LOGIN.test(ref.principal)) {
    throw invalidTarget(ref.resource.id, `cannot be granted to "${ref.principal}": not a GitHub login`);
  }
  return ref.principal;
}

const IMMEDIATE_MEMBERS = `query($org: String!, $team: String!, $cursor: String) {
  organization(login: $org) {
    team(slug: $team) {
      members(first: 100, after: $cursor, membership: IMMEDIATE) {
        nodes { login }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}`;

interface MembersPage {
  organization: { team: { members: { nodes: Array<{ login: string }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null } | null;
}

const nativeExpiry = () => false;

export function createGithubTeamProvider(options: GithubTeamOptions): Provider {
  let client: GithubClient | undefined;
  const latch = configLatch();
  // Made on first use and kept only once made, so a missing token is reported on every call.
  const octokit = async (): Promise<GithubClient> =>
    (client ??= typeof options.octokit === "function" ? await options.octokit() : options.octokit);
  // Probot's octokit retries 5xx and waits out rate limits itself (plugin-retry and
  // plugin-throttling): what still fails has been retried, and is not retried again here.
  const retriesItself = (c: GithubClient | undefined) => typeof (c as { retry?: { retryRequest?: unknown } } | undefined)?.retry?.retryRequest === "function";

  const asConfig = (error: ProviderError) =>
    error.message.startsWith("github-team:") ? error : configError("github-team", `GitHub refused the token (${credentialProblem(error)})`, GITHUB_CREDENTIAL_HINT);

  /** Run one operation: the retry loop (unless octokit has its own) and the credential latch. */
  function operation<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return latch.run(
      () =>
        withRetry(async () => {
          try {
            return await fn();
          } catch (err) {
            if (!retriesItself(client)) throw err;
            const error = toProviderError(err, action);
            throw new ProviderError(error.kind, error.message, { ...(error.cause as object), retriedBelow: true });
          }
        }, { ...options.retry, action }),
      asConfig,
    );
  }

  /** The GET's body, or undefined when GitHub answers 404. */
  async function getOr404<T>(route: string, params: Record<string, unknown>): Promise<T | undefined> {
    try {
      return (await (await octokit()).request(route, params)).data as T;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  const teamMembership = (target: TeamTarget, username: string) =>
    getOr404<Membership>("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: target.org, team_slug: target.team, username });
  const orgMembership = (target: TeamTarget, username: string) =>
    getOr404<OrgMembership>("GET /orgs/{org}/memberships/{username}", { org: target.org, username });

  function refuseNonMember(grant: Grant, target: TeamTarget, username: string, invited: boolean): never {
    const state = invited ? "has only a pending invitation to" : "is not a member of";
    throw new ProviderError(
      "invalid",
      `${grant.resource.id}: ${username} ${state} the ${target.org} organisation, and adding them to ${target.org}/${target.team} ` +
        `would send an organisation invitation that, once accepted, leaves a standing organisation member. ` +
        `Add ${username} to ${target.org} first, or set invite_non_members: true on this resource's target in catalog.yaml`,
    );
  }

  /** Cancel the organisation invitation behind a pending team membership, or drop only this team from it. */
  async function cancelInvitation(target: TeamTarget, username: string): Promise<ProviderOutcome> {
    const where = `${target.org}/${target.team}`;
    const api = await octokit();
    const invitations = (await api.paginate("GET /orgs/{org}/teams/{team_slug}/invitations", {
      org: target.org,
      team_slug: target.team,
      per_page: 100,
    })) as Invitation[];
    const invitation = invitations.find((i) => i.login?.toLowerCase() === username.toLowerCase());
    if (invitation) {
      const teams = (await api.paginate("GET /orgs/{org}/invitations/{invitation_id}/teams", {
        org: target.org,
        invitation_id: invitation.id,
        per_page: 100,
      })) as Array<{ slug: string }>;
      const others = teams.map((t) => t.slug).filter((slug) => slug !== target.team);
      if (!others.length) {
        await api.request("DELETE /orgs/{org}/invitations/{invitation_id}", { org: target.org, invitation_id: invitation.id });
        return { status: "revoked", detail: `cancelled ${username}'s pending invitation to ${target.org} (it was for ${where} only)` };
      }
      await api.request("DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: target.org, team_slug: target.team, username });
      return {
        status: "revoked",
        detail: `removed ${where} from ${username}'s pending invitation to ${target.org}; the invitation stays for ${others.map((t) => `${target.org}/${t}`).join(", ")}, which gitgrant did not ask for`,
      };
    }
    await api.request("DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: target.org, team_slug: target.team, username });
    return { status: "revoked", detail: `removed ${username}'s pending membership of ${where}` };
  }

  return {
    name: "github-team",
    nativeExpiry,
    checkTarget: (resource) => void checkGithubTeamTarget(resource),

    async grant(grant: Grant): Promise<ProviderOutcome> {
      const target = checkGithubTeamTarget(grant.resource);
      const username = checkLogin(grant);
      const where = `${target.org}/${target.team}`;
      return operation(`add ${username} to ${where}`, async (): Promise<ProviderOutcome> => {
        const current = await teamMembership(target, username);
        if (current?.state === "pending") {
          return { status: "pending", detail: `${username}'s invitation to ${target.org} (with ${where}) is still pending; access starts when they accept it` };
        }
        // Already there: never PUT, which would set the role and so demote a maintainer. A
        // membership carries no author (found stays unset): the receipts say whose it is.
        if (current) return { status: "unchanged", detail: `${username} is already a ${current.role} of ${where}` };
        const org = await orgMembership(target, username);
        if (org?.state !== "active" && !target.inviteNonMembers) refuseNonMember(grant, target, username, org?.state === "pending");
        const response = await (await octokit()).request("PUT /orgs/{org}/teams/{team_slug}/memberships/{username}", {
          org: target.org,
          team_slug: target.team,
          username,
          role: "member",
        });
        if ((response.data as Membership).state === "pending") {
          return {
            status: "pending",
            detail:
              `invited ${username} to ${target.org} with ${where}; access starts when they accept the invitation ` +
              `(the revoke cancels it while pending; once accepted, it removes them from the team, not from ${target.org})`,
          };
        }
        return { status: "granted", detail: `added ${username} to ${where} (GitHub does not expire it; the sweep revokes it)` };
      }).then((outcome) => ({ ...outcome, principal: username }));
    },

    async revoke(ref: GrantRef): Promise<ProviderOutcome> {
      const target = checkGithubTeamTarget(ref.resource);
      const username = checkLogin(ref);
      const where = `${target.org}/${target.team}`;
      return operation(`remove ${username} from ${where}`, async (): Promise<ProviderOutcome> => {
        const current = await teamMembership(target, username);
        if (!current) return { status: "unchanged", detail: `${username} is not a member of ${where}` };
        if (current.state === "pending") return cancelInvitation(target, username);
        // gitgrant only ever adds plain members. GitHub reports organisation owners as
        // maintainers of every team; either way the access is not gitgrant's to take.
        if (current.role === "maintainer") {
          const org = await orgMembership(target, username);
          const why =
            org?.role === "admin"
              ? `${username} is an owner of ${target.org}, whom GitHub reports as maintainer of every team; gitgrant cannot remove that`
              : `${username} maintains ${where}, a role gitgrant never grants`;
          return { status: "kept", detail: `${why}; left in place` };
        }
        try {
          await (await octokit()).request("DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}", {
            org: target.org,
            team_slug: target.team,
            username,
          });
        } catch (err) {
          // Gone between our read and the delete: the outcome we wanted.
          if (httpStatusOf(err) === 404) return { status: "unchanged", detail: `${username} is not a member of ${where}` };
          throw err;
        }
        return { status: "revoked", detail: `removed ${username} from ${where}` };
      }).then((outcome) => ({ ...outcome, principal: username }));
    },

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      const target = checkGithubTeamTarget(resource);
      const where = `${target.org}/${target.team}`;
      // REST's team member list includes the members of child teams, which are not
      // members of this team: GraphQL's IMMEDIATE membership is the team's own list.
      const logins = await operation(`list members of ${where}`, async () => {
        const api = await octokit();
        if (!api.graphql) throw new ProviderError("internal", `list members of ${where}: the GitHub client has no GraphQL`);
        const found: string[] = [];
        let cursor: string | null = null;
        do {
          const page: MembersPage = await api.graphql<MembersPage>(IMMEDIATE_MEMBERS, { org: target.org, team: target.team, cursor });
          const members = page.organization?.team?.members;
          if (!members) throw new ProviderError("not_found", `list members of ${where}: no such team, or the token cannot see it`);
          found.push(...members.nodes.map((n) => n.login));
          cursor = members.pageInfo.hasNextPage ? members.pageInfo.endCursor : null;
        } while (cursor);
        return found;
      });
      const wanted = principals && new Set(principals.map((p) => p.toLowerCase()));
      // GitHub keeps no record of who added a member, so none is claimed as gitgrant's own.
      return logins
        .filter((login) => !wanted || wanted.has(login.toLowerCase()))
        .map((login) => ({ resourceId: resource.id, principal: login, managedByGitgrant: false }));
    },
  };
}

export const descriptor = defineProvider({
  name: "github-team",
  identity: { key: "github", schema: { type: "string", description: "GitHub login if it differs from the key." }, defaultsToLogin: true },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["org", "team"],
    properties: {
      org: { type: "string", minLength: 1 },
      team: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$", description: "Team slug." },
      invite_non_members: {
        type: "boolean",
        description: "Whether someone outside the organisation may be invited (an accepted invitation leaves a standing organisation member). Default false: refused.",
      },
    },
  },
  checkTarget: (resource) => void checkGithubTeamTarget(resource),
  nativeExpiry,
  /** The app passes its installation octokit; the CLI falls back to the environment (read on first use, GHES URLs included). */
  create: (own: Partial<GithubTeamOptions> | undefined, shared) =>
    createGithubTeamProvider({ octokit: own?.octokit ?? (() => githubClientFromEnv(shared.env)), retry: own?.retry ?? shared.retry }),
});
