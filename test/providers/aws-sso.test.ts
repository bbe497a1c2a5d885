// aws-sso against IAM Identity Center's wire format: awsJson1_1 POSTs to
// https://sso.<region>.amazonaws.com/ with X-Amz-Target SWBExternalService.<Operation>, and
// to https://identitystore.<region>.amazonaws.com/ with X-Amz-Target AWSIdentityStore.<Operation>.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { isDeepStrictEqual } from "node:util";
import { createAwsSsoProvider } from "../../src/providers/aws-sso.js";
import { createProviders } from "../../src/providers/index.js";
import { ProviderError } from "../../src/providers/types.js";
import { grant, recordingSleep, ref, resource } from "../helpers/providers.js";

const SSO = "https://sso.eu-west-1.amazonaws.com";
const STORE = "https://identitystore.eu-west-1.amazonaws.com";
const INSTANCE = "arn:aws:sso:::instance/ssoins-72231ef1c1b3a4e0";
const PS = "arn:aws:sso:::permissionSet/ssoins-72231ef1c1b3a4e0/ps-0d2c4bd3e1a6f7a9";
const USER = "906715a2f4-3b1c0d2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
const TARGET = { instance_arn: INSTANCE, permission_set_arn: PS, account_id: "111122223333", identity_store_id: "d-906715a2f4", region: "eu-west-1" };
const admin = resource("prod-admin", "aws-sso", TARGET);
const ASSIGN = { InstanceArn: INSTANCE, TargetId: "111122223333", TargetType: "AWS_ACCOUNT", PermissionSetArn: PS, PrincipalType: "USER", PrincipalId: USER };
const LIST = { InstanceArn: INSTANCE, AccountId: "111122223333", PermissionSetArn: PS, MaxResults: 100 };
const JSON11 = { "content-type": "application/x-amz-json-1.1" };

/** One call: matches only the operation's X-Amz-Target and exactly this JSON body. */
function op(host: string, target: string, body: object, status: number, reply: object) {
  return nock(host, { reqheaders: { "x-amz-target": target, "content-type": "application/x-amz-json-1.1" } })
    .post("/", (b) => isDeepStrictEqual(b, body))
    .reply(status, reply, JSON11);
}
const sso = (operation: string, body: object, status: number, reply: object) => op(SSO, `SWBExternalService.${operation}`, body, status, reply);
const fault = (type: string, message: string) => ({ __type: `com.amazonaws.swbexternalservice#${type}`, message });

const lookup = () =>
  op(STORE, "AWSIdentityStore.GetUserId", { IdentityStoreId: "d-906715a2f4", AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: "alice" } } }, 200, { UserId: USER, IdentityStoreId: "d-906715a2f4" });
const sessions = () => sso("DescribePermissionSet", { InstanceArn: INSTANCE, PermissionSetArn: PS }, 200, { PermissionSet: { Name: "ProdAdmin", PermissionSetArn: PS, SessionDuration: "PT4H" } });
const assignments = (principals: string[], more?: { token?: string; next?: string }) =>
  sso("ListAccountAssignments", more?.token ? { ...LIST, NextToken: more.token } : LIST, 200, {
    AccountAssignments: principals.map((id) => ({ AccountId: "111122223333", PermissionSetArn: PS, PrincipalType: "USER", PrincipalId: id })),
    ...(more?.next ? { NextToken: more.next } : {}),
  });
const status = (s: string, extra: object = {}) => ({ Status: s, RequestId: "c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b", ...ASSIGN, ...extra });

function setup() {
  const { sleep, delays } = recordingSleep();
  const provider = createAwsSsoProvider({ clientConfig: { credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" } }, retry: { sleep }, sleep, env: {} });
  return { provider, delays };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("aws-sso target", () => {
  it("needs an instance, a permission set of that instance and an account; expires nothing itself", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(admin)).not.toThrow();
    expect(() => provider.checkTarget(resource("x", "aws-sso", { ...TARGET, account_id: "1111" }))).toThrow('x: target has account_id "1111", which is not a 12-digit AWS account id');
    expect(() => provider.checkTarget(resource("x", "aws-sso", { ...TARGET, permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-0d2c4bd3e1a6f7a9" }))).toThrow(
      "x: target has a permission set of another Identity Center instance than instance_arn",
    );
    expect(provider.nativeExpiry(admin)).toBe(false);
  });
});

describe("aws-sso grant", () => {
  it("looks the user up, assigns, polls the creation status until SUCCEEDED, and states the session duration", async () => {
    const { provider, delays } = setup();
    const scopes = [
      lookup(),
      sessions(),
      assignments([], { next: "page2" }),
      assignments(["906715a2f4-99999999-5f6a-4b7c-8d9e-0f1a2b3c4d5e"], { token: "page2" }),
      sso("CreateAccountAssignment", ASSIGN, 200, { AccountAssignmentCreationStatus: status("IN_PROGRESS") }),
      sso("DescribeAccountAssignmentCreationStatus", { InstanceArn: INSTANCE, AccountAssignmentCreationRequestId: "c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b" }, 200, { AccountAssignmentCreationStatus: status("IN_PROGRESS") }),
      sso("DescribeAccountAssignmentCreationStatus", { InstanceArn: INSTANCE, AccountAssignmentCreationRequestId: "c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b" }, 200, { AccountAssignmentCreationStatus: status("SUCCEEDED") }),
    ];
    const outcome = await provider.grant(grant(admin, "alice", "alice"));
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(outcome).toEqual({
      status: "granted",
      principal: "alice",
      detail:
        "assigned permission set ps-0d2c4bd3e1a6f7a9 on account 111122223333 to alice (request c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b; Identity Center does not expire it, the sweep revokes it); sessions already started last up to PT4H (the permission set's session duration)",
    });
    expect(delays).toEqual([500, 1000]);
  });

  it("is idempotent: an assignment that exists is left as it is", async () => {
    const { provider } = setup();
    const scopes = [sessions(), assignments([USER])];
    const outcome = await provider.grant(grant(admin, "alice", USER));
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(outcome).toMatchObject({ status: "unchanged", principal: USER });
    // An assignment has no author: found stays unset and the receipts decide. No Create call was made.
    expect(outcome.found).toBeUndefined();
    expect(outcome.detail).toMatch(/^906715a2f4-3b1c0d2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e already holds permission set ps-0d2c4bd3e1a6f7a9 on account 111122223333/);
  });

  it("retries ConflictException (another assignment operation in progress) and a FAILED status that says so", async () => {
    const { provider, delays } = setup();
    const scopes = [
      sessions(),
      assignments([]),
      sso("CreateAccountAssignment", ASSIGN, 409, fault("ConflictException", "An operation is already in progress for this permission set and account")),
      assignments([]),
      sso("CreateAccountAssignment", ASSIGN, 200, { AccountAssignmentCreationStatus: status("FAILED", { FailureReason: "Received a 409 status error: ConflictException" }) }),
      assignments([]),
      sso("CreateAccountAssignment", ASSIGN, 200, { AccountAssignmentCreationStatus: status("SUCCEEDED") }),
    ];
    const outcome = await provider.grant(grant(admin, "alice", USER));
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(outcome.status).toBe("granted");
    expect(delays).toHaveLength(2);
  });

  it("reports throttling that lasts past every try as throttled, and a denial at once", async () => {
    const { provider } = setup();
    sessions();
    nock(SSO).post("/").times(4).reply(400, { __type: "ThrottlingException", message: "Rate exceeded" }, JSON11);
    const throttled = await provider.grant(grant(admin, "alice", USER)).catch((e) => e);
    expect(throttled).toBeInstanceOf(ProviderError);
    expect([throttled.kind, throttled.message]).toEqual(["throttled", expect.stringContaining("(gave up after 4 tries)")]);
    expect(nock.isDone()).toBe(true);

    const denied = nock(SSO).post("/").reply(403, fault("AccessDeniedException", "User is not authorized to perform: sso:DescribePermissionSet"), JSON11);
    const refused = await setup().provider.grant(grant(admin, "alice", USER)).catch((e) => e);
    expect(denied.isDone()).toBe(true);
    expect([refused.kind, refused.message]).toEqual(["denied", expect.stringContaining("sso:DescribePermissionSet")]);
  });

  it("a FAILED creation for another reason is reported with AWS's words, not retried", async () => {
    const { provider } = setup();
    const scopes = [sessions(), assignments([]), sso("CreateAccountAssignment", ASSIGN, 200, { AccountAssignmentCreationStatus: status("FAILED", { FailureReason: "Permission set is not provisioned to the account" }) })];
    const error = await provider.grant(grant(admin, "alice", USER)).catch((e) => e);
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect([error.kind, error.message]).toEqual(["invalid", "the assignment creation c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b FAILED: Permission set is not provisioned to the account"]);
  });

  it("an unknown user name is an invalid grant, said in words", async () => {
    const { provider } = setup();
    const miss = op(STORE, "AWSIdentityStore.GetUserId", { IdentityStoreId: "d-906715a2f4", AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: "mallory" } } }, 404, {
      __type: "ResourceNotFoundException",
      message: "USER not found",
    });
    const error = await provider.grant(grant(admin, "mallory", "mallory")).catch((e) => e);
    expect(miss.isDone()).toBe(true);
    expect([error.kind, error.message]).toEqual(["invalid", 'prod-admin: target cannot be granted to "mallory": no such user in the Identity Store d-906715a2f4']);
  });
});

describe("aws-sso revoke and list", () => {
  it("deletes the assignment and polls the deletion status; a second revoke changes nothing", async () => {
    const { provider } = setup();
    const scopes = [
      assignments([USER]),
      sessions(),
      sso("DeleteAccountAssignment", ASSIGN, 200, { AccountAssignmentDeletionStatus: status("IN_PROGRESS") }),
      sso("DescribeAccountAssignmentDeletionStatus", { InstanceArn: INSTANCE, AccountAssignmentDeletionRequestId: "c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b" }, 200, { AccountAssignmentDeletionStatus: status("SUCCEEDED") }),
      assignments([]),
    ];
    expect(await provider.revoke(ref(admin, "alice", USER))).toEqual({
      status: "revoked",
      principal: USER,
      detail: `removed ${USER}'s assignment of permission set ps-0d2c4bd3e1a6f7a9 on account 111122223333 (request c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b); sessions already started last up to PT4H (the permission set's session duration)`,
    });
    expect((await provider.revoke(ref(admin, "alice", USER))).status).toBe("unchanged");
    for (const s of scopes) expect(s.isDone()).toBe(true);
  });

  it("revoke goes to the principal and account that were granted (the receipt's), not today's identities or catalog", async () => {
    const { provider } = setup();
    // The receipt recorded the user id and account 444455556666; identities and catalog say otherwise now.
    const OLD = "906715a2f4-77777777-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
    const recorded = resource("prod-admin", "aws-sso", { ...TARGET, account_id: "444455556666" });
    const old = { ...ASSIGN, TargetId: "444455556666", PrincipalId: OLD };
    const scopes = [
      sso("ListAccountAssignments", { ...LIST, AccountId: "444455556666" }, 200, { AccountAssignments: [{ AccountId: "444455556666", PermissionSetArn: PS, PrincipalType: "USER", PrincipalId: OLD }] }),
      sessions(),
      sso("DeleteAccountAssignment", old, 200, { AccountAssignmentDeletionStatus: status("SUCCEEDED", { TargetId: "444455556666", PrincipalId: OLD }) }),
    ];
    expect(await provider.revoke(ref(recorded, "alice", OLD))).toMatchObject({ status: "revoked", principal: OLD });
    for (const s of scopes) expect(s.isDone()).toBe(true);
  });

  it("a user name the Identity Store no longer knows is said in words at revoke", async () => {
    const { provider } = setup();
    const miss = op(STORE, "AWSIdentityStore.GetUserId", { IdentityStoreId: "d-906715a2f4", AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: "alice" } } }, 404, {
      __type: "ResourceNotFoundException",
      message: "USER not found",
    });
    expect(await provider.revoke(ref(admin, "alice", "alice"))).toEqual({
      status: "unchanged",
      principal: "alice",
      detail: "no user alice in the Identity Store d-906715a2f4, so no assignment of permission set ps-0d2c4bd3e1a6f7a9 on account 111122223333 to remove",
    });
    expect(miss.isDone()).toBe(true);
  });

  it("lists every assignment across pages, none claimed as gitgrant's own", async () => {
    const { provider } = setup();
    const scopes = [assignments([USER], { next: "t2" }), assignments(["906715a2f4-99999999-5f6a-4b7c-8d9e-0f1a2b3c4d5e"], { token: "t2" })];
    expect(await provider.list(admin)).toEqual([
      { resourceId: "prod-admin", principal: USER, managedByGitgrant: false },
      { resourceId: "prod-admin", principal: "906715a2f4-99999999-5f6a-4b7c-8d9e-0f1a2b3c4d5e", managedByGitgrant: false },
    ]);
    for (const s of scopes) expect(s.isDone()).toBe(true);
  });
});

describe("aws-sso configuration", () => {
  it("without a region anywhere, says where to put one (and builds with no credentials)", async () => {
    const providers = createProviders({ env: {} });
    const noRegion = resource("p", "aws-sso", { ...TARGET, region: undefined });
    delete (noRegion.target as Record<string, unknown>).region;
    const error = await providers["aws-sso"]!.grant(grant(noRegion, "alice", USER)).catch((e) => e);
    expect([error.kind, error.message]).toEqual(["invalid", "aws-sso needs the Identity Center region: region in the catalog target, or AWS_REGION in the environment"]);
  });
});

describe("aws-sso revoke under faults", () => {
  it("a ConflictException on the delete (another operation in progress) is retried, then the assignment goes", async () => {
    const { provider, delays } = setup();
    const scopes = [
      assignments([USER]),
      sessions(),
      sso("DeleteAccountAssignment", ASSIGN, 409, fault("ConflictException", "An operation is already in progress for this permission set and account")),
      assignments([USER]),
      sso("DeleteAccountAssignment", ASSIGN, 200, { AccountAssignmentDeletionStatus: status("SUCCEEDED") }),
    ];
    expect((await provider.revoke(ref(admin, "alice", USER))).status).toBe("revoked");
    expect(delays).toHaveLength(1);
    for (const s of scopes) expect(s.isDone()).toBe(true);
  });
});
