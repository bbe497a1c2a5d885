// okta-group against Okta's wire format: the org authorization server's token endpoint with a
// private-key JWT client assertion, then the Groups, Users and System Log APIs with the
// access token, Link-header pagination and X-Rate-Limit-Reset on 429.
import { generateKeyPairSync, verify } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { OKTA_SCOPES, createOktaGroupProvider, nextLink } from "../../src/providers/okta-group.js";
import { createProviders } from "../../src/providers/index.js";
import { NOW, grant, recordingSleep, ref, resource } from "../helpers/providers.js";

const ORG = "https://acme.okta.com";
const CLIENT = "0oa1b2c3d4e5f6g7h8i9";
const GROUP = "00g1emaKYZTWRYYRRTSK";
const ALICE = "00u1f96ECLNVOKVMUSEA";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ENV = { OKTA_ORG_URL: `${ORG}/`, OKTA_CLIENT_ID: CLIENT, OKTA_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), OKTA_KEY_ID: "gitgrant-1" };
const vpn = resource("vpn", "okta-group", { group_id: GROUP });
const SINCE = new Date(NOW.getTime() - 90 * 86_400_000).toISOString();

/** The token call: a form POST whose client_assertion is a JWT signed by the configured key for this audience. */
function tokenCall(scope: nock.Scope, reply: [number, object] = [200, { token_type: "Bearer", expires_in: 3600, access_token: "eyJraWQiOiJ0ZXN0In0.e30.c2ln", scope: OKTA_SCOPES }]) {
  return scope
    .post("/oauth2/v1/token", (form: Record<string, string>) => {
      const [h, c, s] = form.client_assertion!.split(".");
      const header = JSON.parse(Buffer.from(h!, "base64url").toString());
      const claims = JSON.parse(Buffer.from(c!, "base64url").toString());
      const iat = Math.floor(NOW.getTime() / 1000);
      return (
        form.grant_type === "client_credentials" &&
        form.scope === OKTA_SCOPES &&
        form.client_assertion_type === "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
        header.alg === "RS256" && header.kid === "gitgrant-1" &&
        claims.iss === CLIENT && claims.sub === CLIENT && claims.aud === `${ORG}/oauth2/v1/token` && claims.iat === iat && claims.exp === iat + 300 && typeof claims.jti === "string" &&
        verify("sha256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s!, "base64url"))
      );
    })
    .reply(...reply);
}
const api = () => nock(ORG, { reqheaders: { authorization: "Bearer eyJraWQiOiJ0ZXN0In0.e30.c2ln", accept: "application/json" } });
const logQuery = { since: SINCE, filter: `eventType eq "group.user_membership.add" and target.id eq "${ALICE}" and target.id eq "${GROUP}"`, sortOrder: "DESCENDING", limit: "1" };
const addEvent = (actorId: string, displayName: string) => [{ eventType: "group.user_membership.add", published: "2026-03-01T09:00:00.000Z", actor: { id: actorId, type: actorId === CLIENT ? "PublicClientApp" : "User", displayName }, target: [{ id: ALICE, type: "User" }, { id: GROUP, type: "UserGroup" }] }];

function setup() {
  const { sleep, delays } = recordingSleep();
  return { provider: createOktaGroupProvider({ env: ENV, now: () => NOW, retry: { sleep } }), delays };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("okta-group grant", () => {
  it("signs in with a private-key JWT, looks the login up, finds no membership and adds it", async () => {
    const { provider } = setup();
    const token = tokenCall(nock(ORG));
    const calls = api()
      .get("/api/v1/users/alice%40acme.com").reply(200, { id: ALICE, status: "ACTIVE", profile: { login: "alice@acme.com" } })
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: "00g000000000000000aa" }], { link: `<${ORG}/api/v1/users/${ALICE}/groups?after=00g000000000000000aa&limit=200>; rel="next"` })
      .get(`/api/v1/users/${ALICE}/groups`).query({ after: "00g000000000000000aa", limit: "200" }).reply(200, [])
      .put(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(204);
    expect(await provider.grant(grant(vpn, "alice", "alice@acme.com"))).toEqual({
      status: "granted",
      principal: "alice@acme.com",
      detail: `added alice@acme.com to Okta group ${GROUP} (Okta does not expire it; the sweep revokes it)`,
    });
    expect(token.isDone() && calls.isDone()).toBe(true);
  });

  it("a membership gitgrant did not add: already had standing access, and gitgrant will leave it", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, addEvent("00u0adminadminadmin1", "Ada Admin"));
    expect(await provider.grant(grant(vpn, "alice", ALICE))).toEqual({
      status: "unchanged",
      found: "standing",
      principal: ALICE,
      detail: `${ALICE} already had standing access to Okta group ${GROUP} (added by Ada Admin); gitgrant will leave it`,
    });
    // No PUT: nock would have refused it.
    expect(calls.isDone()).toBe(true);
  });

  it("a membership with no 'added' event left in the System Log: unchanged, found unset (the receipts decide), no PUT", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, []);
    const outcome = await provider.grant(grant(vpn, "alice", ALICE));
    expect(outcome).toEqual({
      status: "unchanged",
      principal: ALICE,
      detail: `${ALICE} is already in Okta group ${GROUP} (no "added" event in the System Log's last 90 days to tell who added it)`,
    });
    expect(outcome.found).toBeUndefined();
    expect(calls.isDone()).toBe(true);
  });

  it("is idempotent: its own earlier add is recognised from the System Log", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, addEvent(CLIENT, "gitgrant"));
    expect(await provider.grant(grant(vpn, "alice", ALICE))).toEqual({ status: "unchanged", found: "own", principal: ALICE, detail: `${ALICE} is already in Okta group ${GROUP} (added by gitgrant)` });
    expect(calls.isDone()).toBe(true);
  });

  it("waits until X-Rate-Limit-Reset on a 429, then succeeds; the token is fetched once", async () => {
    const { provider, delays } = setup();
    const token = tokenCall(nock(ORG));
    const reset = Math.floor(NOW.getTime() / 1000) + 3;
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" })
      .reply(429, { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." }, { "x-rate-limit-limit": "600", "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(reset) })
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [])
      .put(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(204);
    expect((await provider.grant(grant(vpn, "alice", ALICE))).status).toBe("granted");
    expect(token.isDone() && calls.isDone()).toBe(true);
    // NOW is 10:00:05.000, the reset 10:00:08: 3 s, not the 100-200 ms backoff.
    expect(delays).toEqual([3000]);
  });

  it("denial (403 E0000006) and a group whose members Okta will not change are reported, not retried", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [])
      .put(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(403, { errorCode: "E0000006", errorSummary: "You do not have permission to perform the requested action" });
    const error = await provider.grant(grant(vpn, "alice", ALICE)).catch((e) => e);
    expect([error.kind, error.message]).toEqual(["denied", `PUT /api/v1/groups/${GROUP}/users/${ALICE}: HTTP 403 E0000006 You do not have permission to perform the requested action`]);
    expect(calls.isDone()).toBe(true);
  });

  it("a concurrent change (409) is retried", async () => {
    const { provider, delays } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [])
      .put(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(409, { errorCode: "E0000197", errorSummary: "Conflict" })
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [])
      .put(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(204);
    expect((await provider.grant(grant(vpn, "alice", ALICE))).status).toBe("granted");
    expect(calls.isDone()).toBe(true);
    expect(delays).toHaveLength(1);
  });
});

describe("okta-group revoke", () => {
  it("removes a membership gitgrant added; then there is nothing to remove", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, addEvent(CLIENT, "gitgrant"))
      .delete(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(204)
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, []);
    expect(await provider.revoke(ref(vpn, "alice", ALICE))).toEqual({ status: "revoked", principal: ALICE, detail: `removed ${ALICE} from Okta group ${GROUP}` });
    expect(await provider.revoke(ref(vpn, "alice", ALICE))).toEqual({ status: "unchanged", principal: ALICE, detail: `${ALICE} is not in Okta group ${GROUP}` });
    expect(calls.isDone()).toBe(true);
  });

  it("never removes a membership someone else added last: kept, no DELETE", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, addEvent("00u0adminadminadmin1", "Ada Admin"));
    expect(await provider.revoke(ref(vpn, "alice", ALICE))).toEqual({
      status: "kept",
      principal: ALICE,
      detail: `${ALICE} already had standing access to Okta group ${GROUP} (added by Ada Admin); gitgrant will leave it`,
    });
    expect(calls.isDone()).toBe(true);
  });

  it("with no 'added' event left (a grant older than the log's 90 days), the receipt that asked for the revoke is the record: removed", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, [])
      .delete(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(204);
    expect(await provider.revoke(ref(vpn, "alice", ALICE))).toEqual({
      status: "revoked",
      principal: ALICE,
      detail: `removed ${ALICE} from Okta group ${GROUP} (no "added" event left in the System Log's last 90 days; removed on gitgrant's receipt)`,
    });
    expect(calls.isDone()).toBe(true);
  });

  it("revoke goes to the principal and group that were granted (the receipt's), resolving a login to its user id", async () => {
    const OLD_GROUP = "00g9oldgroup00000000";
    const BOB = "00u2bob0000000000000";
    const recorded = resource("vpn", "okta-group", { group_id: OLD_GROUP });
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get("/api/v1/users/alice.old%40acme.com").reply(200, { id: BOB, status: "ACTIVE", profile: { login: "alice.old@acme.com" } })
      .get(`/api/v1/users/${BOB}/groups`).query({ limit: "200" }).reply(200, [{ id: OLD_GROUP }])
      .get("/api/v1/logs").query({ ...logQuery, filter: `eventType eq "group.user_membership.add" and target.id eq "${BOB}" and target.id eq "${OLD_GROUP}"` }).reply(200, addEvent(CLIENT, "gitgrant"))
      .delete(`/api/v1/groups/${OLD_GROUP}/users/${BOB}`).reply(204);
    expect(await provider.revoke(ref(recorded, "alice", "alice.old@acme.com"))).toEqual({
      status: "revoked",
      principal: "alice.old@acme.com",
      detail: `removed alice.old@acme.com from Okta group ${OLD_GROUP}`,
    });
    expect(calls.isDone()).toBe(true);
  });
});

describe("okta-group list and configuration", () => {
  it("lists every member across Link-header pages", async () => {
    const { provider } = setup();
    tokenCall(nock(ORG));
    const calls = api()
      .get(`/api/v1/groups/${GROUP}/users`).query({ limit: "200" })
      .reply(200, [{ id: ALICE, profile: { login: "alice@acme.com" } }], { link: `<${ORG}/api/v1/groups/${GROUP}/users?limit=200>; rel="self", <${ORG}/api/v1/groups/${GROUP}/users?after=${ALICE}&limit=200>; rel="next"` })
      .get(`/api/v1/groups/${GROUP}/users`).query({ after: ALICE, limit: "200" }).reply(200, [{ id: "00u2bob0000000000000", profile: { login: "bob@acme.com" } }]);
    expect(await provider.list(vpn)).toEqual([
      { resourceId: "vpn", principal: "alice@acme.com", managedByGitgrant: false },
      { resourceId: "vpn", principal: "bob@acme.com", managedByGitgrant: false },
    ]);
    expect(calls.isDone()).toBe(true);
    expect(nextLink(`<${ORG}/x?after=1>; rel="next"`)).toBe(`${ORG}/x?after=1`);
  });

  it("missing credentials are a configuration error naming the variables; a refused assertion says Okta's words", async () => {
    const none = await createProviders({ env: {} })["okta-group"]!.grant(grant(vpn, "alice", ALICE)).catch((e) => e);
    expect([none.kind, none.message]).toEqual(["invalid", "okta-group needs OKTA_ORG_URL, OKTA_CLIENT_ID and OKTA_PRIVATE_KEY (a PEM private key of the service app) in the environment"]);

    const { provider } = setup();
    const token = tokenCall(nock(ORG), [401, { error: "invalid_client", error_description: "The client_assertion signature is invalid." }]);
    const refused = await provider.grant(grant(vpn, "alice", ALICE)).catch((e) => e);
    expect(token.isDone()).toBe(true);
    expect([refused.kind, refused.message]).toEqual(["denied", `Okta token request for ${CLIENT} failed (HTTP 401) invalid_client: The client_assertion signature is invalid.`]);
  });
});

describe("okta-group revoke under faults", () => {
  it("a 429 on the DELETE waits until X-Rate-Limit-Reset, then removes gitgrant's membership", async () => {
    const { provider, delays } = setup();
    tokenCall(nock(ORG));
    const reset = Math.floor(NOW.getTime() / 1000) + 5;
    const calls = api()
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, addEvent(CLIENT, "gitgrant"))
      .delete(`/api/v1/groups/${GROUP}/users/${ALICE}`)
      .reply(429, { errorCode: "E0000047", errorSummary: "API call exceeded rate limit due to too many requests." }, { "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(reset) })
      .get(`/api/v1/users/${ALICE}/groups`).query({ limit: "200" }).reply(200, [{ id: GROUP }])
      .get("/api/v1/logs").query(logQuery).reply(200, addEvent(CLIENT, "gitgrant"))
      .delete(`/api/v1/groups/${GROUP}/users/${ALICE}`).reply(204);
    expect((await provider.revoke(ref(vpn, "alice", ALICE))).status).toBe("revoked");
    expect(delays).toEqual([5000]);
    expect(calls.isDone()).toBe(true);
  });
});
