import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { createEntraGroupProvider } from "../../src/providers/entra-group.js";
import { clientCredentialsToken } from "../../src/providers/entra-token.js";
import { ProviderError } from "../../src/providers/types.js";
import { EXPIRES_AT, NOW, grant, recordingSleep, ref, resource } from "../helpers/providers.js";

const GRAPH = "https://graph.microsoft.com";
const LOGIN = "https://login.microsoftonline.com";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const GROUP = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const ALICE = "6e7b768e-07e2-4810-8459-485f84f8f204";
const BOB = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl";
const ENV = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: "4a1aa1d5-c567-49d0-ad0b-cd957a47f842", AZURE_CLIENT_SECRET: "s3cr3t-v4lue~x" };

const members = resource("sre-oncall", "entra-group", { group_id: GROUP });
const pim = resource("prod-admins", "entra-group", { group_id: GROUP, mode: "pim" });

const graphError = (code: string, message: string) => ({
  error: { code, message, innerError: { date: "2026-03-02T10:00:05", "request-id": "d0e6ec5a-5d0f-4a0a-9d5f-1d2a3b4c5d6e", "client-request-id": "d0e6ec5a-5d0f-4a0a-9d5f-1d2a3b4c5d6e" } },
});
// An assignment schedule as Graph lists it: its id and createdUsing name the request that made it.
const schedule = (principalId: string, end: string | null, opts: { requestId?: string; assignmentType?: string; memberType?: string } = {}) => {
  const requestId = opts.requestId ?? "6aacaee8-4089-4048-9510-3119367fc943";
  return {
    id: `${GROUP}_member_${requestId}`,
    createdDateTime: "2026-03-02T10:00:06.12Z",
    modifiedDateTime: null,
    createdUsing: requestId,
    status: "Provisioned",
    scheduleInfo: {
      startDateTime: "2026-03-02T10:00:05Z",
      recurrence: null,
      expiration: end ? { type: "afterDateTime", endDateTime: end, duration: null } : { type: "noExpiration", endDateTime: null, duration: null },
    },
    accessId: "member",
    principalId,
    groupId: GROUP,
    memberType: opts.memberType ?? "direct",
    assignmentType: opts.assignmentType ?? "assigned",
  };
};
// A request in PIM's history, in the shape the List assignmentScheduleRequests reference shows.
const historyRequest = (principalId: string, id: string, justification: string, action = "adminAssign") => ({
  id,
  status: "Provisioned",
  createdDateTime: "2026-03-02T10:00:05.7895614Z",
  completedDateTime: "2026-03-02T10:00:06.3404527Z",
  approvalId: null,
  customData: null,
  createdBy: { user: { id: "4a1aa1d5-c567-49d0-ad0b-cd957a47f842" } },
  action,
  isValidationOnly: false,
  justification,
  scheduleInfo: { startDateTime: "2026-03-02T10:00:05Z", recurrence: null, expiration: { type: "afterDateTime", endDateTime: "2026-03-02T14:30:00Z", duration: null } },
  ticketInfo: { ticketNumber: null, ticketSystem: null },
  principalId,
  accessId: "member",
  groupId: GROUP,
  targetScheduleId: `${GROUP}_member_${id}`,
});

function token(times = 1) {
  return nock(LOGIN)
    .post(`/${TENANT}/oauth2/v2.0/token`, {
      client_id: ENV.AZURE_CLIENT_ID,
      scope: "https://graph.microsoft.com/.default",
      client_secret: ENV.AZURE_CLIENT_SECRET,
      grant_type: "client_credentials",
    })
    .times(times)
    .reply(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: TOKEN });
}
const graph = () => nock(GRAPH, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
const resolveAlice = (scope: nock.Scope) =>
  scope
    .get("/v1.0/users/alice%40acme.com")
    .query({ $select: "id" })
    .reply(200, { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id)/$entity", id: ALICE });
const pimRequests = (scope: nock.Scope, principal?: string) =>
  scope
    .get("/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests")
    .query({ $filter: `groupId eq '${GROUP}'${principal ? ` and principalId eq '${principal}'` : ""}` });
const pimSchedules = (scope: nock.Scope, principal?: string) =>
  scope
    .get("/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules")
    .query({ $filter: `groupId eq '${GROUP}'${principal ? ` and principalId eq '${principal}'` : ""}` });

function setup() {
  const { sleep, delays } = recordingSleep();
  const provider = createEntraGroupProvider({ env: ENV, retry: { sleep }, now: () => NOW });
  return { provider, delays };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("entra-group provider, member mode", () => {
  it("validates the target without credentials", () => {
    const provider = createEntraGroupProvider({ env: {} });
    expect(() => provider.checkTarget(members)).not.toThrow();
    expect(() => provider.checkTarget(resource("x", "entra-group", { group_id: "admins" }))).toThrow(
      "x: target needs group_id (the group's object id, a GUID)",
    );
    expect(() => provider.checkTarget(resource("x", "entra-group", { group_id: GROUP, mode: "eligible" }))).toThrow(
      'x: target has mode "eligible"; use member or pim',
    );
    expect(provider.nativeExpiry(members)).toBe(false);
    expect(provider.nativeExpiry(pim)).toBe(true);
  });

  it("grants: token by client credentials, UPN resolved to an id, member added by $ref", async () => {
    const login = token();
    const scope = graph();
    resolveAlice(scope);
    scope.post(`/v1.0/groups/${GROUP}/members/$ref`, { "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${ALICE}` }).reply(204);
    const { provider } = setup();
    expect(await provider.grant(grant(members, "alice", "alice@acme.com"))).toEqual({
      status: "granted",
      principal: "alice@acme.com",
      detail: `made alice@acme.com a member of group ${GROUP} (Entra does not expire it; the sweep revokes it)`,
    });
    login.done();
    scope.done();
  });

  it("granting an existing member (400 'already exist') is unchanged; the token and the id are cached", async () => {
    const login = token();
    const scope = graph();
    resolveAlice(scope);
    scope
      .post(`/v1.0/groups/${GROUP}/members/$ref`)
      .twice()
      .reply(400, graphError("Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'."));
    const { provider } = setup();
    expect((await provider.grant(grant(members, "alice", "alice@acme.com"))).status).toBe("unchanged");
    const again = await provider.grant(grant(members, "alice", "alice@acme.com"));
    expect(again).toEqual({
      status: "unchanged",
      principal: "alice@acme.com",
      detail: `alice@acme.com is already a member of group ${GROUP}`,
    });
    // A membership carries no author: whose it is, the receipts decide.
    expect(again.found).toBeUndefined();
    login.done();
    scope.done();
  });

  it("owner access adds to owners instead", async () => {
    const owners = resource("sre-owners", "entra-group", { group_id: GROUP, access_id: "owner" });
    token();
    const scope = graph();
    resolveAlice(scope);
    scope.post(`/v1.0/groups/${GROUP}/owners/$ref`, { "@odata.id": `https://graph.microsoft.com/v1.0/directoryObjects/${ALICE}` }).reply(204);
    const { provider } = setup();
    expect((await provider.grant(grant(owners, "alice", "alice@acme.com"))).status).toBe("granted");
    scope.done();
  });

  it("revokes with DELETE .../$ref; 404 is unchanged; an unknown user is unchanged", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    scope.delete(`/v1.0/groups/${GROUP}/members/${ALICE}/$ref`).reply(204);
    scope
      .delete(`/v1.0/groups/${GROUP}/members/${ALICE}/$ref`)
      .reply(404, graphError("Request_ResourceNotFound", `Resource '${ALICE}' does not exist or one of its queried reference-property objects are not present.`));
    scope
      .get("/v1.0/users/ghost%40acme.com")
      .query({ $select: "id" })
      .reply(404, graphError("Request_ResourceNotFound", "Resource 'ghost@acme.com' does not exist or one of its queried reference-property objects are not present."));
    const { provider } = setup();
    expect(await provider.revoke(ref(members, "alice", "alice@acme.com"))).toEqual({ status: "revoked", principal: "alice@acme.com", detail: `removed alice@acme.com as member of group ${GROUP}` });
    expect((await provider.revoke(ref(members, "alice", "alice@acme.com"))).status).toBe("unchanged");
    expect(await provider.revoke(ref(members, "ghost", "ghost@acme.com"))).toEqual({ status: "unchanged", principal: "ghost@acme.com", detail: "ghost@acme.com is no longer a user in Entra ID" });
    scope.done();
  });

  it("lists members following @odata.nextLink", async () => {
    token();
    const scope = graph();
    const next = `https://graph.microsoft.com/v1.0/groups/${GROUP}/members?$select=id,userPrincipalName&$skiptoken=RFNwdAIAAQAAAA`;
    scope
      .get(`/v1.0/groups/${GROUP}/members`)
      .query({ $select: "id,userPrincipalName" })
      .reply(200, {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id,userPrincipalName)",
        "@odata.nextLink": next,
        value: [{ "@odata.type": "#microsoft.graph.user", id: ALICE, userPrincipalName: "alice@acme.com" }],
      })
      .get(`/v1.0/groups/${GROUP}/members`)
      .query({ $select: "id,userPrincipalName", $skiptoken: "RFNwdAIAAQAAAA" })
      .reply(200, {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id,userPrincipalName)",
        value: [{ "@odata.type": "#microsoft.graph.user", id: BOB, userPrincipalName: "Bob@acme.com" }],
      });
    const { provider } = setup();
    expect(await provider.list(members, ["bob@acme.com"])).toEqual([{ resourceId: "sre-oncall", principal: "Bob@acme.com", expiresAt: undefined, managedByGitgrant: false }]);
    scope.done();
  });
});

describe("entra-group provider, pim mode", () => {
  const MARK = " (gitgrant access/requests/prod-admins/alice.yaml)";
  const request = (action: string, extra: Record<string, unknown> = {}) => ({
    accessId: "member",
    principalId: ALICE,
    groupId: GROUP,
    action,
    justification: `Investigate INC-1234, slow queries on the replica${MARK}`,
    ...extra,
  });
  const window = (end: string) => ({ startDateTime: "2026-03-02T10:00:05.000Z", expiration: { type: "afterDateTime", endDateTime: end } });
  const created = (action: string) => ({
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identityGovernance/privilegedAccess/group/assignmentScheduleRequests/$entity",
    id: "34a4e5e3-f5d1-4c3d-9d3b-8f6e2a1b0c9d",
    status: "Provisioned",
    action,
    accessId: "member",
    principalId: ALICE,
    groupId: GROUP,
    targetScheduleId: `${GROUP}_member_34a4e5e3-f5d1-4c3d-9d3b-8f6e2a1b0c9d`,
  });
  const ASSIGN = "/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests";
  // What gitgrant's earlier adminAssign left, and what an administrator's own one looks like.
  const GITGRANT_REQ = "6aacaee8-4089-4048-9510-3119367fc943";
  const ADMIN_REQ = "0a4f4b9c-2a8e-4d2c-b4e7-3f0c1b2d3e4f";
  const mine = (end: string | null) => schedule(ALICE, end, { requestId: GITGRANT_REQ });
  const history = [
    historyRequest(ALICE, GITGRANT_REQ, `Investigate INC-1234, slow queries on the replica${MARK}`),
    historyRequest(ALICE, ADMIN_REQ, "Quarterly on-call rota, approved by the CISO"),
  ];

  it("grants with an adminAssign schedule request ending at the expiry", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [] });
    scope.post(ASSIGN, request("adminAssign", { scheduleInfo: window("2026-03-02T14:30:00.000Z") })).reply(201, created("adminAssign"));
    const { provider } = setup();
    expect(await provider.grant(grant(pim, "alice", "alice@acme.com"))).toEqual({
      status: "granted",
      principal: "alice@acme.com",
      detail: `created a PIM member assignment of group ${GROUP} for alice@acme.com until 2026-03-02T14:30:00.000Z, enforced by Entra (request Provisioned)`,
    });
    scope.done();
  });

  it("gitgrant's own assignment with the same end is unchanged (found: own); with a different end it is an adminUpdate", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).times(2).reply(200, { value: [mine("2026-03-02T14:30:00Z")] });
    pimRequests(scope, ALICE).times(2).reply(200, { value: history });
    scope.post(ASSIGN, request("adminUpdate", { scheduleInfo: window("2026-03-02T18:00:00.000Z") })).reply(201, created("adminUpdate"));
    const { provider } = setup();
    expect(await provider.grant(grant(pim, "alice", "alice@acme.com"))).toEqual({
      status: "unchanged",
      found: "own",
      principal: "alice@acme.com",
      detail: `alice@acme.com already has gitgrant's PIM member assignment of group ${GROUP} until 2026-03-02T14:30:00.000Z`,
    });
    const extended = await provider.grant(grant(pim, "alice", "alice@acme.com", { expiresAt: new Date("2026-03-02T18:00:00Z") }));
    expect(extended.detail).toMatch(/^changed the PIM member assignment .* until 2026-03-02T18:00:00.000Z/);
    scope.done();
  });

  it("follows @odata.nextLink through the request history to find the creating request", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [mine("2026-03-02T14:30:00Z")] });
    const next = `${GRAPH}/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests?$filter=groupId%20eq%20'${GROUP}'&$skiptoken=page2`;
    pimRequests(scope, ALICE).reply(200, { value: [history[1]], "@odata.nextLink": next });
    scope.get("/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests").query({ $filter: `groupId eq '${GROUP}'`, $skiptoken: "page2" }).reply(200, { value: [history[0]] });
    const { provider } = setup();
    expect(await provider.grant(grant(pim, "alice", "alice@acme.com"))).toMatchObject({ status: "unchanged", found: "own" });
    scope.done();
  });

  for (const [title, existing, why] of [
    ["a permanent assignment", schedule(ALICE, null, { requestId: ADMIN_REQ }), "a permanent assignment"],
    ["a time-bound assignment of their own (longer)", schedule(ALICE, "2026-12-31T00:00:00Z", { requestId: ADMIN_REQ }), "a time-bound assignment until 2026-12-31T00:00:00Z whose justification is not gitgrant's"],
    ["a time-bound assignment of their own (shorter)", schedule(ALICE, "2026-03-02T11:00:00Z", { requestId: ADMIN_REQ }), "a time-bound assignment until 2026-03-02T11:00:00Z whose justification is not gitgrant's"],
    ["an activation of their own eligibility", schedule(ALICE, "2026-03-02T12:00:00Z", { requestId: ADMIN_REQ, assignmentType: "activated" }), "activated by the person from their own eligibility"],
    ["an assignment inherited through another group", schedule(ALICE, "2026-03-02T14:30:00Z", { requestId: GITGRANT_REQ, memberType: "group" }), "held through membership of another group (group)"],
  ] as const) {
    it(`a grant that finds ${title} reports standing and sends no schedule request`, async () => {
      token();
      const scope = graph();
      resolveAlice(scope);
      pimSchedules(scope, ALICE).reply(200, { value: [existing] });
      pimRequests(scope, ALICE).reply(200, { value: history });
      const { provider } = setup();
      expect(await provider.grant(grant(pim, "alice", "alice@acme.com"))).toEqual({
        status: "unchanged",
        found: "standing",
        principal: "alice@acme.com",
        detail: `alice@acme.com already had standing access: a PIM member assignment of group ${GROUP}, ${why}; gitgrant will leave it`,
      });
      // No POST to assignmentScheduleRequests: nock (net connect off) would have refused it.
      scope.done();
    });
  }

  it("an assignment gitgrant made for another request file is not this one's", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [schedule(ALICE, "2026-03-02T14:30:00Z", { requestId: ADMIN_REQ })] });
    pimRequests(scope, ALICE).reply(200, { value: [historyRequest(ALICE, ADMIN_REQ, "On call (gitgrant access/requests/prod-admins-2/alice.yaml)")] });
    const { provider } = setup();
    expect((await provider.grant(grant(pim, "alice", "alice@acme.com"))).detail).toContain("made by gitgrant for another request, access/requests/prod-admins-2/alice.yaml");
    scope.done();
  });

  it("an assignment whose creating request left PIM's history is left as is, with found unset", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [schedule(ALICE, "2026-03-02T12:00:00Z", { requestId: "11111111-2222-4333-8444-555555555555" })] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    const { provider } = setup();
    const outcome = await provider.grant(grant(pim, "alice", "alice@acme.com"));
    expect(outcome).toEqual({
      status: "unchanged",
      principal: "alice@acme.com",
      detail: `alice@acme.com already has a PIM member assignment of group ${GROUP} that gitgrant cannot tell is its own (the request that created it (11111111-2222-4333-8444-555555555555) is no longer in PIM's request history); left as is`,
    });
    expect(outcome.found).toBeUndefined();
    scope.done();
  });

  it("revokes gitgrant's own assignment with adminRemove; no schedule, or RoleAssignmentDoesNotExist, is unchanged", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [mine("2026-03-02T14:30:00Z")] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    const removal = request("adminRemove", { justification: `revoked${MARK}` });
    scope.post(ASSIGN, removal).reply(201, created("adminRemove"));
    pimSchedules(scope, ALICE).reply(200, { value: [] });
    pimSchedules(scope, ALICE).reply(200, { value: [mine("2026-03-02T14:30:00Z")] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    scope.post(ASSIGN, removal).reply(400, graphError("RoleAssignmentDoesNotExist", "The Role assignment does not exist."));
    const { provider } = setup();
    expect(await provider.revoke(ref(pim, "alice", "alice@acme.com"))).toEqual({
      status: "revoked",
      principal: "alice@acme.com",
      detail: `removed alice@acme.com's PIM member assignment of group ${GROUP}`,
    });
    expect((await provider.revoke(ref(pim, "alice", "alice@acme.com"))).status).toBe("unchanged");
    expect((await provider.revoke(ref(pim, "alice", "alice@acme.com"))).status).toBe("unchanged");
    scope.done();
  });

  it("revoke keeps a person's own assignment: no adminRemove", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [schedule(ALICE, "2026-12-31T00:00:00Z", { requestId: ADMIN_REQ })] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    const { provider } = setup();
    expect(await provider.revoke(ref(pim, "alice", "alice@acme.com"))).toEqual({
      status: "kept",
      principal: "alice@acme.com",
      detail: `alice@acme.com's PIM member assignment of group ${GROUP} is not gitgrant's (a time-bound assignment until 2026-12-31T00:00:00Z whose justification is not gitgrant's); left in place`,
    });
    scope.done();
  });

  it("revoke goes to the principal and group that were granted (the receipt's), not today's identities or catalog", async () => {
    const OLD_GROUP = "9f3c2b1a-0d4e-4f5a-8b6c-7d8e9f0a1b2c";
    const recorded = resource("prod-admins", "entra-group", { group_id: OLD_GROUP, mode: "pim" });
    token();
    const scope = graph();
    scope.get("/v1.0/users/alice.old%40acme.com").query({ $select: "id" }).reply(200, { id: BOB });
    scope
      .get("/v1.0/identityGovernance/privilegedAccess/group/assignmentSchedules")
      .query({ $filter: `groupId eq '${OLD_GROUP}' and principalId eq '${BOB}'` })
      .reply(200, { value: [{ ...schedule(BOB, "2026-03-02T14:30:00Z", { requestId: GITGRANT_REQ }), groupId: OLD_GROUP }] });
    scope
      .get("/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests")
      .query({ $filter: `groupId eq '${OLD_GROUP}' and principalId eq '${BOB}'` })
      .reply(200, { value: [historyRequest(BOB, GITGRANT_REQ, `Investigate${MARK}`)] });
    scope
      .post(ASSIGN, { accessId: "member", principalId: BOB, groupId: OLD_GROUP, action: "adminRemove", justification: `revoked${MARK}` })
      .reply(201, created("adminRemove"));
    const { provider } = setup();
    expect(await provider.revoke(ref(recorded, "alice", "alice.old@acme.com"))).toMatchObject({ status: "revoked", principal: "alice.old@acme.com" });
    scope.done();
  });

  it("RoleAssignmentExists from a concurrent gitgrant adminAssign with the same end is an idempotent no-op", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [] });
    scope
      .post(ASSIGN, request("adminAssign", { scheduleInfo: window("2026-03-02T14:30:00.000Z") }))
      .reply(400, graphError("RoleAssignmentExists", "The Role assignment already exists."));
    pimSchedules(scope, ALICE).reply(200, { value: [mine("2026-03-02T14:30:00Z")] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    const { provider, delays } = setup();
    expect(await provider.grant(grant(pim, "alice", "alice@acme.com"))).toEqual({
      status: "unchanged",
      found: "own",
      principal: "alice@acme.com",
      detail: `alice@acme.com already has gitgrant's PIM member assignment of group ${GROUP} until 2026-03-02T14:30:00.000Z (made by a concurrent run)`,
    });
    expect(delays).toEqual([]);
    scope.done();
  });

  it("RoleAssignmentExists made by an administrator meanwhile is standing: no retry, no update", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [] });
    scope
      .post(ASSIGN, request("adminAssign", { scheduleInfo: window("2026-03-02T14:30:00.000Z") }))
      .reply(400, graphError("RoleAssignmentExists", "The Role assignment already exists."));
    pimSchedules(scope, ALICE).reply(200, { value: [schedule(ALICE, "2026-03-02T11:00:00Z", { requestId: ADMIN_REQ })] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    const { provider, delays } = setup();
    expect(await provider.grant(grant(pim, "alice", "alice@acme.com"))).toMatchObject({ status: "unchanged", found: "standing" });
    expect(delays).toEqual([]);
    scope.done();
  });

  it("RoleAssignmentExists with another end on gitgrant's own is a conflict: the next try updates it", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [] });
    scope
      .post(ASSIGN, request("adminAssign", { scheduleInfo: window("2026-03-02T14:30:00.000Z") }))
      .reply(400, graphError("RoleAssignmentExists", "The Role assignment already exists."));
    pimSchedules(scope, ALICE).times(2).reply(200, { value: [mine("2026-03-02T12:00:00Z")] });
    pimRequests(scope, ALICE).times(2).reply(200, { value: history });
    scope.post(ASSIGN, request("adminUpdate", { scheduleInfo: window("2026-03-02T14:30:00.000Z") })).reply(201, created("adminUpdate"));
    const { provider, delays } = setup();
    expect((await provider.grant(grant(pim, "alice", "alice@acme.com"))).detail).toMatch(/^changed the PIM member assignment/);
    expect(delays).toHaveLength(1);
    scope.done();
  });

  it("revoke_sessions: an early revoke also calls revokeSignInSessions; an assignment that already ended does not", async () => {
    const signOut = resource("prod-admins", "entra-group", { group_id: GROUP, mode: "pim", revoke_sessions: true });
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).reply(200, { value: [mine("2026-03-02T14:30:00Z")] });
    pimRequests(scope, ALICE).reply(200, { value: history });
    scope.post(ASSIGN, request("adminRemove", { justification: `revoked${MARK}` })).reply(201, created("adminRemove"));
    scope.post(`/v1.0/users/${ALICE}/revokeSignInSessions`).reply(200, { "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", value: true });
    pimSchedules(scope, ALICE).reply(200, { value: [] });
    const { provider } = setup();
    expect(await provider.revoke(ref(signOut, "alice", "alice@acme.com"))).toEqual({
      status: "revoked",
      principal: "alice@acme.com",
      detail: `removed alice@acme.com's PIM member assignment of group ${GROUP}; revoked alice@acme.com's sign-in sessions (revoke_sessions)`,
    });
    expect((await provider.revoke(ref(signOut, "alice", "alice@acme.com"))).status).toBe("unchanged");
    scope.done(); // the second revoke made no revokeSignInSessions call: nock would have refused it
    expect(() => provider.checkTarget(resource("x", "entra-group", { group_id: GROUP, revoke_sessions: "yes" }))).toThrow('x: target has revoke_sessions "yes"; use true or false');
  });

  it("lists the group's assignment schedules with their ends, principals by UPN, gitgrant's marked as managed", async () => {
    token();
    const scope = graph();
    pimSchedules(scope).reply(200, { value: [mine("2026-03-02T14:30:00Z"), schedule(BOB, null, { requestId: ADMIN_REQ })] });
    pimRequests(scope).reply(200, { value: history });
    scope.get(`/v1.0/users/${ALICE}`).query({ $select: "id,userPrincipalName" }).reply(200, { id: ALICE, userPrincipalName: "alice@acme.com" });
    scope.get(`/v1.0/users/${BOB}`).query({ $select: "id,userPrincipalName" }).reply(200, { id: BOB, userPrincipalName: "bob@acme.com" });
    const { provider } = setup();
    expect(await provider.list(pim)).toEqual([
      { resourceId: "prod-admins", principal: "alice@acme.com", expiresAt: EXPIRES_AT, managedByGitgrant: true },
      { resourceId: "prod-admins", principal: "bob@acme.com", expiresAt: undefined, managedByGitgrant: false },
    ]);
    scope.done();
  });
});

describe("entra-group provider, failures", () => {
  it("retries 429 and 503, then succeeds", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    scope.post(`/v1.0/groups/${GROUP}/members/$ref`).reply(429, graphError("TooManyRequests", "Too many requests."), { "retry-after": "2" });
    scope.post(`/v1.0/groups/${GROUP}/members/$ref`).reply(503, graphError("serviceNotAvailable", "Service unavailable."));
    scope.post(`/v1.0/groups/${GROUP}/members/$ref`).reply(204);
    const { provider, delays } = setup();
    expect((await provider.grant(grant(members, "alice", "alice@acme.com"))).status).toBe("granted");
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBe(2000); // Graph's Retry-After: 2 is honoured
    scope.done();
  });

  it("reports a 503 lasting past 4 tries as transient", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    scope.delete(`/v1.0/groups/${GROUP}/members/${ALICE}/$ref`).times(4).reply(503, graphError("serviceNotAvailable", "Service unavailable."));
    const { provider, delays } = setup();
    const failure = await provider.revoke(ref(members, "alice", "alice@acme.com")).catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure.kind).toBe("transient");
    expect(failure.message).toBe(
      `revoke alice@acme.com member of group ${GROUP}: temporary failure (HTTP 503 serviceNotAvailable): Service unavailable. (gave up after 4 tries)`,
    );
    expect(delays).toHaveLength(3);
    scope.done();
  });

  it("reports 403 as denied at once, without the token", async () => {
    token();
    const scope = graph();
    resolveAlice(scope);
    scope.post(`/v1.0/groups/${GROUP}/members/$ref`).reply(403, graphError("Authorization_RequestDenied", "Insufficient privileges to complete the operation."));
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(members, "alice", "alice@acme.com")).catch((e) => e);
    expect(failure.kind).toBe("denied");
    expect(failure.message).toBe(
      `grant alice@acme.com member of group ${GROUP}: permission denied (HTTP 403 Authorization_RequestDenied): Insufficient privileges to complete the operation.`,
    );
    expect(failure.message).not.toContain(TOKEN.slice(0, 20));
    expect(delays).toEqual([]);
    scope.done();
  });

  it("a rejected client secret is denied, named without the secret; missing settings are named", async () => {
    nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`)
      .reply(401, {
        error: "invalid_client",
        error_description: "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1",
        error_codes: [7000215],
      });
    const failure = await clientCredentialsToken(ENV)().catch((e) => e);
    expect(failure.kind).toBe("config");
    expect(failure.message).toMatch(
      new RegExp(`^entra-group: Entra token request for tenant ${TENANT} failed \\(HTTP 401\\) invalid_client: AADSTS7000215: Invalid client secret provided\\. Ensure the secret being sent in the request is the client secret value\\.\\. Set AZURE_TENANT_ID and AZURE_CLIENT_ID`),
    );
    expect(failure.message).not.toContain(ENV.AZURE_CLIENT_SECRET);
    const none = await clientCredentialsToken({})().catch((e) => e);
    expect(none.kind).toBe("config");
    expect(none.message).toMatch(/^entra-group: AZURE_TENANT_ID and AZURE_CLIENT_ID not set\. Set AZURE_TENANT_ID and AZURE_CLIENT_ID, and either a federated credential \(in GitHub Actions: permissions: id-token: write/);
    const noSecret = await clientCredentialsToken({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: ENV.AZURE_CLIENT_ID })().catch((e) => e);
    expect(noSecret.message).toMatch(/^entra-group: no Entra credential in the environment\. /);
  });

  it("passes the token endpoint's Retry-After on to the retry loop", async () => {
    nock(LOGIN).post(`/${TENANT}/oauth2/v2.0/token`).reply(429, { error: "temporarily_unavailable", error_description: "AADSTS50196: throttled" }, { "retry-after": "17" });
    const failure = await clientCredentialsToken(ENV)().catch((e) => e);
    expect(failure.kind).toBe("throttled");
    expect(failure.cause.retryAfterMs).toBe(17_000);
  });

  it("federated credential from GitHub Actions OIDC: no client secret, a client assertion instead", async () => {
    const GITHUB_OIDC = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvYWNjZXNzOnJlZjpyZWZzL2hlYWRzL21haW4ifQ.c2ln";
    const env = {
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: ENV.AZURE_CLIENT_ID,
      ACTIONS_ID_TOKEN_REQUEST_URL: "https://pipelines.actions.githubusercontent.com/abc/idtoken/def?api-version=2.0",
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "actions-runtime-token",
    };
    const oidc = nock("https://pipelines.actions.githubusercontent.com", { reqheaders: { authorization: "bearer actions-runtime-token" } })
      .get("/abc/idtoken/def")
      .query({ "api-version": "2.0", audience: "api://AzureADTokenExchange" })
      .reply(200, { count: 1, value: GITHUB_OIDC });
    const login = nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`, {
        client_id: ENV.AZURE_CLIENT_ID,
        scope: "https://graph.microsoft.com/.default",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: GITHUB_OIDC,
        grant_type: "client_credentials",
      })
      .reply(200, { token_type: "Bearer", expires_in: 3599, access_token: TOKEN });
    expect(await clientCredentialsToken(env)()).toBe(TOKEN);
    oidc.done();
    login.done();
  });

  it("federated credential from AZURE_FEDERATED_TOKEN_FILE (workload identity on Kubernetes)", async () => {
    const env = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: ENV.AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE: "/var/run/secrets/azure/tokens/azure-identity-token" };
    const login = nock(LOGIN)
      .post(`/${TENANT}/oauth2/v2.0/token`, (body) => body.client_assertion === "eyJfile.token.sig" && !("client_secret" in body))
      .reply(200, { token_type: "Bearer", expires_in: 3599, access_token: TOKEN });
    const read = async (path: string) => {
      expect(path).toBe(env.AZURE_FEDERATED_TOKEN_FILE);
      return "eyJfile.token.sig\n";
    };
    expect(await clientCredentialsToken(env, { readFile: read })()).toBe(TOKEN);
    login.done();
  });

  it("a national cloud: AZURE_CLOUD=usgov signs in at login.microsoftonline.us and calls graph.microsoft.us", async () => {
    const env = { ...ENV, AZURE_CLOUD: "usgov" };
    const login = nock("https://login.microsoftonline.us")
      .post(`/${TENANT}/oauth2/v2.0/token`, (body) => body.scope === "https://graph.microsoft.us/.default")
      .reply(200, { token_type: "Bearer", expires_in: 3599, access_token: TOKEN });
    const gov = nock("https://graph.microsoft.us", { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get("/v1.0/users/alice%40acme.com")
      .query({ $select: "id" })
      .reply(200, { id: ALICE })
      .post(`/v1.0/groups/${GROUP}/members/$ref`, { "@odata.id": `https://graph.microsoft.us/v1.0/directoryObjects/${ALICE}` })
      .reply(204);
    const provider = createEntraGroupProvider({ env, now: () => NOW });
    expect((await provider.grant(grant(members, "alice", "alice@acme.com"))).status).toBe("granted");
    login.done();
    gov.done();
    const unknown = createEntraGroupProvider({ env: { ...ENV, AZURE_CLOUD: "mars" } });
    const failure = await unknown.grant(grant(members, "alice", "alice@acme.com")).catch((e) => e);
    expect(failure.kind).toBe("config");
    expect(failure.message).toMatch(/^entra-group: AZURE_CLOUD "mars" is not a known cloud\. Use one of public, usgov, usgov-dod, china/);
  });

  it("missing credentials are one configuration error for the whole run, never retried", async () => {
    const { sleep, delays } = recordingSleep();
    const provider = createEntraGroupProvider({ env: {}, retry: { sleep } });
    const first = await provider.grant(grant(members, "alice", "alice@acme.com")).catch((e) => e);
    expect(first.kind).toBe("config");
    expect(await provider.list(pim).catch((e) => e)).toBe(first);
    expect(delays).toEqual([]);
  });

  it("renews the token shortly before it expires", async () => {
    const login = token(2);
    let clock = 0;
    const source = clientCredentialsToken(ENV, { now: () => clock });
    expect(await source()).toBe(TOKEN);
    clock = 3000_000;
    expect(await source()).toBe(TOKEN); // still cached (expires 3599 s, renewed 5 min early)
    clock = 3400_000;
    expect(await source()).toBe(TOKEN);
    login.done();
  });
});

describe("entra-group PIM revoke under faults", () => {
  it("a 429 with Retry-After on adminRemove is waited out, then gitgrant's assignment is removed", async () => {
    const MARK = " (gitgrant access/requests/prod-admins/alice.yaml)";
    const REQ = "6aacaee8-4089-4048-9510-3119367fc943";
    token();
    const scope = graph();
    resolveAlice(scope);
    pimSchedules(scope, ALICE).times(2).reply(200, { value: [schedule(ALICE, "2026-03-02T14:30:00Z", { requestId: REQ })] });
    pimRequests(scope, ALICE).times(2).reply(200, { value: [historyRequest(ALICE, REQ, `Investigate${MARK}`)] });
    const removal = { accessId: "member", principalId: ALICE, groupId: GROUP, action: "adminRemove", justification: `revoked${MARK}` };
    scope
      .post("/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", removal)
      .reply(429, graphError("TooManyRequests", "Too many requests."), { "retry-after": "7" });
    scope.post("/v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests", removal).reply(201, { id: "r2", status: "Provisioned", action: "adminRemove" });
    const { provider, delays } = setup();
    expect((await provider.revoke(ref(pim, "alice", "alice@acme.com"))).status).toBe("revoked");
    expect(delays).toEqual([7000]);
    scope.done();
  });
});
