import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { ProviderError } from "../../src/providers/types.js";
import { createAwsIamProvider } from "../../src/providers/aws-iam.js";
import { sessionSid } from "../../src/providers/aws-iam-sessions.js";
import { grant, recordingSleep, ref, resource } from "../helpers/providers.js";
import { IAM, TRUST, call, error, ok, policies, policyXml, roleXml, rolePolicies, rolePolicyXml, setup } from "./aws-iam-wire.js";

const ROLE = "arn:aws:iam::123456789012:role/prod-db-read";
const roleResource = resource("prod-db-read", "aws-iam", { mode: "assume-role", role_arn: ROLE });
const POLICY = "gitgrant-prod-db-read-alice";
const ALICE = sessionSid("prod-db-read", "alice");
const BOB = sessionSid("prod-db-read", "bob");
const CAROL = sessionSid("prod-db-read", "carol");
const E = "2026-03-02T14:30:00Z";

// What the grant writes for alice's 10:00-14:30 window, applied at 10:00:05.
const USER_DOCUMENT =
  '{"Version":"2012-10-17","Statement":[{"Sid":"GitgrantJustInTime","Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity"],' +
  `"Resource":"${ROLE}","Condition":{"DateLessThan":{"aws:CurrentTime":"${E}"},"StringEquals":{"sts:SourceIdentity":"alice"}}}]}`;
const atExpiry = (sid: string, who: string, at: string) =>
  `{"Sid":"${sid}","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"${who}"},` +
  `"DateLessThan":{"aws:TokenIssueTime":"${at}"},"DateGreaterThanEquals":{"aws:CurrentTime":"${at}"}}}`;
const denyNow = (sid: string, who: string, cutoff: string) =>
  `{"Sid":"${sid}","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"${who}"},` +
  `"DateLessThan":{"aws:TokenIssueTime":"${cutoff}"}}}`;
const sessionsDoc = (...statements: string[]) => `{"Version":"2012-10-17","Statement":[${statements.join(",")}]}`;

const getRole = (scope: nock.Scope, trust: unknown = TRUST, max = 43200, arn = ROLE) =>
  call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 200, roleXml(arn, trust, max));
const getSessions = (scope: nock.Scope, document?: string) =>
  document === undefined
    ? call(scope, { Action: "GetRolePolicy", RoleName: "prod-db-read", PolicyName: "gitgrant-end-sessions" }, 404,
        error("NoSuchEntity", "The role policy with name gitgrant-end-sessions cannot be found."))
    : call(scope, { Action: "GetRolePolicy", RoleName: "prod-db-read", PolicyName: "gitgrant-end-sessions" }, 200,
        rolePolicyXml("prod-db-read", "gitgrant-end-sessions", document));
const putSessions = (scope: nock.Scope, document: string, status = 200, xml = ok("PutRolePolicy")) =>
  call(scope, { Action: "PutRolePolicy", RoleName: "prod-db-read", PolicyName: "gitgrant-end-sessions", PolicyDocument: document }, status, xml);
const getUserPolicy = (scope: nock.Scope, document?: string) =>
  document === undefined
    ? call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: POLICY }, 404, error("NoSuchEntity", `The user policy with name ${POLICY} cannot be found.`))
    : call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, policyXml("alice", POLICY, document));

/** The order of IAM actions the provider sent: the deny must reach the role before the user may assume it. */
function actionsOf(scope: nock.Scope): string[] {
  const seen: string[] = [];
  scope.on("request", (_req, _interceptor, body: string) => seen.push(new URLSearchParams(body).get("Action") ?? "?"));
  return seen;
}

const GRANTED =
  `allowed alice to assume ${ROLE} until ${E}, enforced by AWS (policy ${POLICY}); every session must carry source identity alice, ` +
  `and those opened before ${E} are denied every action from then on by the role policy gitgrant-end-sessions ` +
  "(the role allows sessions of up to 12h, longer than the 4h29m55s window: without the deny, one opened just before the end would last until 2026-03-03T02:30:00Z)";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("aws-iam assume-role: the grant ends sessions at expiry", () => {
  it("puts alice's deny on the role first, then the user policy that requires her as source identity", async () => {
    const scope = nock(IAM);
    const order = actionsOf(scope);
    getRole(scope);
    getSessions(scope);
    getUserPolicy(scope);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies());
    putSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: POLICY, PolicyDocument: USER_DOCUMENT }, 200, ok("PutUserPolicy"));
    const { provider } = setup();
    expect(await provider.grant(grant(roleResource, "alice", "alice"))).toEqual({ status: "granted", detail: GRANTED, principal: "alice" });
    expect(order).toEqual(["GetRole", "GetRolePolicy", "GetUserPolicy", "ListUserPolicies", "PutRolePolicy", "PutUserPolicy"]);
    scope.done();
  });

  it("keeps other grantees' statements, prunes one whose sessions have all ended (12 h past its cutoff), and says when the window outlasts the role's maximum", async () => {
    const scope = nock(IAM);
    const bob = atExpiry(BOB, "bob", "2026-03-02T18:00:00Z");
    // Carol's revoke cut at 2026-03-01T22:00:05Z: every session it could deny ended by 10:00:05 today.
    const carol = denyNow(CAROL, "carol", "2026-03-01T22:00:05Z");
    const stranger = '{"Sid":"AddedByHand","Effect":"Deny","Action":"s3:*","Resource":"*"}';
    getRole(scope, TRUST, 3600);
    getSessions(scope, sessionsDoc(stranger, carol, bob));
    getUserPolicy(scope);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies());
    putSessions(scope, sessionsDoc(stranger, atExpiry(ALICE, "alice", E), bob));
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: POLICY, PolicyDocument: USER_DOCUMENT }, 200, ok("PutUserPolicy"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(roleResource, "alice", "alice"));
    expect(outcome.detail).toMatch(/\(the role allows sessions of up to 1h: without the deny, one opened just before the end would last until 2026-03-02T15:30:00Z\)$/);
    scope.done();
  });

  it("a grant already in place (policy and deny) is unchanged and gitgrant's own, with no write", async () => {
    const scope = nock(IAM);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    getUserPolicy(scope, USER_DOCUMENT);
    const { provider } = setup();
    expect(await provider.grant(grant(roleResource, "alice", "alice"))).toEqual({
      status: "unchanged",
      detail: GRANTED.replace(/^allowed alice to assume (\S+) until (\S+), enforced by AWS/, "alice may already assume $1 until $2"),
      found: "own",
      principal: "alice",
    });
    scope.done();
  });

  it("restores a deny someone removed from the role, without touching the user policy", async () => {
    const scope = nock(IAM);
    getRole(scope);
    getSessions(scope);
    getUserPolicy(scope, USER_DOCUMENT);
    putSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    const { provider } = setup();
    const outcome = await provider.grant(grant(roleResource, "alice", "alice"));
    expect(outcome.status).toBe("granted");
    expect(outcome.detail).toMatch(/^restored the session deny: alice to assume/);
    expect(outcome.found).toBeUndefined();
    scope.done();
  });

  it("an extension rewrites alice's statement to the new end, and a policy from before sessions were ended gains the source identity", async () => {
    const later = "2026-03-02T16:00:00Z";
    const legacy = '{"Version":"2012-10-17","Statement":[{"Sid":"GitgrantJustInTime","Effect":"Allow","Action":"sts:AssumeRole",' +
      `"Resource":"${ROLE}","Condition":{"DateLessThan":{"aws:CurrentTime":"${E}"}}}]}`;
    const scope = nock(IAM);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    getUserPolicy(scope, legacy);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies(POLICY));
    putSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", later)));
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: POLICY, PolicyDocument: USER_DOCUMENT.replace(E, later) }, 200, ok("PutUserPolicy"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(roleResource, "alice", "alice", { expiresAt: new Date(later) }));
    expect(outcome.detail).toMatch(/^changed alice to assume .* until 2026-03-02T16:00:00Z/);
    scope.done();
  });

  it("refuses a role whose trust policy does not allow sts:SetSourceIdentity, naming the statement to add, and writes nothing", async () => {
    const scope = nock(IAM);
    getRole(scope, { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }] });
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("invalid");
    expect(failure.message).toBe(
      `${ROLE}: its trust policy does not allow sts:SetSourceIdentity, which gitgrant's grant needs: every session it allows must carry ` +
        'source identity alice, so that expiry and revoke can end it. Add "sts:SetSourceIdentity" to the Action of the statement that lets alice ' +
        'assume the role, e.g. {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}, ' +
        "or set end_sessions: false on the resource",
    );
    expect(delays).toEqual([]);
    scope.done();
  });

  it("never writes to a role of the same name in another account, and the refusal is not kept for other resources", async () => {
    const scope = nock(IAM);
    getRole(scope, TRUST, 3600, "arn:aws:iam::999999999999:role/prod-db-read");
    call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 404, error("NoSuchEntity", "The role with name prod-db-read cannot be found."));
    const { provider } = setup();
    const other = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    expect(other.kind).toBe("config");
    expect(other.message).toBe(
      `IAM role prod-db-read in the account of gitgrant's AWS credentials is arn:aws:iam::999999999999:role/prod-db-read, not ${ROLE}; ` +
        "a role in another account than gitgrant's AWS credentials cannot carry gitgrant's session deny: set end_sessions: false on the resource (sessions then last until their own end)",
    );
    const missing = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    expect(missing.kind).toBe("config");
    expect(missing.message).toMatch(/^IAM role prod-db-read does not exist in the account of gitgrant's AWS credentials \(The role with name prod-db-read cannot be found\.\)/);
    scope.done();
  });

  it("a role at IAM's 10,240-character inline limit refuses the deny; the grant fails closed, saying what takes the room, and never allows AssumeRole", async () => {
    const big = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${"b".repeat(10_100)}/*` }] });
    const scope = nock(IAM);
    getRole(scope);
    getSessions(scope);
    getUserPolicy(scope);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies());
    putSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)), 409, error("LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role prod-db-read"));
    call(scope, { Action: "ListRolePolicies", RoleName: "prod-db-read" }, 200, rolePolicies("s3-read", "gitgrant-end-sessions"));
    call(scope, { Action: "GetRolePolicy", RoleName: "prod-db-read", PolicyName: "s3-read" }, 200, rolePolicyXml("prod-db-read", "s3-read", big));
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    const mine = sessionsDoc(atExpiry(ALICE, "alice", E)).length;
    expect(failure.kind).toBe("invalid");
    expect(failure.message).toBe(
      `IAM role prod-db-read's inline policies would total ${big.length + mine} characters, over IAM's 10240 per role ` +
        `(${big.length} in policies not written by gitgrant, ${mine} in gitgrant-end-sessions with 1 grantee statement(s)): ` +
        "about 0 grantees' session statements fit on this role (each stays until 12 h after its grant ends). " +
        "IAM said: Maximum policy size of 10240 bytes exceeded for role prod-db-read",
    );
    expect(delays).toEqual([]);
    scope.done(); // no PutUserPolicy: nock would have refused it
  });

  it("retries Throttling and a 5xx on the role calls, then grants", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 400, error("Throttling", "Rate exceeded"));
    call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 500, error("ServiceFailure", "Request processing has failed due to an unknown error.", "Receiver"));
    getRole(scope);
    getSessions(scope);
    getUserPolicy(scope);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies());
    putSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: POLICY, PolicyDocument: USER_DOCUMENT }, 200, ok("PutUserPolicy"));
    const { provider, delays } = setup();
    expect((await provider.grant(grant(roleResource, "alice", "alice"))).status).toBe("granted");
    expect(delays).toHaveLength(2);
    scope.done();
  });

  it("AccessDenied on the role at grant: denied at once, nothing allowed", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 403,
      error("AccessDenied", "User: arn:aws:iam::123456789012:user/gitgrant is not authorized to perform: iam:GetRole on resource: role prod-db-read"));
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("denied");
    expect(failure.message).toMatch(/^allow alice to assume arn:aws:iam::123456789012:role\/prod-db-read: permission denied \(HTTP 403 AccessDenied\): .*iam:GetRole/);
    expect(delays).toEqual([]);
    scope.done();
  });

  it("end_sessions must be true or false in the catalog", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(resource("r", "aws-iam", { mode: "assume-role", role_arn: ROLE, end_sessions: "yes" }))).toThrow(
      'r: target has end_sessions "yes", which is not true or false',
    );
    expect(() => provider.checkTarget(resource("r", "aws-iam", { mode: "assume-role", role_arn: ROLE, end_sessions: false }))).not.toThrow();
  });

  it("a one-character user name cannot be a source identity: refused before any call", async () => {
    const { provider } = setup();
    const failure = await provider.grant(grant(roleResource, "alice", "a")).catch((e) => e);
    expect(failure.kind).toBe("invalid");
    expect(failure.message).toBe("prod-db-read: a cannot be a source identity (AWS needs 2 to 64 characters), so gitgrant cannot end its sessions; set end_sessions: false on the resource");
  });
});

describe("aws-iam assume-role: a policy under gitgrant's name that gitgrant did not write", () => {
  const foreign = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"${ROLE}"}]}`;

  it("the grant refuses to overwrite it, and writes nothing", async () => {
    const scope = nock(IAM);
    getRole(scope);
    getSessions(scope);
    getUserPolicy(scope, foreign);
    const { provider } = setup();
    const failure = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("invalid");
    expect(failure.message).toBe(
      `prod-db-read: alice already has an inline policy named ${POLICY} that gitgrant did not write (it has no GitgrantJustInTime statement); gitgrant will not overwrite it. Rename or remove that policy`,
    );
    scope.done();
  });

  it("the revoke keeps it and ends no session", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope, foreign);
    const { provider } = setup();
    expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
      status: "kept",
      detail: `alice's inline policy ${POLICY} was not written by gitgrant (it has no GitgrantJustInTime statement): left in place, with its sessions`,
      principal: "alice",
    });
    scope.done();
  });
});

describe("aws-iam assume-role: the revoke ends live sessions", () => {
  it("an early revoke denies alice's sessions issued before it (plus the propagation margin) before deleting her policy; bob's survive", async () => {
    const bob = atExpiry(BOB, "bob", "2026-03-02T18:00:00Z");
    const scope = nock(IAM);
    const order = actionsOf(scope);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E), bob));
    putSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z"), bob));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    const { provider } = setup();
    expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
      status: "revoked",
      detail:
        `deleted policy ${POLICY}: alice may no longer assume ${ROLE}; sessions of source identity alice issued before 2026-03-02T10:05:05Z ` +
        "are denied every action (role policy gitgrant-end-sessions), as soon as IAM applies the change, usually within seconds",
      principal: "alice",
    });
    expect(order).toEqual(["GetUserPolicy", "GetRole", "GetRolePolicy", "PutRolePolicy", "DeleteUserPolicy"]);
    scope.done();
  });

  it("the margin is an option", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    putSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:00:35Z")));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    const { provider } = setup({ revokeMarginMs: 30_000 });
    expect((await provider.revoke(ref(roleResource, "alice", "alice"))).status).toBe("revoked");
    scope.done();
  });

  it("at or after expiry the grant's deny already ended the sessions: the revoke deletes the policy and leaves the deny as it is", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    const { provider } = setup({ now: () => new Date("2026-03-02T14:30:00Z") });
    expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
      status: "revoked",
      detail: `deleted policy ${POLICY}: alice may no longer assume ${ROLE}; sessions of source identity alice issued before ${E} have been denied every action since then (role policy gitgrant-end-sessions)`,
      principal: "alice",
    });
    scope.done();
  });

  it("revoking again is unchanged: no policy, and the earlier revoke's deny stays", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope);
    getRole(scope);
    getSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z")));
    const { provider } = setup();
    expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
      status: "unchanged",
      detail: `alice has no policy ${POLICY}; sessions of source identity alice issued before 2026-03-02T10:05:05Z are denied every action (role policy gitgrant-end-sessions), since an earlier revoke`,
      principal: "alice",
    });
    scope.done();
  });

  it("a revoke cut short after the deny (DeleteUserPolicy 503s) is finished by the retry without writing the deny twice", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    putSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z")));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 503, error("ServiceUnavailable", "Service is unable to handle request.", "Receiver"));
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z")));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    const { provider, delays } = setup();
    expect((await provider.revoke(ref(roleResource, "alice", "alice"))).status).toBe("revoked");
    expect(delays).toHaveLength(1);
    scope.done();
  });

  it("a throttled PutRolePolicy does not hold up the policy's deletion; the retry writes the deny alone", async () => {
    const scope = nock(IAM);
    const order = actionsOf(scope);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    putSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z")), 400, error("Throttling", "Rate exceeded"));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    getUserPolicy(scope);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    putSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z")));
    const { provider, delays } = setup();
    expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
      status: "revoked",
      detail:
        `alice has no policy ${POLICY}; sessions of source identity alice issued before 2026-03-02T10:05:05Z ` +
        "are denied every action (role policy gitgrant-end-sessions), as soon as IAM applies the change, usually within seconds",
      principal: "alice",
    });
    expect(delays).toHaveLength(1);
    expect(order).toEqual(["GetUserPolicy", "GetRole", "GetRolePolicy", "PutRolePolicy", "DeleteUserPolicy", "GetUserPolicy", "GetRole", "GetRolePolicy", "PutRolePolicy"]);
    scope.done();
  });

  it("Throttling on the role that outlasts the retries: the policy is gone, and the revoke fails as throttled, saying sessions may be live", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope, USER_DOCUMENT);
    call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 400, error("Throttling", "Rate exceeded"));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    for (let i = 0; i < 3; i++) {
      getUserPolicy(scope);
      call(scope, { Action: "GetRole", RoleName: "prod-db-read" }, 400, error("Throttling", "Rate exceeded"));
    }
    const { provider, delays } = setup();
    const failure = await provider.revoke(ref(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("throttled");
    expect(failure.message).toBe(
      `alice has no policy ${POLICY}, but alice's live sessions on it were not ended: end alice's sessions on ${ROLE}: rate limited (HTTP 400 Throttling): Rate exceeded (gave up after 4 tries)`,
    );
    expect(delays).toHaveLength(3);
    scope.done();
  });

  it("AccessDenied on the role still deletes the user policy, then fails loudly: live sessions may remain", async () => {
    const scope = nock(IAM);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, sessionsDoc(atExpiry(ALICE, "alice", E)));
    putSessions(scope, sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z")), 403,
      error("AccessDenied", "User: arn:aws:iam::123456789012:user/gitgrant is not authorized to perform: iam:PutRolePolicy on resource: role prod-db-read"));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    const { provider, delays } = setup();
    const failure = await provider.revoke(ref(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure.kind).toBe("denied");
    expect(failure.message).toBe(
      `deleted policy ${POLICY}: alice may no longer assume ${ROLE}, but alice's live sessions on it were not ended: ` +
        `end alice's sessions on ${ROLE}: permission denied (HTTP 403 AccessDenied): User: arn:aws:iam::123456789012:user/gitgrant is not authorized to perform: iam:PutRolePolicy on resource: role prod-db-read`,
    );
    expect(delays).toEqual([]);
    scope.done();
  });

  it("a role at its inline-policy limit: the policy is deleted and the revoke fails saying why the deny could not be written", async () => {
    const full = sessionsDoc(atExpiry(ALICE, "alice", E), atExpiry(BOB, "bob", "2026-03-02T18:00:00Z"));
    const scope = nock(IAM);
    getUserPolicy(scope, USER_DOCUMENT);
    getRole(scope);
    getSessions(scope, full);
    // Alice's statement gets shorter; a policy added by hand since takes the room.
    const wanted = sessionsDoc(denyNow(ALICE, "alice", "2026-03-02T10:05:05Z"), atExpiry(BOB, "bob", "2026-03-02T18:00:00Z"));
    putSessions(scope, wanted, 409, error("LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role prod-db-read"));
    call(scope, { Action: "ListRolePolicies", RoleName: "prod-db-read" }, 200, rolePolicies("gitgrant-end-sessions", "added-later"));
    call(scope, { Action: "GetRolePolicy", RoleName: "prod-db-read", PolicyName: "added-later" }, 200, rolePolicyXml("prod-db-read", "added-later", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${"c".repeat(9800)}"}]}`));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: POLICY }, 200, ok("DeleteUserPolicy"));
    const { provider } = setup();
    const failure = await provider.revoke(ref(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("invalid");
    expect(failure.message).toMatch(new RegExp(`^deleted policy ${POLICY}: alice may no longer assume .*, but alice's live sessions on it were not ended: IAM role prod-db-read's inline policies would total \\d+ characters, over IAM's 10240 per role`));
    scope.done();
  });

  it("missing credentials: one configuration error before any call, kept for the rest of the run", async () => {
    let asked = 0;
    const { sleep, delays } = recordingSleep();
    const provider = createAwsIamProvider({
      retry: { sleep },
      clientConfig: {
        credentials: async () => {
          asked++;
          throw Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
        },
      },
    });
    const first = await provider.revoke(ref(roleResource, "alice", "alice")).catch((e) => e);
    expect(first.kind).toBe("config");
    expect(first.message).toMatch(/^aws-iam: no usable AWS credentials \(.*Could not load credentials from any providers\)/);
    expect(await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e)).toBe(first);
    expect(asked).toBe(1);
    expect(delays).toEqual([]);
  });
});

describe("aws-iam assume-role: listing finds a revoke left unfinished", () => {
  it("a grantee with no user policy but a deny still waiting for its expiry is listed as gitgrant's, so convergence revokes again", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies(POLICY));
    getUserPolicy(scope, USER_DOCUMENT);
    call(scope, { Action: "ListUserPolicies", UserName: "bob" }, 200, policies());
    getSessions(scope, sessionsDoc(
      atExpiry(ALICE, "alice", E), // listed once, from her policy
      atExpiry(BOB, "bob", "2026-03-02T18:00:00Z"), // the unfinished revoke
      atExpiry(sessionSid("other-resource", "bob"), "bob", "2026-03-02T19:00:00Z"), // another resource's
      atExpiry(CAROL, "carol", "2026-03-02T18:00:00Z"), // not asked for
      atExpiry(sessionSid("prod-db-read", "dave"), "dave", "2026-03-02T09:00:00Z"), // already ended
      denyNow(sessionSid("prod-db-read", "erin"), "erin", "2026-03-02T10:05:00Z"), // a finished revoke
    ));
    const { provider } = setup();
    expect(await provider.list(roleResource, ["alice", "bob", "dave", "erin"])).toEqual([
      { resourceId: "prod-db-read", principal: "alice", expiresAt: new Date(E), managedByGitgrant: true },
      { resourceId: "prod-db-read", principal: "bob", expiresAt: new Date("2026-03-02T18:00:00Z"), managedByGitgrant: true },
    ]);
    scope.done();
  });
});
