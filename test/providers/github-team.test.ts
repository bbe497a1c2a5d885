import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { Octokit } from "@octokit/rest";
import { gitHub } from "../../src/github/octokit.js";
import { createGithubTeamProvider } from "../../src/providers/github-team.js";
import { ProviderError } from "../../src/providers/types.js";
import { grant, recordingSleep, ref, resource } from "../fixtures/providers/grants.js";

const API = "https://api.github.com";
const MEMBERSHIP = "/orgs/acme/teams/infra-admins/memberships/alice";
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
      .put(MEMBERSHIP, { role: "member" })
      .reply(200, membership("member", "active"));
    const { provider } = setup();
    expect(await provider.grant(grant(admins, "alice", "alice"))).toEqual({
      status: "granted",
      detail: "added alice to acme/infra-admins (GitHub does not expire it; the sweep revokes it)",
    });
    scope.done();
  });

  it("grants to a non-member of the org as a pending invitation, and says so", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(404, notFound).put(MEMBERSHIP, { role: "member" }).reply(200, membership("member", "pending"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(admins, "alice", "alice"));
    expect(outcome.detail).toMatch(/^invited alice to acme\/infra-admins; membership starts when they accept/);
    scope.done();
  });

  it("granting an existing member is unchanged, with no PUT", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("member", "active"));
    const { provider } = setup();
    expect(await provider.grant(grant(admins, "alice", "alice"))).toEqual({
      status: "unchanged",
      detail: "alice is already a member of acme/infra-admins",
    });
    scope.done();
  });

  it("revokes with DELETE; revoking a non-member is unchanged", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("member", "active")).delete(MEMBERSHIP).reply(204);
    const { provider } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({ status: "revoked", detail: "removed alice from acme/infra-admins" });
    scope.done();

    const again = nock(API).get(MEMBERSHIP).reply(404, notFound);
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({
      status: "unchanged",
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

  it("never removes a team maintainer (gitgrant only adds members)", async () => {
    const scope = nock(API).get(MEMBERSHIP).reply(200, membership("maintainer", "active"));
    const { provider } = setup();
    expect(await provider.revoke(ref(admins, "alice", "alice"))).toEqual({
      status: "unchanged",
      detail: "alice maintains acme/infra-admins, which gitgrant never grants; left in place",
    });
    scope.done();
  });

  it("lists members across pages (Link header), unmanaged since GitHub does not record who added them", async () => {
    const scope = nock(API)
      .get("/orgs/acme/teams/infra-admins/members")
      .query({ per_page: "100" })
      .reply(200, [user("alice", 1), user("Bob", 2)], {
        link: '<https://api.github.com/organizations/1/team/42/members?per_page=100&page=2>; rel="next", <https://api.github.com/organizations/1/team/42/members?per_page=100&page=2>; rel="last"',
      })
      .get("/organizations/1/team/42/members")
      .query({ per_page: "100", page: "2" })
      .reply(200, [user("carol", 3)]);
    const { provider } = setup();
    expect(await provider.list(admins, ["bob", "carol"])).toEqual([
      { resourceId: "infra-admins", principal: "Bob", managedByGitgrant: false },
      { resourceId: "infra-admins", principal: "carol", managedByGitgrant: false },
    ]);
    scope.done();
  });

  it("retries a 502 and a secondary rate limit, then succeeds", async () => {
    const scope = nock(API)
      .get(MEMBERSHIP)
      .reply(502, { message: "Server Error" })
      .get(MEMBERSHIP)
      .reply(403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." })
      .get(MEMBERSHIP)
      .reply(404, notFound)
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
