import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { createAwsIamProvider, policyName } from "../../src/providers/aws-iam.js";
import { ProviderError } from "../../src/providers/types.js";
import { grant, recordingSleep, ref, resource } from "../helpers/providers.js";
import { IAM, call, error, ok, policies, policyXml, setup } from "./aws-iam-wire.js";

const ROLE = "arn:aws:iam::123456789012:role/prod-db-read";
// These tests are about the user policy; ending live sessions (the default) is in aws-iam-sessions.test.ts.
const roleResource = resource("prod-db-read", "aws-iam", { mode: "assume-role", role_arn: ROLE, end_sessions: false });
const groupResource = resource("billing", "aws-iam", { mode: "group", group: "BillingReaders" });

// The document gitgrant writes for a 10:00-14:30 grant applied at 10:00:05 (start already past).
const DOCUMENT =
  '{"Version":"2012-10-17","Statement":[{"Sid":"GitgrantJustInTime","Effect":"Allow","Action":"sts:AssumeRole",' +
  '"Resource":"arn:aws:iam::123456789012:role/prod-db-read","Condition":{"DateLessThan":{"aws:CurrentTime":"2026-03-02T14:30:00Z"}}}]}';
const NO_END = "; sessions opened before then are not ended (end_sessions is off): each lasts until its own end, up to the role's maximum session duration (1 to 12 h) past 2026-03-02T14:30:00Z";

const group = (name: string) =>
  `<member><Path>/</Path><GroupName>${name}</GroupName><GroupId>AGPACKCEVSQ6C2EXAMPLE</GroupId><Arn>arn:aws:iam::123456789012:group/${name}</Arn><CreateDate>2024-05-09T15:45:35Z</CreateDate></member>`;
const user = (name: string) =>
  `<member><Path>/</Path><UserName>${name}</UserName><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Arn>arn:aws:iam::123456789012:user/${name}</Arn><CreateDate>2024-05-09T15:45:35Z</CreateDate></member>`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("aws-iam provider, limits, partitions and credentials", () => {
  const other = (n: number) =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bucket-${"x".repeat(n)}/*` }] }, null, 2);

  it("checks the 2,048-character aggregate of the user's inline policies before PutUserPolicy, saying how many grants fit", async () => {
    const ours2 = DOCUMENT.replace("prod-db-read\"", "reports\"");
    const scope = nock(IAM);
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 404,
      error("NoSuchEntity", "The user policy with name gitgrant-prod-db-read-alice cannot be found."));
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies("s3-read", "gitgrant-reports-alice"));
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "s3-read" }, 200, policyXml("alice", "s3-read", other(1500)));
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-reports-alice" }, 200, policyXml("alice", "gitgrant-reports-alice", ours2));
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    const otherSize = other(1500).replace(/\s/g, "").length;
    expect(failure.kind).toBe("invalid");
    expect(failure.message).toBe(
      `alice's inline policies would total ${otherSize + ours2.length + DOCUMENT.length} characters, over IAM's 2048 per user ` +
        `(${otherSize} in policies not written by gitgrant, ${ours2.length} in 1 other gitgrant grant(s), ${DOCUMENT.length} in this one): ` +
        `at most ${Math.floor((2048 - otherSize) / DOCUMENT.length)} concurrent assume-role grant(s) of this size fit for alice. Revoke one, or use mode: group for this resource`,
    );
    expect(delays).toEqual([]);
    scope.done(); // no PutUserPolicy: nock would have refused it
  });

  it("uses the role ARN's partition: aws-cn and aws-us-gov go to their own IAM endpoints", async () => {
    const cn = resource("cn", "aws-iam", { mode: "assume-role", role_arn: "arn:aws-cn:iam::123456789012:role/ops", end_sessions: false });
    const gov = resource("gov", "aws-iam", { mode: "assume-role", role_arn: "arn:aws-us-gov:iam::123456789012:role/ops", end_sessions: false });
    const china = nock("https://iam.cn-north-1.amazonaws.com.cn");
    call(china, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-cn-alice" }, 200, policyXml("alice", "gitgrant-cn-alice", DOCUMENT));
    call(china, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-cn-alice" }, 200, ok("DeleteUserPolicy"));
    const govcloud = nock("https://iam.us-gov.amazonaws.com");
    call(govcloud, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-gov-alice" }, 200, policyXml("alice", "gitgrant-gov-alice", DOCUMENT));
    call(govcloud, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-gov-alice" }, 200, ok("DeleteUserPolicy"));
    const { provider } = setup();
    expect((await provider.revoke(ref(cn, "alice", "alice"))).status).toBe("revoked");
    expect((await provider.revoke(ref(gov, "alice", "alice"))).status).toBe("revoked");
    china.done();
    govcloud.done();
  });

  it("honours AWS_REGION in the role's partition, and refuses one of another partition", async () => {
    const gov = resource("gov", "aws-iam", { mode: "assume-role", role_arn: "arn:aws-us-gov:iam::123456789012:role/ops", end_sessions: false });
    const cn = resource("cn", "aws-iam", { mode: "assume-role", role_arn: "arn:aws-cn:iam::123456789012:role/ops", end_sessions: false });
    const east = nock("https://iam.us-gov.amazonaws.com");
    call(east, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-gov-alice" }, 200, policyXml("alice", "gitgrant-gov-alice", DOCUMENT));
    call(east, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-gov-alice" }, 200, ok("DeleteUserPolicy"));
    const provider = createAwsIamProvider({ env: { AWS_REGION: "us-gov-east-1" }, clientConfig: { credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" } } });
    expect((await provider.revoke(ref(gov, "alice", "alice"))).status).toBe("revoked");
    east.done();
    const wrong = await provider.revoke(ref(cn, "alice", "alice")).catch((e) => e);
    expect(wrong.kind).toBe("config");
    expect(wrong.message).toBe(
      "aws-iam: AWS_REGION us-gov-east-1 is in partition aws-us-gov, but arn:aws-cn:iam::123456789012:role/ops is in aws-cn. Set AWS_REGION to a region of aws-cn (e.g. cn-north-1)",
    );
  });

  it("no credentials is one configuration error naming the workflow step and variables, never retried", async () => {
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
    const first = await provider.grant(grant(roleResource, "alice", "alice")).catch((e) => e);
    expect(first).toBeInstanceOf(ProviderError);
    expect(first.kind).toBe("config");
    expect(first.message).toMatch(/^aws-iam: no usable AWS credentials \(.*Could not load credentials from any providers\)\. In GitHub Actions, the workflow's "AWS credentials \(GitHub OIDC\)" step/);
    expect(first.message).toContain("AWS_ACCESS_KEY_ID");
    const again = await provider.list(groupResource).catch((e) => e);
    expect(again).toBe(first);
    expect(asked).toBe(1);
    expect(delays).toEqual([]);
  });

  it("a key AWS refuses (InvalidClientTokenId) is a configuration error too", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 403, error("InvalidClientTokenId", "The security token included in the request is invalid."));
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(groupResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("config");
    expect(failure.message).toMatch(/^aws-iam: no usable AWS credentials \(.*The security token included in the request is invalid\.\)/);
    expect(delays).toEqual([]);
    scope.done();
  });
});

describe("aws-iam provider, assume-role mode, the user policy (end_sessions: false)", () => {
  it("validates the target and names the policy after the request", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(roleResource)).not.toThrow();
    expect(() => provider.checkTarget(resource("r", "aws-iam", { mode: "assume-role" }))).toThrow(
      "r: target needs role_arn (an IAM role ARN, e.g. arn:aws:iam::123456789012:role/name)",
    );
    expect(() => provider.checkTarget(resource("r", "aws-iam", { role_arn: ROLE }))).toThrow(
      "r: target needs mode: group (with group) or mode: assume-role (with role_arn)",
    );
    expect(policyName(ref(roleResource, "Alice", "alice"))).toBe("gitgrant-prod-db-read-alice");
    expect(provider.nativeExpiry(roleResource)).toBe(true);
    expect(provider.nativeExpiry(groupResource)).toBe(false);
  });

  it("grants with PutUserPolicy: sts:AssumeRole on the role, until the expiry, and says sessions are not ended when end_sessions is off", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 404,
      error("NoSuchEntity", "The user policy with name gitgrant-prod-db-read-alice cannot be found."));
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies());
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice", PolicyDocument: DOCUMENT }, 200,
      ok("PutUserPolicy"));
    const { provider } = setup();
    expect(await provider.grant(grant(roleResource, "alice", "alice"))).toEqual({
      status: "granted",
      detail: `allowed alice to assume ${ROLE} until 2026-03-02T14:30:00Z, enforced by AWS (policy gitgrant-prod-db-read-alice)${NO_END}`,
      principal: "alice",
    });
    scope.done();
  });

  it("adds a DateGreaterThan start when the window opens later", async () => {
    const future = new Date("2026-03-03T09:00:00Z");
    const expected =
      '{"Version":"2012-10-17","Statement":[{"Sid":"GitgrantJustInTime","Effect":"Allow","Action":"sts:AssumeRole",' +
      `"Resource":"${ROLE}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2026-03-03T09:00:00Z"},` +
      '"DateLessThan":{"aws:CurrentTime":"2026-03-03T11:00:00Z"}}}]}';
    const scope = nock(IAM);
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 404, error("NoSuchEntity", "not found"));
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies());
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice", PolicyDocument: expected }, 200, ok("PutUserPolicy"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(roleResource, "alice", "alice", { startsAt: future, expiresAt: new Date("2026-03-03T11:00:00.999Z") }));
    expect(outcome.status).toBe("granted");
    scope.done();
  });

  it("granting again with the same window is unchanged (IAM returns the document URL-encoded)", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200,
      ok("GetUserPolicy", `<GetUserPolicyResult><UserName>alice</UserName><PolicyName>gitgrant-prod-db-read-alice</PolicyName><PolicyDocument>${encodeURIComponent(DOCUMENT)}</PolicyDocument></GetUserPolicyResult>`));
    const { provider } = setup();
    // The policy of gitgrant's name and content is its marker: the access found is gitgrant's own.
    expect(await provider.grant(grant(roleResource, "alice", "alice"))).toEqual({
      status: "unchanged",
      detail: `alice may already assume ${ROLE} until 2026-03-02T14:30:00Z (policy gitgrant-prod-db-read-alice)${NO_END}`,
      found: "own",
      principal: "alice",
    });
    scope.done();
  });

  it("a longer window rewrites the policy (an extension)", async () => {
    const longer = DOCUMENT.replace("2026-03-02T14:30:00Z", "2026-03-02T16:00:00Z");
    const scope = nock(IAM);
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200,
      ok("GetUserPolicy", `<GetUserPolicyResult><UserName>alice</UserName><PolicyName>gitgrant-prod-db-read-alice</PolicyName><PolicyDocument>${encodeURIComponent(DOCUMENT)}</PolicyDocument></GetUserPolicyResult>`));
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200, policies("gitgrant-prod-db-read-alice"));
    call(scope, { Action: "PutUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice", PolicyDocument: longer }, 200, ok("PutUserPolicy"));
    const { provider } = setup();
    const outcome = await provider.grant(grant(roleResource, "alice", "alice", { expiresAt: new Date("2026-03-02T16:00:00Z") }));
    expect(outcome.detail).toMatch(/^changed alice to assume .* until 2026-03-02T16:00:00Z/);
    scope.done();
  });

  it("revokes with DeleteUserPolicy; a policy already gone (NoSuchEntity, on reading or deleting) means unchanged", async () => {
    const scope = nock(IAM);
    const gone = error("NoSuchEntity", "The user policy with name gitgrant-prod-db-read-alice cannot be found.");
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200, policyXml("alice", "gitgrant-prod-db-read-alice", DOCUMENT));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200, ok("DeleteUserPolicy"));
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 404, gone);
    // Deleted by someone else between the read and the delete.
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200, policyXml("alice", "gitgrant-prod-db-read-alice", DOCUMENT));
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 404, gone);
    const { provider } = setup();
    expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
      status: "revoked",
      detail: `deleted policy gitgrant-prod-db-read-alice: alice may no longer assume ${ROLE}; sessions already opened last until their own end (end_sessions is off)`,
      principal: "alice",
    });
    for (let i = 0; i < 2; i++) {
      expect(await provider.revoke(ref(roleResource, "alice", "alice"))).toEqual({
        status: "unchanged",
        detail: "alice has no policy gitgrant-prod-db-read-alice; sessions already opened last until their own end (end_sessions is off)",
        principal: "alice",
      });
    }
    scope.done();
  });

  it("lists given principals' gitgrant policies with the expiry read back from the condition", async () => {
    const otherRole = DOCUMENT.replace("role/prod-db-read", "role/prod-db-read-extra");
    const scope = nock(IAM);
    call(scope, { Action: "ListUserPolicies", UserName: "alice" }, 200,
      ok("ListUserPolicies", "<ListUserPoliciesResult><PolicyNames><member>AllAccessPolicy</member><member>gitgrant-prod-db-read-alice</member></PolicyNames><IsTruncated>true</IsTruncated><Marker>AAEAAQ==</Marker></ListUserPoliciesResult>"));
    call(scope, { Action: "ListUserPolicies", UserName: "alice", Marker: "AAEAAQ==" }, 200,
      ok("ListUserPolicies", "<ListUserPoliciesResult><PolicyNames><member>gitgrant-prod-db-read-extra-alice</member></PolicyNames><IsTruncated>false</IsTruncated></ListUserPoliciesResult>"));
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200,
      ok("GetUserPolicy", `<GetUserPolicyResult><UserName>alice</UserName><PolicyName>gitgrant-prod-db-read-alice</PolicyName><PolicyDocument>${encodeURIComponent(DOCUMENT)}</PolicyDocument></GetUserPolicyResult>`));
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-extra-alice" }, 200,
      ok("GetUserPolicy", `<GetUserPolicyResult><UserName>alice</UserName><PolicyName>gitgrant-prod-db-read-extra-alice</PolicyName><PolicyDocument>${encodeURIComponent(otherRole)}</PolicyDocument></GetUserPolicyResult>`));
    call(scope, { Action: "ListUserPolicies", UserName: "ghost" }, 404, error("NoSuchEntity", "The user with name ghost cannot be found."));
    const { provider } = setup();
    expect(await provider.list(roleResource, ["alice", "ghost"])).toEqual([
      { resourceId: "prod-db-read", principal: "alice", expiresAt: new Date("2026-03-02T14:30:00Z"), managedByGitgrant: true },
    ]);
    scope.done();
  });

  it("lists everyone through GetAccountAuthorizationDetails when no principals are given", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "GetAccountAuthorizationDetails", "Filter.member.1": "User" }, 200,
      ok("GetAccountAuthorizationDetails", `<GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated><UserDetailList><member><GroupList/><AttachedManagedPolicies/><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Path>/</Path><UserName>bob</UserName><Arn>arn:aws:iam::123456789012:user/bob</Arn><CreateDate>2024-05-09T15:45:35Z</CreateDate><UserPolicyList><member><PolicyName>gitgrant-prod-db-read-bob</PolicyName><PolicyDocument>${encodeURIComponent(DOCUMENT)}</PolicyDocument></member><member><PolicyName>Other</PolicyName><PolicyDocument>${encodeURIComponent(DOCUMENT)}</PolicyDocument></member></UserPolicyList></member></UserDetailList><GroupDetailList/><RoleDetailList/><Policies/></GetAccountAuthorizationDetailsResult>`));
    const { provider } = setup();
    expect(await provider.list(roleResource)).toEqual([
      { resourceId: "prod-db-read", principal: "bob", expiresAt: new Date("2026-03-02T14:30:00Z"), managedByGitgrant: true },
    ]);
    scope.done();
  });
});

describe("aws-iam provider, group mode", () => {
  const listGroups = (scope: nock.Scope, groups: string[]) =>
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 200,
      ok("ListGroupsForUser", `<ListGroupsForUserResult><Groups>${groups.map(group).join("")}</Groups><IsTruncated>false</IsTruncated></ListGroupsForUserResult>`));

  it("grants with AddUserToGroup after checking the user's groups", async () => {
    const scope = nock(IAM);
    listGroups(scope, ["Developers"]);
    call(scope, { Action: "AddUserToGroup", GroupName: "BillingReaders", UserName: "alice" }, 200, ok("AddUserToGroup"));
    const { provider } = setup();
    expect(await provider.grant(grant(groupResource, "alice", "alice"))).toEqual({
      status: "granted",
      detail: "added alice to IAM group BillingReaders (AWS does not expire it; the sweep revokes it)",
      principal: "alice",
    });
    scope.done();
  });

  it("granting a member is unchanged, and does not claim the membership as gitgrant's (IAM cannot tell; the receipts do)", async () => {
    const scope = nock(IAM);
    listGroups(scope, ["Developers", "BillingReaders"]);
    const { provider } = setup();
    expect(await provider.grant(grant(groupResource, "alice", "alice"))).toEqual({ status: "unchanged", detail: "alice is already in IAM group BillingReaders", principal: "alice" });
    scope.done();
  });

  it("revokes with RemoveUserFromGroup after checking the user's groups; not in the group is unchanged", async () => {
    const groupXml = "<Group><Path>/</Path><GroupName>BillingReaders</GroupName><GroupId>AGPACKCEVSQ6C2EXAMPLE</GroupId><Arn>arn:aws:iam::123456789012:group/BillingReaders</Arn><CreateDate>2024-05-09T15:45:35Z</CreateDate></Group>";
    const scope = nock(IAM);
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 200,
      ok("ListGroupsForUser", `<ListGroupsForUserResult><Groups>${group("BillingReaders")}</Groups><IsTruncated>false</IsTruncated></ListGroupsForUserResult>`));
    call(scope, { Action: "RemoveUserFromGroup", GroupName: "BillingReaders", UserName: "alice" }, 200, ok("RemoveUserFromGroup"));
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 200,
      ok("ListGroupsForUser", "<ListGroupsForUserResult><Groups></Groups><IsTruncated>false</IsTruncated></ListGroupsForUserResult>"));
    call(scope, { Action: "GetGroup", GroupName: "BillingReaders", MaxItems: "1" }, 200,
      ok("GetGroup", `<GetGroupResult>${groupXml}<Users></Users><IsTruncated>false</IsTruncated></GetGroupResult>`));
    const { provider } = setup();
    expect((await provider.revoke(ref(groupResource, "alice", "alice"))).status).toBe("revoked");
    expect(await provider.revoke(ref(groupResource, "alice", "alice"))).toEqual({ status: "unchanged", detail: "alice is not in IAM group BillingReaders", principal: "alice" });
    scope.done();
  });

  it("a missing user or group on revoke is a configuration error, never \"not in group\"", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 404, error("NoSuchEntity", "The user with name alice cannot be found."));
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 200,
      ok("ListGroupsForUser", "<ListGroupsForUserResult><Groups></Groups><IsTruncated>false</IsTruncated></ListGroupsForUserResult>"));
    call(scope, { Action: "GetGroup", GroupName: "BillingReaders", MaxItems: "1" }, 404, error("NoSuchEntity", "The group with name BillingReaders cannot be found."));
    call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 404, error("NoSuchEntity", "The user with name alice cannot be found."));
    const { provider, delays } = setup();
    const noUser = await provider.revoke(ref(groupResource, "alice", "alice")).catch((e) => e);
    expect(noUser.kind).toBe("config");
    expect(noUser.message).toBe("IAM user alice does not exist in IAM (The user with name alice cannot be found.); fix identities.yaml or the catalog's target");
    const noGroup = await provider.revoke(ref(groupResource, "alice", "alice")).catch((e) => e);
    expect(noGroup.kind).toBe("config");
    expect(noGroup.message).toMatch(/^IAM group BillingReaders does not exist in IAM/);
    // Not kept for the rest of the run: another resource of the provider is still tried.
    const noRoleUser = await provider.revoke(ref(roleResource, "alice", "alice")).catch((e) => e);
    expect(noRoleUser.kind).toBe("config");
    expect(noRoleUser.message).toMatch(/^IAM user alice does not exist/);
    expect(delays).toEqual([]);
    scope.done();
  });

  it("lists the group's users from GetGroup, across pages", async () => {
    const scope = nock(IAM);
    const groupXml = "<Group><Path>/</Path><GroupName>BillingReaders</GroupName><GroupId>AGPACKCEVSQ6C2EXAMPLE</GroupId><Arn>arn:aws:iam::123456789012:group/BillingReaders</Arn><CreateDate>2024-05-09T15:45:35Z</CreateDate></Group>";
    call(scope, { Action: "GetGroup", GroupName: "BillingReaders" }, 200,
      ok("GetGroup", `<GetGroupResult>${groupXml}<Users>${user("alice")}</Users><IsTruncated>true</IsTruncated><Marker>AAEAAg==</Marker></GetGroupResult>`));
    call(scope, { Action: "GetGroup", GroupName: "BillingReaders", Marker: "AAEAAg==" }, 200,
      ok("GetGroup", `<GetGroupResult>${groupXml}<Users>${user("bob")}</Users><IsTruncated>false</IsTruncated></GetGroupResult>`));
    const { provider } = setup();
    expect(await provider.list(groupResource)).toEqual([
      { resourceId: "billing", principal: "alice", managedByGitgrant: false },
      { resourceId: "billing", principal: "bob", managedByGitgrant: false },
    ]);
    scope.done();
  });
});

describe("aws-iam provider, failures", () => {
  const throttled = error("Throttling", "Rate exceeded");

  it("retries Throttling and a 503, then succeeds", async () => {
    const scope = nock(IAM);
    const held = () => call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200, policyXml("alice", "gitgrant-prod-db-read-alice", DOCUMENT));
    held();
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 400, throttled);
    held();
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 503,
      error("ServiceUnavailable", "Service is unable to handle request.", "Receiver"));
    held();
    call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200, ok("DeleteUserPolicy"));
    const { provider, delays } = setup();
    expect((await provider.revoke(ref(roleResource, "alice", "alice"))).status).toBe("revoked");
    expect(delays).toHaveLength(2);
    scope.done();
  });

  it("reports Throttling that lasts past 4 tries as throttled", async () => {
    const scope = nock(IAM);
    for (let i = 0; i < 4; i++) {
      call(scope, { Action: "GetUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 200, policyXml("alice", "gitgrant-prod-db-read-alice", DOCUMENT));
      call(scope, { Action: "DeleteUserPolicy", UserName: "alice", PolicyName: "gitgrant-prod-db-read-alice" }, 400, throttled);
    }
    const { provider, delays } = setup();
    const failure = await provider.revoke(ref(roleResource, "alice", "alice")).catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure.kind).toBe("throttled");
    expect(failure.message).toBe(
      "delete policy gitgrant-prod-db-read-alice of alice: rate limited (HTTP 400 Throttling): Rate exceeded (gave up after 4 tries)",
    );
    expect(delays).toHaveLength(3);
    scope.done();
  });

  it("reports AccessDenied as denied at once, without the credentials", async () => {
    const scope = nock(IAM);
    call(scope, { Action: "ListGroupsForUser", UserName: "alice" }, 403,
      error("AccessDenied", "User: arn:aws:iam::123456789012:user/gitgrant is not authorized to perform: iam:ListGroupsForUser on resource: user alice"));
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(groupResource, "alice", "alice")).catch((e) => e);
    expect(failure.kind).toBe("denied");
    expect(failure.message).toMatch(/^add alice to IAM group BillingReaders: permission denied \(HTTP 403 AccessDenied\): User: .* is not authorized/);
    expect(failure.message).not.toContain("AKIDTEST");
    expect(delays).toEqual([]);
    scope.done();
  });
});
