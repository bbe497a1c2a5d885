// PagerDuty on-call and incidents on PagerDuty's REST API v2 wire format: token header,
// user_ids[] / escalation_policy_ids[] / service_ids[] filters, offset pagination (more),
// a 429 answered after ratelimit-reset seconds, and an outage that gives the cautious value.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NOW } from "../helpers/app.js";
import { configWith, judgeThrough } from "./fixture.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const PD = "https://api.pagerduty.com";
const TOKEN = "pd-test-token";
const SETTINGS = "  pagerduty:\n    escalation_policies: [PEPPAY1]\n    services: [PSVCPAY]\n";
const CONDITION = "oncall.now && oncall.level <= 2 && incident.referenced_open";
const REQUEST = "reason: Investigate INC-1234, checkout latency on the payments API\nduration: 2h\nticket: INC-1234\n";
const config = () => configWith(CONDITION, SETTINGS, "    pagerduty: alice@acme.com\n");

function pd() {
  return nock(PD, { reqheaders: { authorization: `Token token=${TOKEN}`, accept: "application/vnd.pagerduty+json;version=2" } });
}
const onCall = (level: number, end: string | null, policy = "payments-primary") => ({
  escalation_policy: { id: "PEPPAY1", type: "escalation_policy_reference", summary: policy, self: `${PD}/escalation_policies/PEPPAY1` },
  escalation_level: level,
  schedule: level === 1 ? { id: "PSCHED1", type: "schedule_reference", summary: "payments weekly" } : null,
  user: { id: "PALICE1", type: "user_reference", summary: "Alice" },
  start: "2026-11-30T06:00:00Z",
  end,
});

function users(scope: nock.Scope) {
  scope
    .get("/users")
    .query({ query: "alice@acme.com" })
    .reply(200, { users: [{ id: "PALICE1", type: "user", name: "Alice", email: "alice@acme.com" }], limit: 25, offset: 0, more: false, total: null });
}

function incidents(scope: nock.Scope, list: unknown[]) {
  scope
    .get("/incidents")
    .query({ "statuses[]": ["triggered", "acknowledged"], "service_ids[]": "PSVCPAY", time_zone: "UTC", limit: "100", offset: "0" })
    .reply(200, { incidents: list, limit: 100, offset: 0, more: false, total: null });
}

const INC = { id: "PT4KHLK", type: "incident", incident_number: 1234, title: "Checkout latency", status: "triggered", service: { id: "PSVCPAY", summary: "payments" } };

describe("PagerDuty signals", () => {
  it("on call at level 1 during the referenced open incident: auto-approved, and the reasons say so", async () => {
    const scope = pd();
    users(scope);
    const q = { "user_ids[]": "PALICE1", "escalation_policy_ids[]": "PEPPAY1", time_zone: "UTC", limit: "100" };
    // Throttled first: PagerDuty says how many seconds to wait in ratelimit-reset.
    scope.get("/oncalls").query({ ...q, offset: "0" }).reply(429, { error: { message: "Rate Limit Exceeded", code: 2020 } }, { "ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "7" });
    scope.get("/oncalls").query({ ...q, offset: "0" }).reply(200, { oncalls: [onCall(2, "2026-11-30T20:00:00Z")], limit: 1, offset: 0, more: true, total: null });
    scope.get("/oncalls").query({ ...q, offset: "1" }).reply(200, { oncalls: [onCall(1, "2026-11-30T18:00:00Z")], limit: 1, offset: 1, more: false, total: null });
    incidents(scope, [INC]);
    const waits: number[] = [];
    const { gathered, file, plan } = await judgeThrough(config(), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN }, sleep: async (ms) => void waits.push(ms) });
    scope.done();

    expect(plan.refs).toEqual(["INC-1234"]);
    expect(waits).toEqual([7000]);
    expect(gathered.notes).toEqual([]);
    expect(gathered.signals.requesters?.alice?.oncall).toEqual({ now: true, level: 1, ends_at: new Date("2026-11-30T18:00:00Z"), policies: ["payments-primary"] });
    expect(gathered.signals.incident).toEqual({ open: true, count: 1, ids: ["PT4KHLK", "1234"], referenced: [] });
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("signals read: INC-1234 is open in PagerDuty (#1234); on call for payments-primary (level 1) until 2026-11-30 18:00 UTC");
  });

  it("an incident the request does not name, or a level above 2, does not pass", async () => {
    const scope = pd();
    users(scope);
    scope.get("/oncalls").query(true).reply(200, { oncalls: [onCall(3, null)], limit: 100, offset: 0, more: false });
    incidents(scope, [{ ...INC, id: "PQ9XYZ1", incident_number: 1300 }]);
    // The named incident is not among the open ones: asked for by its number, and it is resolved.
    scope.get("/incidents/1234").reply(200, { incident: { ...INC, status: "resolved" } });
    const { file } = await judgeThrough(config(), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN } });
    scope.done();
    expect(file.approvals_required).toBe(1);
    expect(file.reasons).toContain("signals read: INC-1234 is resolved in PagerDuty (#1234 on payments); on call for payments-primary (level 3) with no end set");
  });

  it("an incident the request names on a service the policy does not list is looked up by number: open there counts as referenced and open", async () => {
    const scope = pd();
    users(scope);
    scope.get("/oncalls").query(true).reply(200, { oncalls: [onCall(1, "2026-11-30T18:00:00Z")], limit: 100, offset: 0, more: false });
    incidents(scope, []);
    scope.get("/incidents/1234").reply(200, { incident: { ...INC, status: "acknowledged", service: { id: "PDBTEAM", type: "service_reference", summary: "database platform" } } });
    const { gathered, file } = await judgeThrough(config(), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN } });
    scope.done();
    expect(gathered.signals.incident).toEqual({ open: false, count: 0, ids: [], referenced: ["PT4KHLK", "1234"] });
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("signals read: INC-1234 is open in PagerDuty (#1234 on database platform, a service the policy does not list); on call for payments-primary (level 1) until 2026-11-30 18:00 UTC");
  });

  it("a named incident PagerDuty does not know, or cannot be asked about, is not open (and the second is said)", async () => {
    const scope = pd();
    users(scope);
    scope.get("/oncalls").query(true).reply(200, { oncalls: [onCall(1, null)], limit: 100, offset: 0, more: false });
    incidents(scope, []);
    scope.get("/incidents/1234").reply(404, { error: { message: "Not Found", code: 2100 } });
    const missing = await judgeThrough(config(), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN } });
    scope.done();
    expect(missing.file.approvals_required).toBe(1);
    expect(missing.file.reasons.join("\n")).toContain("INC-1234 is not an incident PagerDuty knows");

    const again = pd();
    users(again);
    again.get("/oncalls").query(true).reply(200, { oncalls: [onCall(1, null)], limit: 100, offset: 0, more: false });
    incidents(again, []);
    again.get("/incidents/1234").times(3).reply(502, { error: { message: "Bad Gateway" } });
    const down = await judgeThrough(config(), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN }, sleep: async () => {} });
    again.done();
    expect(down.file.approvals_required).toBe(1);
    expect(down.gathered.notes).toContain("could not look up INC-1234 in PagerDuty (PagerDuty answered 502 on GET /incidents/1234: Bad Gateway (gave up after 3 tries)); treated as not open");
  });

  it("PagerDuty down: not on call, no incident, and the decision says why (never a silent pass)", async () => {
    const scope = pd();
    users(scope);
    scope.get("/oncalls").query(true).times(3).reply(503, { error: { message: "Service Unavailable" } });
    scope.get("/incidents").query(true).times(3).reply(503, { error: { message: "Service Unavailable" } });
    const { gathered, file } = await judgeThrough(config(), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN }, sleep: async () => {} });
    scope.done();
    expect(gathered.notes).toContain("could not ask PagerDuty on-call (PagerDuty answered 503 on GET /oncalls: Service Unavailable (gave up after 3 tries)); treated as not on call");
    expect(file.approvals_required).toBe(1);
    expect(file.reasons.join("\n")).toContain("oncall.now not known (PagerDuty on-call: PagerDuty answered 503 on GET /oncalls: Service Unavailable (gave up after 3 tries)), treated as not on call");
  });

  it("without PAGERDUTY_TOKEN nothing is called and the reason is said", async () => {
    const { gathered, file } = await judgeThrough(config(), REQUEST, { env: {} });
    expect(gathered.notes).toContain("could not ask PagerDuty on-call (PAGERDUTY_TOKEN is not set); treated as not on call");
    expect(file.approvals_required).toBe(1);
  });

  it("a login with no pagerduty identity is not on call, said in words", async () => {
    const scope = pd();
    incidents(scope, [INC]);
    const { gathered, file } = await judgeThrough(configWith(CONDITION, SETTINGS), REQUEST, { env: { PAGERDUTY_TOKEN: TOKEN } }, NOW);
    scope.done();
    expect(gathered.notes).toContain("alice has no pagerduty identity in access/identities.yaml; treated as not on call");
    expect(file.approvals_required).toBe(1);
  });
});
