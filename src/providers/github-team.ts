// GitHub team membership. GitHub has no expiring membership, so the sweep's revoke PR
// is what ends access (nativeExpiry false).
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { httpStatusOf, invalidTarget, targetString } from "./errors.js";
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
}

// GitHub's own rules: org logins are alphanumeric with single hyphens; team slugs are
// lower-case, with hyphens (and underscores/dots GitHub keeps from old names).
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;
const TEAM_SLUG = /^[a-z0-9][a-z0-9._-]*$/;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;

export function checkGithubTeamTarget(resource: Resource): TeamTarget {
  const org = targetString(resource, "org", "a GitHub organisation login, e.g. acme", ORG);
  const team = targetString(resource, "team", "a team slug, e.g. infra-admins", TEAM_SLUG);
  return { org, team };
}

interface Membership {
  role: "member" | "maintainer";
  state: "active" | "pending";
}

function checkLogin(ref: GrantRef): string {
  if (!LOGIN.test(ref.principal)) {
    throw invalidTarget(ref.resource.id, `cannot be granted to "${ref.principal}": not a GitHub login`);
  }
  return ref.principal;
}

const nativeExpiry = () => false;

export function createGithubTeamProvider(options: GithubTeamOptions): Provider {
  let client: GithubClient | undefined;
  // Made on first use and kept only once made, so a missing token is reported on every call.
  const octokit = async (): Promise<GithubClient> =>
    (client ??= typeof options.octokit === "function" ? await options.octokit() : options.octokit);

  /** The person's membership of the team, or undefined when GitHub answers 404. */
  async function membership(target: TeamTarget, username: string): Promise<Membership | undefined> {
    try {
      const response = await (await octokit()).request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
        org: target.org,
        team_slug: target.team,
        username,
      });
      return response.data as Membership;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  const retry = (action: string) => ({ ...options.retry, action });

  return {
    name: "github-team",
    nativeExpiry,
    checkTarget: (resource) => void checkGithubTeamTarget(resource),

    async grant(grant: Grant): Promise<ProviderOutcome> {
      const target = checkGithubTeamTarget(grant.resource);
      const username = checkLogin(grant);
      const where = `${target.org}/${target.team}`;
      return withRetry(async () => {
        const current = await membership(target, username);
        if (current) {
          const pending = current.state === "pending" ? " (invitation pending)" : "";
          return { status: "unchanged", detail: `${username} is already a ${current.role} of ${where}${pending}` };
        }
        const response = await (await octokit()).request("PUT /orgs/{org}/teams/{team_slug}/memberships/{username}", {
          org: target.org,
          team_slug: target.team,
          username,
          role: "member",
        });
        const state = (response.data as Membership).state;
        const detail =
          state === "pending"
            ? `invited ${username} to ${where}; membership starts when they accept the organisation invitation`
            : `added ${username} to ${where}`;
        return { status: "granted", detail: `${detail} (GitHub does not expire it; the sweep revokes it)` };
      }, retry(`add ${username} to ${where}`));
    },

    async revoke(ref: GrantRef): Promise<ProviderOutcome> {
      const target = checkGithubTeamTarget(ref.resource);
      const username = checkLogin(ref);
      const where = `${target.org}/${target.team}`;
      return withRetry(async () => {
        const current = await membership(target, username);
        if (!current) return { status: "unchanged", detail: `${username} is not a member of ${where}` };
        // gitgrant only ever adds plain members; a maintainer holds the team by other means.
        if (current.role === "maintainer") {
          return { status: "unchanged", detail: `${username} maintains ${where}, which gitgrant never grants; left in place` };
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
      }, retry(`remove ${username} from ${where}`));
    },

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      const target = checkGithubTeamTarget(resource);
      const members = await withRetry(
        async () =>
          (await octokit()).paginate("GET /orgs/{org}/teams/{team_slug}/members", {
            org: target.org,
            team_slug: target.team,
            per_page: 100,
          }),
        retry(`list members of ${target.org}/${target.team}`),
      );
      const wanted = principals && new Set(principals.map((p) => p.toLowerCase()));
      // GitHub keeps no record of who added a member, so none is claimed as gitgrant's own.
      return members
        .map((member) => (member as { login: string }).login)
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
    },
  },
  checkTarget: (resource) => void checkGithubTeamTarget(resource),
  nativeExpiry,
  /** The app passes its installation octokit; the CLI falls back to GITHUB_TOKEN (read on first use). */
  create: (own: Partial<GithubTeamOptions> | undefined, shared) => {
    const fromEnv = async (): Promise<GithubClient> => {
      const octokit = await gitHubFromEnv(shared.env);
      if (!octokit) throw new ProviderError("invalid", "github-team needs the app's octokit or a GITHUB_TOKEN in the environment");
      return octokit;
    };
    return createGithubTeamProvider({ octokit: own?.octokit ?? fromEnv, retry: own?.retry ?? shared.retry });
  },
});
