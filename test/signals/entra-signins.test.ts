// Entra sign-ins on Microsoft Graph's wire format: the client-credentials token, GET
// /beta/auditLogs/signIns filtered by user, time and success, @odata.nextLink pages, a 429
// with Retry-After, and an outage or a silent log that never counts as a recent MFA.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { configWith, judgeThrough } from "./fixture.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const ENV = { AZURE_TENANT_ID: "tenant-1", AZURE_CLIENT_ID: "client-1", AZURE_CLIENT_SECRET: "secret-1" };
const CONDITION = "signin.mfa_within_minutes <= 60 && !signin.risky";
const REQUEST = "reason: Check the production project's quotas for the capacity review\nduration: 2h\n";
// NOW is 2026-11-30T10:00:00Z; the default lookback is 24h.
const FILTER = "userPrincipalName eq 'alice@acme.com' and createdDateTime ge 2026-11-29T10:00:00Z and status/errorCode eq 0";

function token() {
  return nock("https://login.microsoftonline.com")
    .post("/tenant-1/oauth2/v2.0/token", (b) => b.grant_type === "client_credentials" && b.scope === "https://graph.microsoft.com/.default" && b.client_id === "client-1")
    .reply(200, { token_type: "Bearer", expires_in: 3599, access_token: "graph-token" });
}
const graph = () => nock("https://graph.microsoft.com", { reqheaders: { authorization: "Bearer graph-token" } });
const signIn = (at: string, requirement: string, risk = "none") => ({
  id: `si-${at}`,
  createdDateTime: at,
  userPrincipalName: "alice@acme.com",
  appDisplayName: "Azure Portal",
  status: { errorCode: 0, failureReason: "Other.", additionalDetails: null },
  authenticationRequirement: requirement,
  riskLevelDuringSignIn: risk,
  riskLevelAggregated: risk,
  riskState: "none",
  isInteractive: true,
});

describe("Entra sign-in signals", () => {
  it("an MFA sign-in 12 minutes ago, found on the second page after a throttle, auto-approves", async () => {
    const t = token();
    const next = `https://graph.microsoft.com/beta/auditLogs/signIns?$filter=${encodeURIComponent(FILTER)}&$top=100&$skiptoken=page2`;
    const g = graph();
    g.get("/beta/auditLogs/signIns").query({ $filter: FILTER, $top: "100" }).reply(429, { error: { code: "TooManyRequests", message: "Too many requests" } }, { "Retry-After": "3" });
    g.get("/beta/auditLogs/signIns")
      .query({ $filter: FILTER, $top: "100" })
      .reply(200, { "@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns", value: [signIn("2026-11-30T09:55:00Z", "singleFactorAuthentication")], "@odata.nextLink": next });
    g.get("/beta/auditLogs/signIns").query({ $filter: FILTER, $top: "100", $skiptoken: "page2" }).reply(200, { value: [signIn("2026-11-30T09:48:00Z", "multiFactorAuthentication"), signIn("2026-11-30T07:00:00Z", "multiFactorAuthentication", "high")] });
    const waits: number[] = [];
    const { gathered, file } = await judgeThrough(configWith(CONDITION), REQUEST, { env: ENV, sleep: async (ms) => void waits.push(ms) });
    t.done();
    g.done();
    expect(waits).toEqual([3000]);
    expect(gathered.signals.requesters?.alice?.signin).toEqual({ mfa_within_minutes: 12, risky: false });
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("signals read: MFA 12 minute(s) ago; sign-in risk none");
  });

  it("no MFA sign-in in the log (it may be behind): not known, so the condition does not apply", async () => {
    const t = token();
    const g = graph();
    g.get("/beta/auditLogs/signIns").query({ $filter: FILTER, $top: "100" }).reply(200, { value: [signIn("2026-11-30T09:59:00Z", "singleFactorAuthentication")] });
    const { file } = await judgeThrough(configWith(CONDITION), REQUEST, { env: ENV });
    t.done();
    g.done();
    expect(file.approvals_required).toBe(1);
    expect(file.reasons).toContain("auto_approve_if cannot be decided because signin.mfa_within_minutes, signin.risky are not known, so it does not apply");
    expect(file.reasons).toContain("signals read: no MFA sign-in in the last 24h in Entra's log (which can be minutes behind); no MFA sign-in to rate");
  });

  it("a tenant that hides risk (no Entra ID P2) leaves signin.risky unknown", async () => {
    const t = token();
    const g = graph();
    g.get("/beta/auditLogs/signIns").query({ $filter: FILTER, $top: "100" }).reply(200, { value: [signIn("2026-11-30T09:30:00Z", "multiFactorAuthentication", "hidden")] });
    const { gathered, file } = await judgeThrough(configWith(CONDITION), REQUEST, { env: ENV });
    t.done();
    g.done();
    expect(gathered.signals.requesters?.alice?.signin).toEqual({ mfa_within_minutes: 30, risky: null });
    expect(file.approvals_required).toBe(1);
    expect(file.reasons).toContain("signals read: MFA 30 minute(s) ago; sign-in risk not reported by the tenant (hidden; Entra ID P2 reports it)");
  });

  it("Graph down: the cautious value and the reason, after bounded retries", async () => {
    const t = token();
    const g = graph();
    g.get("/beta/auditLogs/signIns").query(true).times(3).reply(503, { error: { code: "ServiceUnavailable", message: "The service is temporarily unavailable." } });
    const { gathered, file } = await judgeThrough(configWith(CONDITION), REQUEST, { env: ENV, sleep: async () => {} });
    t.done();
    g.done();
    expect(gathered.notes).toEqual(["could not ask Entra sign-in log (Microsoft Graph answered 503 on GET /beta/auditLogs/signIns: The service is temporarily unavailable. (gave up after 3 tries)); treated as unknown"]);
    expect(file.approvals_required).toBe(1);
  });

  it("missing credentials are said, with no call", async () => {
    const { gathered } = await judgeThrough(configWith(CONDITION), REQUEST, { env: {} });
    expect(gathered.notes[0]).toMatch(/^could not ask Entra sign-in log \(.*AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.*\); treated as unknown$/);
  });
});
