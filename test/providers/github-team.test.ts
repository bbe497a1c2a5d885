import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { Octokit } from "@octokit/rest";
import { gitHub } from "../../src/github/octokit.js";
import { createGithubTeamProvider, githubClientFromEnv } from "../../src/providers/github-team.js";
import { ProviderError } from "../../src/providers/types.js";
import { grant, recordingSleep, ref, resource } from "../helpers/providers.js";

const API = "https://api.github.com";
const MEMBERSHIP = "/orgs/acme/teams/infra-admins/memberships/alice";
const ORG_MEMBERSHIP = "/orgs/acme/memberships/alice";
const orgMembership = (role: string, state: string) => ({
  url: "https://api.github.com/orgs/acme/memberships/alice",
  state,
  role,
  organization_url: "https://api.github.com/orgs/acme",
  organization: { login: "acme", id: 1 },
  user: { login: "alice", id: 1 },
});
const admins = resource("infra-admins", "github-team", { org: "acme", team: "infra-admins" });

const membership = (role: string, state: string) => ({
  url: "https://api.github.com/organizations/1/team/42/memberships/alice",
  role,
  state,
});
const notFound = { message: "Not Found", documentation_url: "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user", status: "404" };
const user = (login: string, id: number) => ({
  login,
  id,
  node_id: `MDQ6VXNlcj${id}`,
  avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  url: `https://api.github.com/users/${login}`,
  html_url: `https://github.com/${login}`,
  type: "User",
  site_admin: false,
});

function setup() {
  const { sleep, delays } = recordingSleep();
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const octokit = gitHub(new Octokit({ auth: "ghs_testtoken000000000000000000000000", log: quiet }));
  const provider = createGithubTeamProvider({ octokit, retry: { sleep } });
  return { provider, delays };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("github-team provider", () => {
  it("checks the target block without any token", () => {
    const provider = createGithubTeamProvider({ octokit: () => { throw new Error("no token needed"); } });
    expect(() => provider.checkTarget(admins)).not.toThrow();
    expect(() => provider.checkTarget(resource("x", "github-team", { org: "acme" }))).toThrow(
      'x: target needs team (a team slug, e.g. infra-admins)',
    );
    expect(() => provider.checkTarget(resource("x", "github-team", { org: "acme", team: "Infra Admins" }))).toThrow(
      'x: target has team "Infra Admins", which is not a team slug, e.g. infra-admins',
    );
    expect(provider.nativeExpiry(admins)).toBe(false);
  });

  it("grants: reads the membership, 404, then PUTs role member", async () => {
    const scope = nock(API, { reqheaders: { authorization: "token ghs_testtoken000000000000000000000000" } })
      .get(MEMBERSHIP)
      .reply(404, notFound)
      .get(ORG_MEMBERSHIP)
      .reply(200, orgMembership("member", "active"))
      .put(MEMBERSHIP, { role: "member" })
      .reply(200, membership("member", "active"));
    const { provider } = setup();
    expect(await provider.grant(grant(admins, "alice", "alice"))).toEqual({
      status: "granted",
      principal: "alice",
      detail: "added alice to acme/infra-admins (GitHub does not expire it; the sweep revokes it)",
    });
    scope.done();
  });

  it("refuses by default to invite someone outside the organisation, without sending anything", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(404, notFound).get(ORG_MEMBERSHIP).reply(404, notFound);
    const { provider, delays } = setup();
    const error = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe("invalid");
    expect(error.message).toBe(
      "infra-admins: alice is not a member of the acme organisation, and adding them to acme/infra-admins would send an organisation invitation " +
        "that, once accepted, leaves a standing organisation member. Add alice to acme first, or set invite_non_members: true on this resource's target in catalog.yaml",
    );
    expect(delays).toEqual([]);
    scope.done(); // no PUT was made: nock would have refused it
  });

  it("with invite_non_members: true, an invitation is reported as pending, not granted", async () => {
    const inviting = resource("infra-admins", "github-team", { org: "acme", team: "infra-admins", invite_non_members: true });
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(404, notFound)
      .get(ORG_MEMBERSHIP)
      .reply(404, notFound)
      .put(MEMBERSHIP, { role: "member" })
      .reply(200, membership("member", "pending"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(inviting, "alice", "alice"));
    expect(outcome.status).toBe("pending");
    expect(outcome.detail).toMatch(/^invited alice to acme with acme\/infra-admins; access starts when they accept the invitation/);
    scope.done();

    const again = nock(API).get(MEMBERSHIP).reply(200, membership("member", "pending"));
    expect((await provider.grant(grant(inviting, "alice", "alice"))).status).toBe("pending");
    again.done();
  });

  it("an organisation member is added at once (the org check answers active)", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(404, notFound)
      .get(ORG_MEMBERSHIP)
      .reply(200, orgMembership("member", "active"))
      .put(MEMBERSHIP, { role: "member" })
      .reply(200, membership("member", "active"));
    const { provider } = setup();
    expect((await provider.grant(grant(admins, "alice", "alice"))).status).toBe("granted");
    scope.done();
  });

  it("the target check refuses a non-boolean invite_non_members", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(resource("x", "github-team", { org: "acme", team: "t", invite_non_members: "yes" }))).toThrow(
      'x: target has invite_non_members "yes"; use true or false',
    );
  });

  it("revoking a pending membership cancels the organisation invitation when it was for this team only", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(200, membership("member", "pending"))
      .get("/orgs/acme/teams/infra-admins/invitations")
      .query({ per_page: "100" })
      .reply(200, [{ id: 7, login: "someone" }, { id: 9, login: "Alice", role: "direct_member", team_count: 1 }])
      .get("/orgs/acme/invitations/9/teams")
      .query({ per_page: "100" })
      .reply(200, [{ id: 42, slug: "infra-admins", name: "infra-admins" }])
      .delete("/orgs/acme/invitations/9")
      .reply(204);
    const { provider } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({
      status: "revoked",
      principal: "alice",
      detail: "cancelled alice's pending invitation to acme (it was for acme/infra-admins only)",
    });
    scope.done();
  });

  it("an invitation that also carries other teams keeps them: only this team's pending membership goes", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(200, membership("member", "pending"))
      .get("/orgs/acme/teams/infra-admins/invitations")
      .query({ per_page: "100" })
      .reply(200, [{ id: 9, login: "alice" }])
      .get("/orgs/acme/invitations/9/teams")
      .query({ per_page: "100" })
      .reply(200, [{ id: 42, slug: "infra-admins" }, { id: 43, slug: "docs" }])
      .delete(MEMBERSHIP)
      .reply(204);
    const { provider } = setup();
    const outcome = await provider.revoke(ref(admins, "alice", "alice"));
    expect(outcome.status).toBe("revoked");
    expect(outcome.detail).toBe(
      "removed acme/infra-admins from alice's pending invitation to acme; the invitation stays for acme/docs, which gitgrant did not ask for",
    );
    scope.done();
  });
  it("granting an existing member is unchanged, with no PUT", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("member", "active"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(admins, "alice", "alice"));
    expect(outcome).toEqual({
      status: "unchanged",
      principal: "alice",
      detail: "alice is already a member of acme/infra-admins",
    });
    // A team membership carries no author: found stays unset and the receipts decide.
    expect(outcome.found).toBeUndefined();
    scope.done();
  });

  it("granting to a team maintainer never demotes them: unchanged, no PUT", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("maintainer", "active"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(admins, "alice", "alice"));
    expect(outcome).toEqual({ status: "unchanged", principal: "alice", detail: "alice is already a maintainer of acme/infra-admins" });
    expect(outcome.found).toBeUndefined();
    // Only the GET: a PUT (role: member) would have hit no interceptor and failed the grant.
    scope.done();
  });

  it("revoke goes to the login and team that were granted (the receipt's), not today's identities or catalog", async () => {
    // Granted to alice-old in acme/old-admins; identities.yaml and the catalog have moved on since.
    const recorded = resource("infra-admins", "github-team", { org: "acme", team: "old-admins" });
    const scope = nock(API)
      .get("/orgs/acme/teams/old-admins/memberships/alice-old")
      .reply(200, membership("member", "active"))
      .delete("/orgs/acme/teams/old-admins/memberships/alice-old")
      .reply(204);
    const { provider } = setup();
    expect(await provider.revoke(ref(recorded, "alice", "alice-old"))).toEqual({
      status: "revoked",
      principal: "alice-old",
      detail: "removed alice-old from acme/old-admins",
    });
    scope.done();
  });

  it("revokes with DELETE; revoking a non-member is unchanged", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("member", "active")).delete(MEMBERSHIP).reply(204);
    const { provider } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({ status: "revoked", principal: "alice", detail: "removed alice from acme/infra-admins" });
    scope.done();

    const again = nock(API).get(MEMBERSHIP).reply(404, notFound);
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({
      status: "unchanged",
      principal: "alice",
      detail: "alice is not a member of acme/infra-admins",
    });
    again.done();
  });

  it("a DELETE answered 404 (removed meanwhile) is unchanged", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("member", "active")).delete(MEMBERSHIP).reply(404, notFound);
    const { provider } = setup();
    expect((await provider.revoke(ref(admins, "alice", "alice"))).status).toBe("unchanged");
    scope.done();
  });

  it("a team maintainer is kept, never reported as already revoked", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("maintainer", "active")).get(ORG_MEMBERSHIP).reply(200, orgMembership("member", "active"));
    const { provider } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({
      status: "kept",
      principal: "alice",
      detail: "alice maintains acme/infra-admins, a role gitgrant never grants; left in place",
    });
    scope.done();
  });

  it("an organisation owner (whom GitHub reports as maintainer) is kept, saying why", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("maintainer", "active")).get(ORG_MEMBERSHIP).reply(200, orgMembership("admin", "active"));
    const { provider } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({
      status: "kept",
      principal: "alice",
      detail: "alice is an owner of acme, whom GitHub reports as maintainer of every team; gitgrant cannot remove that; left in place",
    });
    scope.done();
  });

  it("lists the team's own members through GraphQL (IMMEDIATE: child-team members are not this team's), across pages", async () => {
    const page = (logins: string[], next: string | null) => ({
      data: { organization: { team: { members: { nodes: logins.map((login) => ({ login })), pageInfo: { hasNextPage: next !== null, endCursor: next } } } } },
    });
    const scope = nock(API)
      .post("/graphql", (body) => /members\(first: 100, after: \$cursor, membership: IMMEDIATE\)/.test(body.query) && body.variables.cursor === null && body.variables.org === "acme" && body.variables.team === "infra-admins")
      .reply(200, page(["alice", "Bob"], "Y3Vyc29yOjI="))
      .post("/graphql", (body) => body.variables.cursor === "Y3Vyc29yOjI=")
      .reply(200, page(["carol"], null));
    const { provider } = setup();
    expect(await provider.list(admins, ["bob", "carol"])).toEqual([
      { resourceId: "infra-admins", principal: "Bob", managedByGitgrant: false },
      { resourceId: "infra-admins", principal: "carol", managedByGitgrant: false },
    ]);
    scope.done();
  });

  it("a team the token cannot see is reported as not found", async () => {
    const scope = nock(API).post("/graphql").reply(200, { data: { organization: { team: null } } });
    const { provider } = setup();
    const error = await provider.list(admins).catch((e) => e);
    expect(error.kind).toBe("not_found");
    expect(error.message).toBe("list members of acme/infra-admins: no such team, or the token cannot see it");
    scope.done();
  });

  it("on GitHub Enterprise Server every call goes to GITHUB_API_URL, GraphQL to its /api/graphql", async () => {
    const ghes = "https://ghe.acme.example";
    const scope = nock(ghes)
      .get(`/api/v3${MEMBERSHIP}`)
      .reply(200, membership("member", "active"))
      .post("/api/graphql")
      .reply(200, { data: { organization: { team: { members: { nodes: [{ login: "alice" }], pageInfo: { hasNextPage: false, endCursor: null } } } } } });
    const provider = createGithubTeamProvider({ octokit: () => githubClientFromEnv({ GITHUB_TOKEN: "ghs_x", GITHUB_API_URL: `${ghes}/api/v3` }) });
    expect((await provider.grant(grant(admins, "alice", "alice"))).status).toBe("unchanged");
    expect(await provider.list(admins)).toHaveLength(1);
    scope.done();

    const custom = nock("https://graphql.ghe.acme.example").post("/graphql").reply(200, { data: { organization: { team: { members: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } } } });
    const explicit = createGithubTeamProvider({
      octokit: () => githubClientFromEnv({ GITHUB_TOKEN: "ghs_x", GITHUB_API_URL: `${ghes}/api/v3`, GITHUB_GRAPHQL_URL: "https://graphql.ghe.acme.example/graphql" }),
    });
    expect(await explicit.list(admins)).toEqual([]);
    custom.done();
  });

  it("no token is a configuration error naming the variables, reported once and never retried", async () => {
    let built = 0;
    const { sleep, delays } = recordingSleep();
    const provider = createGithubTeamProvider({
      octokit: () => {
        built++;
        return githubClientFromEnv({});
      },
      retry: { sleep },
    });
    const first = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(first.kind).toBe("config");
    expect(first.message).toMatch(/^github-team: no GitHub token in the environment\. Set GITGRANT_GITHUB_TOKEN or GITHUB_TOKEN \(or GH_TOKEN\)/);
    const second = await provider.revoke(ref(admins, "alice", "alice")).catch((e) => e);
    expect(second).toBe(first);
    expect(built).toBe(1);
    expect(delays).toEqual([]);
  });

  it("a refused token (401) is a configuration error, not retried", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    const { provider, delays } = setup();
    const error = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(error.kind).toBe("config");
    expect(error.message).toMatch(/^github-team: GitHub refused the token \(HTTP 401: Bad credentials\)\. Set GITGRANT_GITHUB_TOKEN/);
    expect(delays).toEqual([]);
    scope.done();
  });

  it("errors from an octokit that retries itself (Probot's) are not retried again", async () => {
    let calls = 0;
    const failing = Object.assign(new Error("Server Error"), { status: 502, response: { status: 502, headers: {} } });
    const probotLike = {
      retry: { retryRequest: () => failing },
      request: async () => {
        calls++;
        throw failing;
      },
      paginate: async () => [],
    } as unknown as Parameters<typeof createGithubTeamProvider>[0]["octokit"];
    const { sleep, delays } = recordingSleep();
    const provider = createGithubTeamProvider({ octokit: probotLike, retry: { sleep } });
    const error = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(error.kind).toBe("transient");
    expect(error.retryable).toBe(false);
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it("waits until GitHub's rate-limit reset when it is near, and gives up at once when it is far", async () => {
    const now = Date.parse("2026-03-02T10:00:00Z");
    const limited = (resetIn: number) => ({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + resetIn) });
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(403, { message: "API rate limit exceeded for installation ID 1." }, limited(20))
      .get(MEMBERSHIP)
      .reply(200, membership("member", "active"));
    const { sleep, delays } = recordingSleep();
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const octokit = new Octokit({ auth: "ghs_testtoken000000000000000000000000", log: quiet });
    const provider = createGithubTeamProvider({ octokit: gitHub(octokit), retry: { sleep, now: () => now, random: () => 0 } });
    expect((await provider.grant(grant(admins, "alice", "alice"))).status).toBe("unchanged");
    expect(delays).toEqual([20_000]);
    scope.done();

    const far = nock(API).get(MEMBERSHIP).reply(403, { message: "API rate limit exceeded for installation ID 1." }, limited(3000));
    const error = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(error.kind).toBe("throttled");
    expect(error.message).toMatch(/the service asked to wait 3000 s, longer than gitgrant waits: 60 s\)$/);
    expect(delays).toEqual([20_000]);
    far.done();
  });

  it("retries a 502 and a secondary rate limit, then succeeds", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(502, { message: "Server Error" })
      .get(MEMBERSHIP)
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." })
      .get(MEMBERSHIP)
      .reply(404, notFound)
      .get(ORG_MEMBERSHIP)
      .reply(200, orgMembership("member", "active"))
      .put(MEMBERSHIP, { role: "member" })
      .reply(200, membership("member", "active"));
    const { provider, delays } = setup();
    expect((await provider.grant(grant(admins, "alice", "alice"))).status).toBe("granted");
    expect(delays).toHaveLength(2);
    scope.done();
  });

  it("reports a 503 that persists after 4 tries as transient", async () => {
    const scope = nock(API).get(MEMBERSHIP).times(4).reply(503, { message: "Service Unavailable" });
    const { provider, delays } = setup();
    const error = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe("transient");
    expect(error.message).toBe("add alice to acme/infra-admins: temporary failure (HTTP 503): Service Unavailable (gave up after 4 tries)");
    expect(delays).toHaveLength(3);
    scope.done();
  });

  it("reports a 403 as denied at once, without retrying or leaking the token", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(404, notFound)
      .get(ORG_MEMBERSHIP)
      .reply(200, orgMembership("member", "active"))
      .put(MEMBERSHIP, { role: "member" })
      .reply(403, { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest/teams/members#add-or-update-team-membership-for-a-user", status: "403" });
    const { provider, delays } = setup();
    const error = await provider.grant(grant(admins, "alice", "alice")).catch((e) => e);
    expect(error.kind).toBe("denied");
    expect(error.message).toMatch(/^add alice to acme\/infra-admins: permission denied \(HTTP 403\): Resource not accessible by integration/);
    expect(error.message).not.toContain("ghs_");
    expect(delays).toEqual([]);
    scope.done();
  });
});

describe("github-team revoke under faults", () => {
  it("a secondary rate limit (403 with retry-after) on the DELETE is waited out, then the member is removed", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(200, membership("member", "active"))
      .delete(MEMBERSHIP)
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }, { "retry-after": "30" })
      .get(MEMBERSHIP)
      .reply(200, membership("member", "active"))
      .delete(MEMBERSHIP)
      .reply(204);
    const { provider, delays } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({ status: "revoked", principal: "alice", detail: "removed alice from acme/infra-admins" });
    expect(delays).toEqual([30_000]);
    scope.done();
  });
});
