// google-group against the Cloud Identity Groups API v1 wire format (REST, JSON), as its
// reference documents groups.lookup and groups.memberships lookup/get/create/
// modifyMembershipRoles/delete/list.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { OAuth2Client } from "google-auth-library";
import { createGoogleGroupProvider } from "../../src/providers/google-group.js";
import { createProviders } from "../../src/providers/index.js";
import { EXPIRES_AT, grant, recordingSleep, ref, resource } from "../helpers/providers.js";

const CI = "https://cloudidentity.googleapis.com";
const GROUP = "groups/03cqmetx2ke91sr";
const M = `${GROUP}/memberships/117334652127937641856`;
const oncall = resource("oncall", "google-group", { group: "oncall@acme.com" });
const noExpiry = resource("newsletter", "google-group", { group: "oncall@acme.com", expiry: false });
const UNTIL = "2026-03-02T14:30:00Z";

function setup() {
  const { sleep, delays } = recordingSleep();
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "ya29.test-token", expiry_date: Date.parse("2100-01-01T00:00:00Z") });
  return { provider: createGoogleGroupProvider({ authClient, retry: { sleep }, env: {} }), delays };
}
const ci = () => nock(CI, { reqheaders: { authorization: "Bearer ya29.test-token" } });
const lookupGroup = (s: nock.Scope) => s.get("/v1/groups:lookup").query({ "groupKey.id": "oncall@acme.com" }).reply(200, { name: GROUP });
const lookupMember = (s: nock.Scope, found: boolean) =>
  s.get(`/v1/${GROUP}/memberships:lookup`).query({ "memberKey.id": "alice@acme.com" }).reply(found ? 200 : 404, found ? { name: M } : { error: { code: 404, message: "Not found", status: "NOT_FOUND" } });
const member = (roles: object[]) => ({ name: M, preferredMemberKey: { id: "alice@acme.com" }, roles, type: "USER", createTime: "2026-01-05T09:00:00Z" });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("google-group target", () => {
  it("needs the group's email; expiry is on unless turned off, and that decides native expiry", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(oncall)).not.toThrow();
    expect(() => provider.checkTarget(resource("x", "google-group", { group: "oncall" }))).toThrow('x: target has group "oncall", which is not a group\'s email address, e.g. oncall@acme.com');
    expect(() => provider.checkTarget(resource("x", "google-group", { group: "a@b.co", expiry: "yes" }))).toThrow("x: target has expiry that is not true or false");
    expect([provider.nativeExpiry(oncall), provider.nativeExpiry(noExpiry)]).toEqual([true, false]);
  });
});

describe("google-group grant", () => {
  it("creates a MEMBER membership with Google's expiryDetail.expireTime", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, false);
    s.post(`/v1/${GROUP}/memberships`, { preferredMemberKey: { id: "alice@acme.com" }, roles: [{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }] }).reply(200, {
      done: true,
      response: { "@type": "type.googleapis.com/google.apps.cloudidentity.groups.v1.CreateMembershipResponse", membership: member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]) },
    });
    expect(await provider.grant(grant(oncall, "alice", "alice@acme.com"))).toEqual({ status: "granted", principal: "alice@acme.com", detail: `added alice@acme.com to oncall@acme.com until ${UNTIL}, enforced by Google` });
    expect(s.isDone()).toBe(true);
  });

  it("is idempotent, and an extension moves the expiry with modifyMembershipRoles", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    expect(await provider.grant(grant(oncall, "alice", "alice@acme.com"))).toEqual({
      status: "unchanged",
      found: "own",
      principal: "alice@acme.com",
      detail: `alice@acme.com is already a member of oncall@acme.com until ${UNTIL}`,
    });

    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    s.post(`/v1/${M}:modifyMembershipRoles`, {
      updateRolesParams: [{ fieldMask: "expiry_detail.expire_time", membershipRole: { name: "MEMBER", expiryDetail: { expireTime: "2026-03-02T18:00:00Z" } } }],
    }).reply(200, { membership: member([{ name: "MEMBER", expiryDetail: { expireTime: "2026-03-02T18:00:00Z" } }]) });
    const later = await provider.grant(grant(oncall, "alice", "alice@acme.com", { expiresAt: new Date("2026-03-02T18:00:00Z") }));
    expect(later).toEqual({ status: "granted", principal: "alice@acme.com", detail: "changed alice@acme.com's membership of oncall@acme.com to end at 2026-03-02T18:00:00Z, enforced by Google" });
    expect(s.isDone()).toBe(true);
  });

  it("a membership without an expiry is standing access: reported, and left alone", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER" }]));
    expect(await provider.grant(grant(oncall, "alice", "alice@acme.com"))).toEqual({
      status: "unchanged",
      found: "standing",
      principal: "alice@acme.com",
      detail: "alice@acme.com already had standing access to oncall@acme.com (a membership without gitgrant's expiry); gitgrant will leave it",
    });
    // Only lookups and the get: a create or modifyMembershipRoles would have met no interceptor.
    expect(s.isDone()).toBe(true);
  });

  it("a manager (or owner) of the group is standing, even with an expiring MEMBER role: nothing is changed", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: "2026-03-02T12:00:00Z" } }, { name: "MANAGER" }]));
    expect(await provider.grant(grant(oncall, "alice", "alice@acme.com"))).toEqual({
      status: "unchanged",
      found: "standing",
      principal: "alice@acme.com",
      detail: "alice@acme.com already had standing access to oncall@acme.com (a membership with the role MANAGER, which gitgrant never grants); gitgrant will leave it",
    });
    expect(s.isDone()).toBe(true);
  });

  it("never shortens a membership that ends later than the grant (it may be someone's own): unchanged, found unset", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: "2026-12-31T00:00:00Z" } }]));
    const outcome = await provider.grant(grant(oncall, "alice", "alice@acme.com"));
    expect(outcome).toEqual({
      status: "unchanged",
      principal: "alice@acme.com",
      detail: `alice@acme.com is already a member of oncall@acme.com until 2026-12-31T00:00:00Z, later than this grant's ${UNTIL}; gitgrant never shortens a membership it cannot tell is its own`,
    });
    expect(outcome.found).toBeUndefined();
    expect(s.isDone()).toBe(true);
  });

  it("retries 429 RESOURCE_EXHAUSTED after Retry-After and a 409 ALREADY_EXISTS race (then finds the membership)", async () => {
    const { provider, delays } = setup();
    const s = ci();
    s.get("/v1/groups:lookup").query({ "groupKey.id": "oncall@acme.com" }).reply(429, { error: { code: 429, message: "Quota exceeded", status: "RESOURCE_EXHAUSTED" } }, { "retry-after": "2" });
    lookupGroup(s);
    lookupMember(s, false);
    s.post(`/v1/${GROUP}/memberships`).reply(409, { error: { code: 409, message: "Entity already exists.", status: "ALREADY_EXISTS" } });
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    expect(await provider.grant(grant(oncall, "alice", "alice@acme.com"))).toMatchObject({ status: "unchanged", found: "own" });
    expect(s.isDone()).toBe(true);
    expect(delays[0]).toBe(2000);
    expect(delays).toHaveLength(2);
  });

  it("denial is reported at once; an edition without expiry is told how to fall back", async () => {
    const { provider } = setup();
    const s = ci();
    s.get("/v1/groups:lookup").query({ "groupKey.id": "oncall@acme.com" }).reply(403, { error: { code: 403, message: "Error(2028): Permission denied for resource groups/03cqmetx2ke91sr", status: "PERMISSION_DENIED" } });
    const denied = await provider.grant(grant(oncall, "alice", "alice@acme.com")).catch((e) => e);
    expect([denied.kind, denied.message]).toEqual(["denied", expect.stringContaining("Permission denied for resource groups/03cqmetx2ke91sr")]);

    lookupGroup(s);
    lookupMember(s, false);
    s.post(`/v1/${GROUP}/memberships`).reply(400, { error: { code: 400, message: "Request contains an invalid argument.", status: "INVALID_ARGUMENT" } });
    const edition = await provider.grant(grant(oncall, "alice", "alice@acme.com")).catch((e) => e);
    expect(edition.kind).toBe("invalid");
    expect(edition.message).toContain("set expiry: false on the target to let gitgrant's timers end it");
    expect(s.isDone()).toBe(true);
  });

  it("with expiry off, creates a plain MEMBER membership the sweep will end", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, false);
    s.post(`/v1/${GROUP}/memberships`, { preferredMemberKey: { id: "alice@acme.com" }, roles: [{ name: "MEMBER" }] }).reply(200, { done: true });
    expect((await provider.grant(grant(noExpiry, "alice", "alice@acme.com"))).detail).toBe("added alice@acme.com to oncall@acme.com (expiry is off for this group; the sweep revokes it)");
    expect(s.isDone()).toBe(true);
  });
});

describe("google-group revoke and list", () => {
  it("deletes a membership gitgrant made; a second revoke changes nothing", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    s.delete(`/v1/${M}`).reply(200, { done: true });
    lookupMember(s, false);
    expect(await provider.revoke(ref(oncall, "alice", "alice@acme.com"))).toEqual({ status: "revoked", principal: "alice@acme.com", detail: "removed alice@acme.com from oncall@acme.com" });
    expect(await provider.revoke(ref(oncall, "alice", "alice@acme.com"))).toEqual({ status: "unchanged", principal: "alice@acme.com", detail: "alice@acme.com is not a member of oncall@acme.com" });
    expect(s.isDone()).toBe(true);
  });

  it("never removes standing access: no expiry, or an owner or manager (with expiry on or off); says kept", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER" }]));
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER" }, { name: "MANAGER" }]));
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }, { name: "OWNER" }]));
    expect(await provider.revoke(ref(oncall, "alice", "alice@acme.com"))).toEqual({
      status: "kept",
      principal: "alice@acme.com",
      detail: "alice@acme.com already had standing access to oncall@acme.com (a membership without gitgrant's expiry); gitgrant will leave it",
    });
    expect((await provider.revoke(ref(noExpiry, "alice", "alice@acme.com"))).detail).toContain("the role MANAGER, which gitgrant never grants");
    expect((await provider.revoke(ref(oncall, "alice", "alice@acme.com"))).status).toBe("kept");
    // No delete was sent: nock would have refused it.
    expect(s.isDone()).toBe(true);
  });

  it("revoke removes the member that was granted (the receipt's) from the group that was granted", async () => {
    const { provider } = setup();
    const s = ci();
    const OLD = "groups/01ksv4uv2d344cj";
    const OLD_M = `${OLD}/memberships/106225539129497841234`;
    s.get("/v1/groups:lookup").query({ "groupKey.id": "oncall-old@acme.com" }).reply(200, { name: OLD });
    s.get(`/v1/${OLD}/memberships:lookup`).query({ "memberKey.id": "alice.old@acme.com" }).reply(200, { name: OLD_M });
    s.get(`/v1/${OLD_M}`).reply(200, { ...member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]), name: OLD_M, preferredMemberKey: { id: "alice.old@acme.com" } });
    s.delete(`/v1/${OLD_M}`).reply(200, { done: true });
    const recorded = resource("oncall", "google-group", { group: "oncall-old@acme.com" });
    expect(await provider.revoke(ref(recorded, "alice", "alice.old@acme.com"))).toEqual({
      status: "revoked",
      principal: "alice.old@acme.com",
      detail: "removed alice.old@acme.com from oncall-old@acme.com",
    });
    expect(s.isDone()).toBe(true);
  });

  it("lists every membership across pages with its expiry; only expiring ones are gitgrant's", async () => {
    const { provider } = setup();
    const s = ci();
    lookupGroup(s);
    s.get(`/v1/${GROUP}/memberships`).query({ view: "FULL", pageSize: "500" }).reply(200, { memberships: [member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }])], nextPageToken: "p2" });
    s.get(`/v1/${GROUP}/memberships`).query({ view: "FULL", pageSize: "500", pageToken: "p2" }).reply(200, { memberships: [{ ...member([{ name: "OWNER" }, { name: "MEMBER" }]), preferredMemberKey: { id: "bob@acme.com" } }] });
    expect(await provider.list(oncall)).toEqual([
      { resourceId: "oncall", principal: "alice@acme.com", expiresAt: EXPIRES_AT, managedByGitgrant: true },
      { resourceId: "oncall", principal: "bob@acme.com", expiresAt: undefined, managedByGitgrant: false },
    ]);
    expect(s.isDone()).toBe(true);
  });

  it("credentials that cannot be loaded are a configuration error", async () => {
    const providers = createProviders({ env: { GOOGLE_APPLICATION_CREDENTIALS: "/nonexistent/gitgrant-key.json" } });
    const error = await providers["google-group"]!.grant(grant(oncall, "alice", "alice@acme.com")).catch((e) => e);
    expect(error.kind).toBe("invalid");
    expect(error.message).toMatch(/^google-group cannot load Google credentials \(Application Default Credentials or GOOGLE_APPLICATION_CREDENTIALS\): .*nonexistent/);
  });
});

describe("google-group revoke under faults", () => {
  it("a 503 on the delete is retried, then the membership gitgrant made is removed", async () => {
    const { provider, delays } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    s.delete(`/v1/${M}`).reply(503, { error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" } });
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    s.delete(`/v1/${M}`).reply(200, { done: true });
    expect((await provider.revoke(ref(oncall, "alice", "alice@acme.com"))).status).toBe("revoked");
    expect(delays).toHaveLength(1);
    expect(s.isDone()).toBe(true);
  });

  it("a denied delete is reported at once as denied", async () => {
    const { provider, delays } = setup();
    const s = ci();
    lookupGroup(s);
    lookupMember(s, true);
    s.get(`/v1/${M}`).reply(200, member([{ name: "MEMBER", expiryDetail: { expireTime: UNTIL } }]));
    s.delete(`/v1/${M}`).reply(403, { error: { code: 403, message: "Error(2028): Permission denied for resource groups/03cqmetx2ke91sr", status: "PERMISSION_DENIED" } });
    const error = await provider.revoke(ref(oncall, "alice", "alice@acme.com")).catch((e) => e);
    expect(error.kind).toBe("denied");
    expect(delays).toEqual([]);
    expect(s.isDone()).toBe(true);
  });
});
