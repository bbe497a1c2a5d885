// Revocation on events through the sweep, end to end on a real git repository: a grant with
// `until: incident-resolved` or `until: shift-end` is granted on merge, PagerDuty (nock, its
// REST API v2 wire format) says the event came, the sweep commits the revoke with the
// matching Revoke-reason, the merge (the trailer the app reads from the PR) is applied, the
// local ledger no longer has the grant, and the audit row says why. Outages revoke nothing.
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { statedRevokeReason } from "../../src/app/merge.js";
import { auditRecord } from "../../src/core/audit-format.js";
import { evidenceMessage, parseTrailers, type RevokeReason } from "../../src/core/trailers.js";
import { localRepository } from "../../src/git/changes.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { readAudit } from "../../src/operations/audit.js";
import { applyPlan } from "../../src/operations/execute.js";
import { planChange } from "../../src/operations/plan.js";
import { sweep } from "../../src/operations/sweep.js";
import { revokeOnIncidentResolved } from "../../src/operations/event-revokes.js";
import { withdrawApproval } from "../../src/operations/approval-withdrawal.js";
import { createLocalProvider, readLedger } from "../../src/providers/local.js";
import { cleanupHomes, cleanupRepos, gitEnv, type TestRepo } from "../helpers/gitrepo.js";
import { accessRepo, at, org } from "../helpers/orgs.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

const PD = "https://api.pagerduty.com";
const TOKEN = "pd-test-token";
const ALICE = "access/requests/staging-deploy/alice.yaml";
const BOB = "access/requests/staging-deploy/bob.yaml";
const ALICE_BRANCH = "gitgrant/revoke/staging-deploy/alice";
const BOB_BRANCH = "gitgrant/revoke/staging-deploy/bob";

const pd = () => nock(PD, { reqheaders: { authorization: `Token token=${TOKEN}`, accept: "application/vnd.pagerduty+json;version=2" } });
const incident = (status: string, resolvedAt: string | null = null) => ({
  incident: {
    id: "PT4KHLK",
    type: "incident",
    summary: "[#1234] Checkout latency",
    incident_number: 1234,
    title: "Checkout latency",
    status,
    service: { id: "POTHER1", type: "service_reference", summary: "another team's service" },
    last_status_change_at: resolvedAt ?? "2026-03-01T10:05:00Z",
    resolved_at: resolvedAt,
  },
});
const onCall = (user: string, start: string, end: string | null) => ({
  escalation_policy: { id: "PEPPAY1", type: "escalation_policy_reference", summary: "payments-primary" },
  escalation_level: 1,
  schedule: { id: "PSCHED1", type: "schedule_reference", summary: "payments weekly" },
  user: { id: user, type: "user_reference", summary: user },
  start,
  end,
});

/** The lifecycle org, with a tier that allows both events and PagerDuty users for alice and bob. */
async function eventRepo(): Promise<TestRepo> {
  const repo = await accessRepo();
  const lifecycle = org("lifecycle");
  await repo.write("access/policy.yaml", lifecycle.policy.replace("approvals: 0", "approvals: 0\n    allow_until: [incident-resolved, shift-end]").replace("pending_ttl: 7d", "pending_ttl: 7d\n  pagerduty:\n    escalation_policies: [PEPPAY1]"));
  await repo.write("access/identities.yaml", lifecycle.identities.replace("alice: { github: alice }", "alice: { github: alice, pagerduty: PALICE1 }").replace("bob: { github: bob }", "bob: { github: bob, pagerduty: PBOB001 }"));
  await repo.commit("events allowed", { date: "2026-03-01T09:30:00Z" });
  return repo;
}

const ONCALL_QUERY = { "user_ids[]": "PBOB001", "escalation_policy_ids[]": "PEPPAY1", time_zone: "UTC", limit: "100" };

const ledgerOf = (repo: TestRepo) => createLocalProvider({ ledgerPath: join(repo.dir, "..", "ledger.json"), now: () => at("2026-03-01T00:00:00Z") });

async function applyPush(repo: TestRepo, before: string, after: string, provider: ReturnType<typeof ledgerOf>) {
  const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before, after });
  return applyPlan(plan, { local: provider }, { sleep: async () => {} });
}

async function runSweep(repo: TestRepo, now: string, env: Record<string, string | undefined> = { PAGERDUTY_TOKEN: TOKEN }, waits: number[] = []) {
  return sweep({
    repo: localRepository(repo.dir, { env: await gitEnv(now), commitDate: at(now) }),
    branch: "main",
    now: at(now),
    signals: { env, sleep: async (ms) => void waits.push(ms) },
  });
}

/** The app's merge of the revoke: the Revoke-reason it reads from the change, in the squash commit's trailers. */
async function mergeRevoke(repo: TestRepo, branch: string, path: string, date: string, pr: number): Promise<{ sha: string; reason: RevokeReason }> {
  const message = await repo.git("log", "-1", "--format=%B", branch);
  const reason = statedRevokeReason(message)!;
  const sha = await repo.squashMerge(branch, { date, message: evidenceMessage(`${message.split("\n")[0]} (#${pr})`, "", { grants: [], revokes: [{ path, reason }], approvedBy: [], pullRequest: pr }) });
  return { sha, reason };
}

describe("revocation on events, through the sweep", () => {
  it("until: incident-resolved: while PagerDuty says the incident is open, the sweep waits and revokes nothing", async () => {
    const repo = await eventRepo();
    await repo.write(ALICE, "reason: Mitigate INC-1234, checkout latency\nduration: 4h\nincident: INC-1234\nuntil: incident-resolved\n");
    await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    // The incident is on a service the policy does not name: looked up by number directly.
    const scope = pd().get("/incidents/1234").reply(200, incident("acknowledged"));
    const open = await runSweep(repo, "2026-03-01T11:00:00Z");
    scope.done();
    expect(open.events).toEqual([{ path: ALICE, event: "incident-resolved", status: "waiting", detail: "PagerDuty incident #1234 (PT4KHLK) is acknowledged" }]);
    expect(open.problems).toEqual([]);
    expect(await repo.git("branch", "--list", "gitgrant/*")).toBe("");
  });

  it("until: incident-resolved: resolved (after a 429), the sweep revokes; merged and applied, access is gone, trailer and audit say why", async () => {
    const repo = await eventRepo();
    const base = await repo.sha();
    await repo.write(ALICE, "reason: Mitigate INC-1234, checkout latency\nduration: 4h\nincident: INC-1234\nuntil: incident-resolved\n");
    const granted = await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    const ledger = ledgerOf(repo);
    expect((await applyPush(repo, base, granted, ledger)).map((r) => r.status)).toEqual(["granted"]);

    // Throttled once (PagerDuty says when in ratelimit-reset), then resolved.
    const scope = pd()
      .get("/incidents/1234")
      .reply(429, { error: { message: "Rate Limit Exceeded", code: 2020 } }, { "ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "4" })
      .get("/incidents/1234")
      .reply(200, incident("resolved", "2026-03-01T11:20:00Z"));
    const waits: number[] = [];
    const resolved = await runSweep(repo, "2026-03-01T11:30:00Z", undefined, waits);
    scope.done();
    expect(waits).toEqual([4000]);
    expect(resolved.revokes).toEqual([]);
    expect(resolved.events).toHaveLength(1);
    expect(resolved.events[0]).toMatchObject({ path: ALICE, event: "incident-resolved", reason: "incident-resolved", status: "committed" });
    const message = await repo.git("log", "-1", "--format=%B", ALICE_BRANCH);
    expect(message).toContain("PagerDuty incident #1234 (PT4KHLK), named by the request (INC-1234), was resolved at 2026-03-01T11:20:00Z.");
    expect(parseTrailers(message)).toEqual([
      { key: "Revoke", value: ALICE },
      { key: "Revoke-reason", value: "incident-resolved" },
    ]);

    const merged = await mergeRevoke(repo, ALICE_BRANCH, ALICE, "2026-03-01T11:31:00Z", 3);
    expect(merged.reason).toBe("incident-resolved");
    expect((await applyPush(repo, granted, merged.sha, ledger)).map((r) => [r.action.kind, r.status])).toEqual([["revoke", "revoked"]]);
    expect((await readLedger(ledger.ledgerPath)).grants).toEqual({});
    const audit = await readAudit({ dir: repo.dir });
    const row = auditRecord(audit.lives.find((l) => l.path === ALICE)!, at("2026-03-01T12:00:00Z"));
    expect(row).toMatchObject({ requester: "alice", status: "revoked", revoked_at: "2026-03-01T11:31:00Z", revoke_reason: "incident-resolved", revoke_pr: 3 });
  });

  it("until: shift-end: on call (found on the second page of /oncalls), the sweep waits", async () => {
    const repo = await eventRepo();
    await repo.write(BOB, "reason: Cover the payments on-call shift tonight\nduration: 8h\nuntil: shift-end\n");
    await repo.commit("grant bob", { date: "2026-03-01T10:00:00Z" });
    const scope = pd()
      .get("/oncalls")
      .query({ ...ONCALL_QUERY, offset: "0" })
      .reply(200, { oncalls: [onCall("PBOB001", "2026-03-01T06:00:00Z", "2026-03-01T09:00:00Z")], limit: 1, offset: 0, more: true, total: null })
      .get("/oncalls")
      .query({ ...ONCALL_QUERY, offset: "1" })
      .reply(200, { oncalls: [onCall("PBOB001", "2026-03-01T09:00:00Z", "2026-03-01T12:00:00Z")], limit: 1, offset: 1, more: false, total: null });
    const during = await runSweep(repo, "2026-03-01T11:00:00Z");
    scope.done();
    expect(during.events).toEqual([{ path: BOB, event: "shift-end", status: "waiting", detail: "bob is on call in PagerDuty until 2026-03-01T12:00:00Z" }]);
    expect(await repo.git("branch", "--list", "gitgrant/*")).toBe("");
  });

  it("until: shift-end: off shift, the sweep revokes with Revoke-reason shift-end; merged and applied, access is gone, audit says why", async () => {
    const repo = await eventRepo();
    const base = await repo.sha();
    await repo.write(BOB, "reason: Cover the payments on-call shift tonight\nduration: 8h\nuntil: shift-end\n");
    const granted = await repo.commit("grant bob", { date: "2026-03-01T10:00:00Z" });
    const ledger = ledgerOf(repo);
    await applyPush(repo, base, granted, ledger);
    const scope = pd().get("/oncalls").query({ ...ONCALL_QUERY, offset: "0" }).reply(200, { oncalls: [], limit: 100, offset: 0, more: false, total: null });
    const after = await runSweep(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(after.events[0]).toMatchObject({ path: BOB, event: "shift-end", reason: "shift-end", status: "committed" });
    expect(after.problems).toEqual([]);
    const message = await repo.git("log", "-1", "--format=%B", BOB_BRANCH);
    expect(message.split("\n")[0]).toBe("Revoke access: staging-deploy for bob (shift-end)");
    expect(parseTrailers(message)).toContainEqual({ key: "Revoke-reason", value: "shift-end" });

    const merged = await mergeRevoke(repo, BOB_BRANCH, BOB, "2026-03-01T12:06:00Z", 4);
    await applyPush(repo, granted, merged.sha, ledger);
    expect((await readLedger(ledger.ledgerPath)).grants).toEqual({});
    const audit = await readAudit({ dir: repo.dir });
    expect(auditRecord(audit.lives.find((l) => l.path === BOB)!, at("2026-03-01T13:00:00Z"))).toMatchObject({ status: "revoked", revoke_reason: "shift-end", revoke_pr: 4 });
  });

  it("a PagerDuty outage revokes nothing and is reported", async () => {
    const repo = await eventRepo();
    const base = await repo.sha();
    await repo.write(ALICE, "reason: Mitigate INC-1234, checkout latency\nduration: 4h\nticket: INC-1234\nuntil: incident-resolved\n");
    await repo.write(BOB, "reason: Cover the payments on-call shift tonight\nduration: 8h\nuntil: shift-end\n");
    const granted = await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
    const ledger = ledgerOf(repo);
    await applyPush(repo, base, granted, ledger);

    const down = { error: { message: "Service Unavailable" } };
    const scope = pd().get("/incidents/1234").times(3).reply(503, down).get("/oncalls").query(true).times(3).reply(503, down);
    const r = await runSweep(repo, "2026-03-01T11:00:00Z");
    scope.done();
    expect(r.events.map((e) => [e.path, e.status])).toEqual([
      [ALICE, "unknown"],
      [BOB, "unknown"],
    ]);
    expect(r.problems).toEqual([
      `${ALICE}: could not tell whether INC-1234 is resolved (PagerDuty answered 503 on GET /incidents/1234: Service Unavailable (gave up after 3 tries)); nothing revoked, the grant still ends at 2026-03-01T14:00:00Z`,
      `${BOB}: could not tell whether bob's on-call shift has ended (PagerDuty answered 503 on GET /oncalls: Service Unavailable (gave up after 3 tries)); nothing revoked, the grant still ends at 2026-03-01T18:00:00Z`,
    ]);
    expect(await repo.git("branch", "--list", "gitgrant/*")).toBe("");
    expect(Object.keys((await readLedger(ledger.ledgerPath)).grants).sort()).toEqual(["staging-deploy/alice", "staging-deploy/bob"]);

  });

  it("without PAGERDUTY_TOKEN nothing is revoked and it is reported; the window still ends the grant", async () => {
    const repo = await eventRepo();
    await repo.write(ALICE, "reason: Mitigate INC-1234, checkout latency\nduration: 4h\nticket: INC-1234\nuntil: incident-resolved\n");
    await repo.write(BOB, "reason: Cover the payments on-call shift tonight\nduration: 8h\nuntil: shift-end\n");
    await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
    const noToken = await runSweep(repo, "2026-03-01T11:05:00Z", {});
    expect(noToken.events.map((e) => e.status)).toEqual(["unknown", "unknown"]);
    expect(noToken.problems[0]).toContain("(PAGERDUTY_TOKEN is not set); nothing revoked");
    // The window still ends the grant: at 14:00 alice's file is revoked as expired, and no event is asked.
    const expired = await runSweep(repo, "2026-03-01T14:00:00Z", {});
    expect(expired.revokes.map((x) => [x.path, x.status])).toEqual([[ALICE, "committed"]]);
    expect(expired.events.map((e) => e.path)).toEqual([BOB]);
  });

  it("a requester PagerDuty does not know is never taken as off shift", async () => {
    const repo = await eventRepo();
    await repo.write("access/requests/staging-deploy/carol.yaml", "reason: Cover the payments on-call shift tonight\nduration: 8h\nuntil: shift-end\n");
    await repo.commit("grant carol", { date: "2026-03-01T10:00:00Z" });
    const r = await runSweep(repo, "2026-03-01T11:00:00Z");
    expect(r.events).toMatchObject([{ status: "unknown" }]);
    expect(r.problems).toEqual([
      "access/requests/staging-deploy/carol.yaml: could not tell whether carol's on-call shift has ended (carol has no pagerduty identity in access/identities.yaml); nothing revoked, the grant still ends at 2026-03-01T18:00:00Z",
    ]);
  });

  it("the webhook's path on a clone: the request waiting for the resolved incident (by id) is revoked, another is left; ledger and audit say incident-resolved", async () => {
    const repo = await eventRepo();
    const base = await repo.sha();
    await repo.write(ALICE, "reason: Mitigate the checkout latency incident\nduration: 4h\nincident: PT4KHLK\nuntil: incident-resolved\n");
    await repo.write(BOB, "reason: Mitigate INC-999, a different incident\nduration: 4h\nincident: INC-999\nuntil: incident-resolved\n");
    const granted = await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
    const ledger = ledgerOf(repo);
    await applyPush(repo, base, granted, ledger);
    const r = await revokeOnIncidentResolved({
      repo: localRepository(repo.dir, { env: await gitEnv("2026-03-01T10:30:00Z"), commitDate: at("2026-03-01T10:30:00Z") }),
      branch: "main",
      incident: { id: "PT4KHLK", number: 1234, resolvedAt: at("2026-03-01T10:29:00Z") },
    });
    expect(r.map((x) => [x.path, x.status, x.reason])).toEqual([[ALICE, "committed", "incident-resolved"]]);
    const merged = await mergeRevoke(repo, ALICE_BRANCH, ALICE, "2026-03-01T10:31:00Z", 5);
    await applyPush(repo, granted, merged.sha, ledger);
    expect(Object.keys((await readLedger(ledger.ledgerPath)).grants)).toEqual(["staging-deploy/bob"]);
    const audit = await readAudit({ dir: repo.dir });
    expect(auditRecord(audit.lives.find((l) => l.path === ALICE)!, at("2026-03-01T11:00:00Z"))).toMatchObject({ status: "revoked", revoke_reason: "incident-resolved", revoke_pr: 5 });
  });

  it("approval withdrawal on a clone: the approving code owner's revoke is committed with approval-withdrawn; ledger and audit say so", async () => {
    const repo = await eventRepo();
    const base = await repo.sha();
    await repo.write(ALICE, "reason: Deploy the hotfix for INC-1201 and verify it\nduration: 4h\n");
    const granted = await repo.commit("grant alice (#2)", { date: "2026-03-01T10:00:00Z" });
    const ledger = ledgerOf(repo);
    await applyPush(repo, base, granted, ledger);
    const env = await gitEnv("2026-03-01T10:40:00Z");
    // CODEOWNERS (lifecycle org): /access/requests/ @acme/security.
    const asked: string[] = [];
    const r = await withdrawApproval({
      repo: localRepository(repo.dir, { env, commitDate: at("2026-03-01T10:40:00Z") }),
      branch: "main",
      pull: { number: 2, mergeSha: granted, files: [ALICE], approvers: new Set(["bob"]) },
      commenter: "Bob",
      memberOf: async (login, team) => (asked.push(`${login} ${team}`), team === "acme/security"),
      note: "the hotfix is out",
    });
    expect(asked).toEqual(["bob acme/security"]);
    expect(r.refused).toEqual([]);
    expect(r.revokes.map((x) => [x.path, x.status, x.reason])).toEqual([[ALICE, "committed", "approval-withdrawn"]]);
    expect(await repo.git("log", "-1", "--format=%B", ALICE_BRANCH)).toContain("Bob withdrew their approval of #2: the hotfix is out");
    const merged = await mergeRevoke(repo, ALICE_BRANCH, ALICE, "2026-03-01T10:41:00Z", 6);
    await applyPush(repo, granted, merged.sha, ledger);
    expect((await readLedger(ledger.ledgerPath)).grants).toEqual({});
    const audit = await readAudit({ dir: repo.dir });
    expect(auditRecord(audit.lives.find((l) => l.path === ALICE)!, at("2026-03-01T11:00:00Z"))).toMatchObject({ status: "revoked", revoke_reason: "approval-withdrawn", revoke_pr: 6 });
  });
});
