// Failure is loud: a revoke still failing after its retries is a revoke_failed event to the
// sinks and a sweep problem (exit 1); audit, report and metrics say "expired, not revoked:
// access may still be live" for a grant past expiry on a target without native expiry, and
// show each grant's ownership from the receipts.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { computeMetrics } from "../../src/core/metrics.js";
import { EXPIRED_NOT_REVOKED, REVOKED_NOT_REMOVED, judgeAccess } from "../../src/core/overdue.js";
import { ownershipOf } from "../../src/core/receipts.js";
import { localRepository } from "../../src/git/changes.js";
import { runAudit } from "../../src/cli/commands/audit.js";
import { readAudit } from "../../src/operations/audit.js";
import { sinksFromEnv } from "../../src/operations/event-sinks.js";
import { sweep } from "../../src/operations/sweep.js";
import { renderReport } from "../../src/report/html.js";
import { cleanupHomes, cleanupRepos, gitEnv, type TestRepo } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";
import { MemoryReceiptStore, receipt } from "../helpers/receipts.js";
import { FakeTarget } from "../helpers/target.js";

const OPS = "access/requests/ops-team/alice.yaml";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

async function opsGrant(): Promise<TestRepo> {
  const repo = await accessRepo();
  await repo.write(OPS, request("2h"));
  await repo.commit("alice on ops", { date: "2026-03-01T10:00:00Z" });
  return repo;
}

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), cwd, env: {} } };
}

describe("a revoke that keeps failing", () => {
  it("is a revoke_failed event to the SIEM, and a problem that makes the sweep exit 1", async () => {
    const repo = await opsGrant();
    const env = await gitEnv("2026-03-05T12:00:00Z");
    const team = new FakeTarget("github-team", { "revoke ops-team alice": ["transient"] });
    team.hold("ops-team", { principal: "alice", marked: false });
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", OPS, "alice")] }]);
    const sent: Array<Record<string, unknown>> = [];
    const siem = nock("https://siem.example.com", { reqheaders: { authorization: "Bearer siem-token" } })
      .post("/gitgrant", (body) => (sent.push(body), true))
      .reply(202, {});
    const sinks = sinksFromEnv({ GITGRANT_SIEM_URL: "https://siem.example.com/gitgrant", GITGRANT_SIEM_TOKEN: "siem-token" }, { sleep: async () => {} });
    const r = await sweep({
      repo: localRepository(repo.dir, { env }),
      branch: "main",
      now: at("2026-03-05T12:00:00Z"),
      providers: { "github-team": team, local: new FakeTarget("local") },
      receipts,
      sinks,
      apply: { attempts: 2, sleep: async () => {} },
    });
    siem.done();
    expect(team.count("revoke")).toBe(6); // 3 rounds of 2 tries
    expect(r.converge!.failed.map((f) => f.action.path)).toEqual([OPS]);
    expect(r.problems.some((p) => p.startsWith(`${OPS}: could not revoke alice`) && p.includes("still failing after 3 rounds"))).toBe(true);
    expect(r.revokeFailed).toHaveLength(1);
    expect(sent).toEqual([r.revokeFailed[0]]);
    expect(sent[0]).toMatchObject({
      type: "revoke_failed",
      actor: "gitgrant",
      requester: "alice",
      resource: "ops-team",
      details: { path: OPS, principal: "alice", provider: "github-team", error_kind: "transient", attempts: 2 },
    });
    expect(String(sent[0]!.message)).toMatch(/^not revoked: access may still be live\. alice's ops-team \(github-team, alice\) could not be revoked after 2 tries/);
  });

  it("a sink that is down is a problem too, never a silent drop", async () => {
    const repo = await opsGrant();
    const team = new FakeTarget("github-team", { "revoke ops-team alice": ["config"] }).hold("ops-team", { principal: "alice", marked: true });
    const siem = nock("https://siem.example.com").post("/gitgrant").times(2).reply(503, "down");
    const r = await sweep({
      repo: localRepository(repo.dir, { env: await gitEnv("2026-03-05T12:00:00Z") }),
      branch: "main",
      now: at("2026-03-05T12:00:00Z"),
      providers: { "github-team": team, local: new FakeTarget("local") },
      sinks: sinksFromEnv({ GITGRANT_SIEM_URL: "https://siem.example.com/gitgrant" }, { sleep: async () => {}, retry: { attempts: 2 } }),
      apply: { attempts: 1, sleep: async () => {} },
    });
    siem.done();
    expect(r.problems.some((p) => p.startsWith("revoke_failed event not delivered"))).toBe(true);
  });
});

describe("expired, not revoked: access may still be live", () => {
  it("audit JSON and table: a github-team grant four days past expiry, never swept", async () => {
    const repo = await opsGrant();
    const json = io(repo.dir);
    await runAudit({ repo: ".", now: "2026-03-05T12:00:00Z", format: "json" }, json.io);
    const record = JSON.parse(json.out[0]!);
    expect(record).toMatchObject({ path: OPS, status: "expired", overdue: true, status_words: EXPIRED_NOT_REVOKED, ownership: "none" });

    const table = io(repo.dir);
    await runAudit({ repo: ".", now: "2026-03-05T12:00:00Z" }, table.io);
    expect(table.out.join("\n")).toContain(EXPIRED_NOT_REVOKED);
    expect(table.out.join("\n")).toContain(`1 grant ended in git but may still be live in the target: ${OPS}.`);
  });

  it("ownership from the receipts shows in audit's JSON and table", async () => {
    const repo = await opsGrant();
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("standing", OPS, "alice")] }]);
    const json = io(repo.dir);
    await runAudit({ repo: ".", now: "2026-03-01T11:00:00Z", format: "json" }, json.io, { receipts });
    expect(JSON.parse(json.out[0]!)).toMatchObject({ status: "active", ownership: "standing", overdue: false });
    const table = io(repo.dir);
    await runAudit({ repo: ".", now: "2026-03-01T11:00:00Z" }, table.io, { receipts });
    const [head, , row] = table.out[0]!.split("\n");
    expect(head).toMatch(/EVIDENCE\s+OWNERSHIP$/);
    expect(row).toMatch(/INCOMPLETE\s+standing$/);
  });

  it("a file deleted in git whose receipt still says created is 'revoked in git, not in the target'", async () => {
    const repo = await opsGrant();
    await repo.rm(OPS);
    await repo.commit("alice relinquishes", { date: "2026-03-01T10:30:00Z" });
    const { lives } = await readAudit({ dir: repo.dir, env: await gitEnv() });
    const created = ownershipOf([receipt("created", OPS, "alice", { at: "2026-03-01T10:00:05Z" })]);
    const access = judgeAccess(lives, at("2026-03-01T11:00:00Z"), { nativeExpiry: () => false, ownership: created });
    expect(access.get(lives[0]!.index)).toEqual({ ownership: "created", overdue: true, words: REVOKED_NOT_REMOVED });
    const revoked = ownershipOf([receipt("created", OPS, "alice"), receipt("revoked", OPS, "alice", { at: "2026-03-01T10:30:02Z" })]);
    expect(judgeAccess(lives, at("2026-03-01T11:00:00Z"), { nativeExpiry: () => false, ownership: revoked }).get(lives[0]!.index)!.overdue).toBe(false);
  });

  it("metrics count it as overdue (not on a target with native expiry); the report says it in words", async () => {
    const repo = await opsGrant();
    const { lives } = await readAudit({ dir: repo.dir, env: await gitEnv() });
    const now = at("2026-03-05T12:00:00Z");
    const judge = { nativeExpiry: () => false, ownership: new Map() };
    expect(computeMetrics(lives, { now, standingThreshold: "30d", judge }).overall).toMatchObject({ expired_not_revoked: 1, overdue: 1 });
    expect(computeMetrics(lives, { now, standingThreshold: "30d", judge: { ...judge, nativeExpiry: () => true } }).overall).toMatchObject({ expired_not_revoked: 1, overdue: 0 });
    const metrics = computeMetrics(lives, { now, standingThreshold: "30d", judge });
    const html = renderReport({ lives, metrics, now, head: null, access: judgeAccess(lives, now, judge) });
    expect(html).toContain(EXPIRED_NOT_REVOKED);
  });
});
