// Ownership through every provider in the registry, on each target's real wire (nock) or the
// local ledger: access a person had before gitgrant survives a grant and the revoke (no
// remove call is made: nock has none registered and refuses any other), and a grant gitgrant
// created is revoked for the principal and at the target its receipt records, after
// identities.yaml and the catalog have both changed.
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { Octokit } from "@octokit/rest";
import { OAuth2Client } from "google-auth-library";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { grantWords, revokeWords } from "../../src/core/grant-words.js";
import type { Receipt } from "../../src/core/receipts.js";
import type { ProviderName, Resource } from "../../src/core/types.js";
import { gitHub } from "../../src/github/octokit.js";
import { applyOwned } from "../../src/operations/owned-apply.js";
import type { GrantAction, Plan, RevokeAction } from "../../src/operations/plan-types.js";
import { createAwsIamProvider } from "../../src/providers/aws-iam.js";
import { createAwsSsoProvider } from "../../src/providers/aws-sso.js";
import { createEntraGroupProvider } from "../../src/providers/entra-group.js";
import { createGcpIamProvider } from "../../src/providers/gcp-iam.js";
import { createGithubTeamProvider } from "../../src/providers/github-team.js";
import { createGoogleGroupProvider } from "../../src/providers/google-group.js";
import { PROVIDER_NAMES } from "../../src/providers/index.js";
import { createLocalProvider } from "../../src/providers/local.js";
import { createOktaGroupProvider } from "../../src/providers/okta-group.js";
import type { Provider } from "../../src/providers/types.js";
import { EXPIRES_AT, NOW, STARTS_AT, recordingSleep, resource } from "../helpers/providers.js";
import { MemoryReceiptStore } from "../helpers/receipts.js";

const COMMIT = "c".repeat(40);
const EARLIER = "e".repeat(40);

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

interface Case {
  name: ProviderName;
  provider(): Provider;
  /** The resource as the catalog has it now, and as it was when the earlier grant was made. */
  now: Resource;
  before: Resource;
  login: string;
  /** The person's principal now, and the one identities.yaml named when it was granted. */
  principal: string;
  oldPrincipal: string;
  /** Wire of a grant that finds the access already there; returns the scopes to assert done. */
  grantFindsStanding(): nock.Scope[] | Promise<nock.Scope[]>;
  /** Wire of the revoke of oldPrincipal at the `before` target. */
  revokeRecorded(): nock.Scope[] | Promise<nock.Scope[]>;
  /** Whether the recorded access is gone afterwards (ledger-backed targets say so themselves). */
  gone?(): Promise<boolean>;
  /** Standing access is known from an earlier receipt, not from the grant (a target whose every entry is gitgrant's). */
  seedStanding?: boolean;
  standingStillThere?(): Promise<boolean>;
}

function grantAction(c: Case): GrantAction {
  const grant = { path: `access/requests/${c.now.id}/${c.login}.yaml`, login: c.login, resource: c.now, principal: c.principal, startsAt: STARTS_AT, expiresAt: EXPIRES_AT, reason: "Rotate the replica credentials" };
  return { kind: "grant", path: grant.path, change: "added", grant, landedAt: STARTS_AT, nativeExpiry: false, words: grantWords(grant, false) };
}
function revokeAction(c: Case, principal = c.principal, res = c.now): RevokeAction {
  const ref = { path: `access/requests/${res.id}/${c.login}.yaml`, login: c.login, resource: res, principal };
  return { kind: "revoke", path: ref.path, change: "deleted", ref, words: revokeWords(ref) };
}
const plan = (...actions: Plan["actions"]): Plan => ({ before: "a".repeat(40), after: COMMIT, actions, skipped: [] });
const opts = () => ({ commit: COMMIT, now: NOW, attempts: 1 });
function created(c: Case): Receipt {
  return { v: 1, event: "created", path: `access/requests/${c.now.id}/${c.login}.yaml`, login: c.login, resource: c.now.id, provider: c.name, principal: c.oldPrincipal, target: c.before.target, at: "2026-03-01T09:00:00.000Z", commit: EARLIER, expiresAt: EXPIRES_AT.toISOString() };
}

// --- github-team -------------------------------------------------------------------------
const GH = "https://api.github.com";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const githubTeam: Case = {
  name: "github-team",
  provider: () => createGithubTeamProvider({ octokit: gitHub(new Octokit({ auth: "ghs_testtoken", log: quiet })), retry: { sleep: recordingSleep().sleep } }),
  now: resource("infra-admins", "github-team", { org: "acme", team: "infra-admins" }),
  before: resource("infra-admins", "github-team", { org: "acme", team: "infra-admins-legacy" }),
  login: "bob",
  principal: "bob",
  oldPrincipal: "bob-old",
  grantFindsStanding: () => [nock(GH).get("/orgs/acme/teams/infra-admins/memberships/bob").reply(200, { url: "", role: "member", state: "active" })],
  revokeRecorded: () => [
    nock(GH).get("/orgs/acme/teams/infra-admins-legacy/memberships/bob-old").reply(200, { url: "", role: "member", state: "active" }).delete("/orgs/acme/teams/infra-admins-legacy/memberships/bob-old").reply(204),
  ],
};

// --- aws-iam (group mode) ----------------------------------------------------------------
const IAM = "https://iam.amazonaws.com";
const NS = "https://iam.amazonaws.com/doc/2010-05-08/";
const xmlOk = (action: string, result = "") => `<${action}Response xmlns="${NS}">${result}<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></${action}Response>`;
const iamGroup = (name: string) => `<member><Path>/</Path><GroupName>${name}</GroupName><GroupId>AGPACKCEVSQ6C2EXAMPLE</GroupId><Arn>arn:aws:iam::123456789012:group/${name}</Arn><CreateDate>2024-05-09T15:45:35Z</CreateDate></member>`;
const iam = (scope: nock.Scope, form: Record<string, string>, xml: string) => scope.post("/", (b) => isDeepStrictEqual({ ...b }, { Version: "2010-05-08", ...form })).reply(200, xml, { "content-type": "text/xml" });
const groupsOf = (scope: nock.Scope, user: string, groups: string[]) =>
  iam(scope, { Action: "ListGroupsForUser", UserName: user }, xmlOk("ListGroupsForUser", `<ListGroupsForUserResult><Groups>${groups.map(iamGroup).join("")}</Groups><IsTruncated>false</IsTruncated></ListGroupsForUserResult>`));
const awsIam: Case = {
  name: "aws-iam",
  provider: () => createAwsIamProvider({ clientConfig: { credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" } }, retry: { sleep: recordingSleep().sleep }, now: () => NOW }),
  now: resource("prod-db-admins", "aws-iam", { mode: "group", group: "ProdDbAdmins" }),
  before: resource("prod-db-admins", "aws-iam", { mode: "group", group: "ProdDbAdminsOld" }),
  login: "bob",
  principal: "bob",
  oldPrincipal: "bob.legacy",
  grantFindsStanding: () => {
    const s = nock(IAM);
    groupsOf(s, "bob", ["Developers", "ProdDbAdmins"]);
    return [s];
  },
  revokeRecorded: () => {
    const s = nock(IAM);
    groupsOf(s, "bob.legacy", ["ProdDbAdminsOld"]);
    iam(s, { Action: "RemoveUserFromGroup", GroupName: "ProdDbAdminsOld", UserName: "bob.legacy" }, xmlOk("RemoveUserFromGroup"));
    return [s];
  },
};

// --- aws-sso -------------------------------------------------------------------------------
const SSO = "https://sso.eu-west-1.amazonaws.com";
const INSTANCE = "arn:aws:sso:::instance/ssoins-72231ef1c1b3a4e0";
const PS = "arn:aws:sso:::permissionSet/ssoins-72231ef1c1b3a4e0/ps-0d2c4bd3e1a6f7a9";
const PS_OLD = "arn:aws:sso:::permissionSet/ssoins-72231ef1c1b3a4e0/ps-00000000000000aa";
const SSO_TARGET = { instance_arn: INSTANCE, permission_set_arn: PS, account_id: "111122223333", region: "eu-west-1" };
const BOB_ID = "906715a2f4-3b1c0d2e-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
const BOB_OLD_ID = "906715a2f4-00000000-5f6a-4b7c-8d9e-0f1a2b3c4d5e";
const JSON11 = { "content-type": "application/x-amz-json-1.1" };
const sso = (operation: string, body: object, reply: object) =>
  nock(SSO, { reqheaders: { "x-amz-target": `SWBExternalService.${operation}`, "content-type": "application/x-amz-json-1.1" } }).post("/", (b) => isDeepStrictEqual(b, body)).reply(200, reply, JSON11);
const ssoAssignments = (ps: string, ids: string[]) =>
  sso("ListAccountAssignments", { InstanceArn: INSTANCE, AccountId: "111122223333", PermissionSetArn: ps, MaxResults: 100 }, { AccountAssignments: ids.map((id) => ({ AccountId: "111122223333", PermissionSetArn: ps, PrincipalType: "USER", PrincipalId: id })) });
const ssoSessions = (ps: string) => sso("DescribePermissionSet", { InstanceArn: INSTANCE, PermissionSetArn: ps }, { PermissionSet: { Name: "ProdAdmin", PermissionSetArn: ps, SessionDuration: "PT4H" } });
const OLD_ASSIGN = { InstanceArn: INSTANCE, TargetId: "111122223333", TargetType: "AWS_ACCOUNT", PermissionSetArn: PS_OLD, PrincipalType: "USER", PrincipalId: BOB_OLD_ID };
const awsSso: Case = {
  name: "aws-sso",
  provider: () => createAwsSsoProvider({ clientConfig: { credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" } }, retry: { sleep: recordingSleep().sleep }, sleep: recordingSleep().sleep, env: {} }),
  now: resource("prod-admin", "aws-sso", SSO_TARGET),
  before: resource("prod-admin", "aws-sso", { ...SSO_TARGET, permission_set_arn: PS_OLD }),
  login: "bob",
  principal: BOB_ID,
  oldPrincipal: BOB_OLD_ID,
  grantFindsStanding: () => [ssoSessions(PS), ssoAssignments(PS, [BOB_ID])],
  revokeRecorded: () => {
    const status = (s: string) => ({ Status: s, RequestId: "c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b", ...OLD_ASSIGN });
    return [
      ssoAssignments(PS_OLD, [BOB_OLD_ID]),
      ssoSessions(PS_OLD),
      sso("DeleteAccountAssignment", OLD_ASSIGN, { AccountAssignmentDeletionStatus: status("IN_PROGRESS") }),
      sso("DescribeAccountAssignmentDeletionStatus", { InstanceArn: INSTANCE, AccountAssignmentDeletionRequestId: "c2a1e7b0-1f0e-4c5d-9a8b-7c6d5e4f3a2b" }, { AccountAssignmentDeletionStatus: status("SUCCEEDED") }),
    ];
  },
};

// --- google-group, expiry off (Google cannot tell whose a membership is) -------------------
const CI = "https://cloudidentity.googleapis.com";
const GGROUP = "groups/03cqmetx2ke91sr";
const GGROUP_OLD = "groups/0000000000oldgp";
const googleAuth = () => {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "ya29.test-token", expiry_date: Date.parse("2100-01-01T00:00:00Z") });
  return authClient;
};
const ci = () => nock(CI, { reqheaders: { authorization: "Bearer ya29.test-token" } });
const gMember = (group: string, email: string) => ({ name: `${group}/memberships/1173346521279376418`, preferredMemberKey: { id: email }, roles: [{ name: "MEMBER" }], type: "USER", createTime: "2026-01-05T09:00:00Z" });
const googleGroup: Case = {
  name: "google-group",
  provider: () => createGoogleGroupProvider({ authClient: googleAuth(), retry: { sleep: recordingSleep().sleep }, env: {} }),
  now: resource("newsletter", "google-group", { group: "newsletter@acme.com", expiry: false }),
  before: resource("newsletter", "google-group", { group: "newsletter-old@acme.com", expiry: false }),
  login: "bob",
  principal: "bob@acme.com",
  oldPrincipal: "robert@acme.com",
  grantFindsStanding: () => {
    const s = ci();
    s.get("/v1/groups:lookup").query({ "groupKey.id": "newsletter@acme.com" }).reply(200, { name: GGROUP });
    s.get(`/v1/${GGROUP}/memberships:lookup`).query({ "memberKey.id": "bob@acme.com" }).reply(200, { name: `${GGROUP}/memberships/1173346521279376418` });
    s.get(`/v1/${GGROUP}/memberships/1173346521279376418`).reply(200, gMember(GGROUP, "bob@acme.com"));
    return [s];
  },
  revokeRecorded: () => {
    const s = ci();
    const m = `${GGROUP_OLD}/memberships/1173346521279376418`;
    s.get("/v1/groups:lookup").query({ "groupKey.id": "newsletter-old@acme.com" }).reply(200, { name: GGROUP_OLD });
    s.get(`/v1/${GGROUP_OLD}/memberships:lookup`).query({ "memberKey.id": "robert@acme.com" }).reply(200, { name: m });
    s.get(`/v1/${m}`).reply(200, gMember(GGROUP_OLD, "robert@acme.com"));
    s.delete(`/v1/${m}`).reply(200, { done: true });
    return [s];
  },
};

// --- okta-group ------------------------------------------------------------------------------
const OKTA = "https://acme.okta.com";
const OKTA_CLIENT = "0oa1b2c3d4e5f6g7h8i9";
const OKTA_ENV = {
  OKTA_ORG_URL: `${OKTA}/`,
  OKTA_CLIENT_ID: OKTA_CLIENT,
  OKTA_PRIVATE_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  OKTA_KEY_ID: "gitgrant-1",
};
const OKTA_TOKEN = "eyJraWQiOiJ0ZXN0In0.e30.c2ln";
const oktaToken = () => nock(OKTA).post("/oauth2/v1/token", (f: Record<string, string>) => f.grant_type === "client_credentials" && typeof f.client_assertion === "string").reply(200, { token_type: "Bearer", expires_in: 3600, access_token: OKTA_TOKEN, scope: "okta.groups.manage okta.users.read okta.logs.read" });
const okta = () => nock(OKTA, { reqheaders: { authorization: `Bearer ${OKTA_TOKEN}` } });
const SINCE = new Date(NOW.getTime() - 90 * 86_400_000).toISOString();
const logQuery = (user: string, group: string) => ({ since: SINCE, filter: `eventType eq "group.user_membership.add" and target.id eq "${user}" and target.id eq "${group}"`, sortOrder: "DESCENDING", limit: "1" });
const addEvent = (actor: string, user: string, group: string) => [{ eventType: "group.user_membership.add", published: "2026-03-01T09:00:00.000Z", actor: { id: actor, type: actor === OKTA_CLIENT ? "PublicClientApp" : "User", displayName: actor === OKTA_CLIENT ? "gitgrant" : "Ada Admin" }, target: [{ id: user, type: "User" }, { id: group, type: "UserGroup" }] }];
const oktaGroup: Case = {
  name: "okta-group",
  provider: () => createOktaGroupProvider({ env: OKTA_ENV, now: () => NOW, retry: { sleep: recordingSleep().sleep } }),
  now: resource("vpn", "okta-group", { group_id: "00g1emaKYZTWRYYRRTSK" }),
  before: resource("vpn", "okta-group", { group_id: "00g0ldgr0upXXXXXXXXX" }),
  login: "bob",
  principal: "00u1f96ECLNVOKVMUSEA",
  oldPrincipal: "00u0ldb0bXXXXXXXXXXX",
  grantFindsStanding: () => [
    oktaToken(),
    okta()
      .get("/api/v1/users/00u1f96ECLNVOKVMUSEA/groups").query({ limit: "200" }).reply(200, [{ id: "00g1emaKYZTWRYYRRTSK" }])
      .get("/api/v1/logs").query(logQuery("00u1f96ECLNVOKVMUSEA", "00g1emaKYZTWRYYRRTSK")).reply(200, addEvent("00u0adminadminadmin1", "00u1f96ECLNVOKVMUSEA", "00g1emaKYZTWRYYRRTSK")),
  ],
  revokeRecorded: () => [
    oktaToken(),
    okta()
      .get("/api/v1/users/00u0ldb0bXXXXXXXXXXX/groups").query({ limit: "200" }).reply(200, [{ id: "00g0ldgr0upXXXXXXXXX" }])
      .get("/api/v1/logs").query(logQuery("00u0ldb0bXXXXXXXXXXX", "00g0ldgr0upXXXXXXXXX")).reply(200, addEvent(OKTA_CLIENT, "00u0ldb0bXXXXXXXXXXX", "00g0ldgr0upXXXXXXXXX"))
      .delete("/api/v1/groups/00g0ldgr0upXXXXXXXXX/users/00u0ldb0bXXXXXXXXXXX").reply(204),
  ],
};

// --- entra-group (membership) -----------------------------------------------------------------
const GRAPH = "https://graph.microsoft.com";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ENTRA_ENV = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: "4a1aa1d5-c567-49d0-ad0b-cd957a47f842", AZURE_CLIENT_SECRET: "s3cr3t-v4lue~x" };
const EGROUP = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const EGROUP_OLD = "02bd9fd6-0000-4758-87c3-1fb73740a315";
const BOB_OID = "6e7b768e-07e2-4810-8459-485f84f8f204";
const ROBERT_OID = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const entraToken = () => nock("https://login.microsoftonline.com").post(`/${TENANT}/oauth2/v2.0/token`).reply(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: "eyJ0eXAiOiJKV1QifQ.e30.c2ln" });
const graph = () => nock(GRAPH, { reqheaders: { authorization: "Bearer eyJ0eXAiOiJKV1QifQ.e30.c2ln" } });
const graphError = (code: string, message: string) => ({ error: { code, message, innerError: { date: "2026-03-02T10:00:05", "request-id": "d0e6ec5a-5d0f-4a0a-9d5f-1d2a3b4c5d6e" } } });
const entraGroup: Case = {
  name: "entra-group",
  provider: () => createEntraGroupProvider({ env: ENTRA_ENV, retry: { sleep: recordingSleep().sleep }, now: () => NOW }),
  now: resource("sre-oncall", "entra-group", { group_id: EGROUP }),
  before: resource("sre-oncall", "entra-group", { group_id: EGROUP_OLD }),
  login: "bob",
  principal: "bob@acme.com",
  oldPrincipal: "robert@acme.com",
  grantFindsStanding: () => [
    entraToken(),
    graph()
      .get("/v1.0/users/bob%40acme.com").query({ $select: "id" }).reply(200, { id: BOB_OID })
      .post(`/v1.0/groups/${EGROUP}/members/$ref`).reply(400, graphError("Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")),
  ],
  revokeRecorded: () => [
    entraToken(),
    graph()
      .get("/v1.0/users/robert%40acme.com").query({ $select: "id" }).reply(200, { id: ROBERT_OID })
      .delete(`/v1.0/groups/${EGROUP_OLD}/members/${ROBERT_OID}/$ref`).reply(204),
  ],
};

// --- gcp-iam: the marker is the condition; a standing unconditional binding is never touched --
const CRM = "https://cloudresourcemanager.googleapis.com";
const ROLE = "roles/cloudsql.viewer";
const crm = () => nock(CRM, { reqheaders: { authorization: "Bearer ya29.test-token" } });
const QUERY = { $alt: "json;enum-encoding=int" };
const gitgrantBinding = (member: string, resourceId: string, login: string) => ({
  role: ROLE,
  members: [member],
  condition: { title: `gitgrant ${resourceId} ${login}`, description: `gitgrant request access/requests/${resourceId}/${login}.yaml expires 2026-03-02T14:30:00Z`, expression: `request.time < timestamp("2026-03-02T14:30:00Z")` },
});
const STANDING = { role: ROLE, members: ["user:bob@acme.com"] };
const OWNER = { role: "roles/owner", members: ["user:root@acme.com"] };
const gcpIam: Case = {
  name: "gcp-iam",
  provider: () => createGcpIamProvider({ authClient: googleAuth(), retry: { sleep: recordingSleep().sleep }, now: () => NOW }),
  now: resource("prod-db-read", "gcp-iam", { project: "acme-prod", role: ROLE }),
  before: resource("prod-db-read", "gcp-iam", { project: "acme-prod-old", role: ROLE }),
  login: "bob",
  principal: "user:bob@acme.com",
  oldPrincipal: "user:robert@acme.com",
  // The person already holds the role without a condition: that is their standing access.
  // The grant writes nothing (no setIamPolicy) and says standing; the revoke then leaves it.
  grantFindsStanding: () => [
    crm()
      .post("/v3/projects/acme-prod:getIamPolicy", { options: { requestedPolicyVersion: 3 } }).query(QUERY)
      .reply(200, { version: 3, etag: "BwXhqDAbx5c=", bindings: [STANDING] }),
  ],
  revokeRecorded: () => [
    crm()
      .post("/v3/projects/acme-prod-old:getIamPolicy", { options: { requestedPolicyVersion: 3 } }).query(QUERY)
      .reply(200, { version: 3, etag: "BwXhqDAbx5c=", bindings: [OWNER, gitgrantBinding("user:robert@acme.com", "prod-db-read", "bob")] })
      .post("/v3/projects/acme-prod-old:setIamPolicy", { policy: { version: 3, etag: "BwXhqDAbx5c=", bindings: [OWNER] } }).query(QUERY)
      .reply(200, { version: 3, etag: "BwXhqDCL0pE=" }),
  ],
};

// --- local: a temporary ledger ----------------------------------------------------------------------
let ledgerDir = "";
const ledgerFile = () => path.join(ledgerDir, "ledger.json");
const localProvider = () => createLocalProvider({ ledgerPath: ledgerFile(), now: () => NOW });
const demo = resource("demo-db", "local", {});
const local: Case = {
  name: "local",
  provider: localProvider,
  now: demo,
  before: demo,
  login: "bob",
  principal: "bob",
  oldPrincipal: "bob-old",
  // Every ledger entry is gitgrant's own, so standing access here is what an earlier apply
  // recorded as standing (seeded below); the entry itself was put there outside this apply.
  grantFindsStanding: async () => {
    await localProvider().grant({ path: "access/requests/demo-db/bob.yaml", login: "bob", resource: demo, principal: "bob", startsAt: STARTS_AT, expiresAt: EXPIRES_AT, reason: "held before" });
    return [];
  },
  seedStanding: true,
  revokeRecorded: async () => {
    await localProvider().grant({ path: "access/requests/demo-db/bob.yaml", login: "bob", resource: demo, principal: "bob-old", startsAt: STARTS_AT, expiresAt: EXPIRES_AT, reason: "granted earlier" });
    return [];
  },
  gone: async () => !(await localProvider().list(demo)).some((g) => g.principal === "bob-old"),
  standingStillThere: async () => (await localProvider().list(demo)).some((g) => g.principal === "bob"),
};

const CASES: Case[] = [local, githubTeam, awsIam, gcpIam, entraGroup, awsSso, oktaGroup, googleGroup];

it("every provider in the registry has a case here", () => {
  expect(CASES.map((c) => c.name).sort()).toEqual([...PROVIDER_NAMES].sort());
});

describe.each(CASES)("$name", (c) => {
  beforeAll(async () => {
    ledgerDir = await fs.mkdtemp(path.join(os.tmpdir(), "gitgrant-owned-"));
  });
  afterAll(async () => {
    await fs.rm(ledgerDir, { recursive: true, force: true });
  });

  it("pre-existing access survives the grant and the revoke: no remove call is made", async () => {
    await fs.rm(ledgerFile(), { force: true });
    const store = new MemoryReceiptStore();
    const grantScopes = await c.grantFindsStanding();
    if (c.seedStanding) store.receipts.push({ ...created(c), event: "standing", principal: c.principal, target: c.now.target, expiresAt: undefined });
    else {
      const [granted] = await applyOwned(plan(grantAction(c)), { [c.name]: c.provider() }, store, opts());
      for (const s of grantScopes) expect(s.isDone()).toBe(true);
      expect(granted!.status).not.toBe("failed");
    }

    // No revoke wire is registered: any call to the target fails the revoke.
    const [revoked] = await applyOwned(plan(revokeAction(c)), { [c.name]: c.provider() }, store, opts());
    expect(revoked!.status, revoked!.detail).not.toBe("failed");
    expect(revoked!.status).toBe("kept");
    expect(revoked!.detail).toMatch(/^bob already had standing access to .* before gitgrant; left in place/);
    expect(store.receipts.map((r) => r.event)).toEqual(["standing", "left"]);
    if (c.standingStillThere) expect(await c.standingStillThere()).toBe(true);
  });

  it("a created grant is revoked for the principal and at the target its receipt records, though identities.yaml and the catalog changed", async () => {
    await fs.rm(ledgerFile(), { force: true });
    const store = new MemoryReceiptStore();
    store.receipts.push(created(c));
    const scopes = await c.revokeRecorded();
    const [r] = await applyOwned(plan(revokeAction(c)), { [c.name]: c.provider() }, store, opts());
    for (const s of scopes) expect(s.isDone()).toBe(true);
    expect(r!.status, r!.detail).toBe("revoked");
    if (c.gone) expect(await c.gone()).toBe(true);
    expect(store.receipts.at(-1)).toMatchObject({ event: "revoked", principal: c.oldPrincipal, target: c.before.target });
  });
});
