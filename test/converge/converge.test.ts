// Convergence: the targets made to match the tree (active request files on main), on real git
// repositories and a fake target that lists what it holds. Level-triggered: whatever the
// pushes before did or lost, one run grants what is missing, revokes what gitgrant manages
// and no active window covers, leaves what is not gitgrant's, and retries what failed.
import { afterEach, describe, expect, it } from "vitest";
import { LocalGitRepo } from "../../src/git/local.js";
import { converge, type ConvergeOptions } from "../../src/operations/converge.js";
import { cleanupHomes, cleanupRepos, gitEnv, type TestRepo } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";
import { MemoryReceiptStore, receipt } from "../helpers/receipts.js";
import { FakeTarget } from "../helpers/target.js";

afterEach(cleanupRepos);
afterEach(cleanupHomes);

const ALICE_OPS = "access/requests/ops-team/alice.yaml";
const BOB_OPS = "access/requests/ops-team/bob.yaml";
const ALICE_STAGING = "access/requests/staging-deploy/alice.yaml";

async function run(repo: TestRepo, now: string, providers: ConvergeOptions["providers"], extra: Partial<ConvergeOptions> = {}) {
  return converge({ repo: new LocalGitRepo(repo.dir, { env: await gitEnv(now) }), ref: "main", now: at(now), providers, sleep: async () => {}, ...extra });
}

/** main with alice's 2h ops-team request, landed at 10:00. */
async function aliceOnOps(): Promise<TestRepo> {
  const repo = await accessRepo();
  await repo.write(ALICE_OPS, request("2h"));
  await repo.commit("alice on ops", { date: "2026-03-01T10:00:00Z" });
  return repo;
}

describe("convergence", () => {
  it("grants an active window the target lacks (a lost push), then finds nothing to do: one listing per resource, one call per change", async () => {
    const repo = await aliceOnOps();
    const team = new FakeTarget("github-team");
    const ledger = new FakeTarget("local");
    const first = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: ledger });
    expect(first.results.map((r) => [r.action.kind, r.action.path, r.status])).toEqual([["grant", ALICE_OPS, "granted"]]);
    expect(first.results[0]!.action.words).toContain("has no grant for alice");
    expect(first.checked).toEqual(["ops-team", "staging-deploy", "support-console"]);
    expect(first.calls).toEqual({ list: 3, change: 1 });
    expect(team.holds("ops-team", "alice")).toBe(true);

    const second = await run(repo, "2026-03-01T10:31:00Z", { "github-team": team, local: ledger });
    expect(second.results).toEqual([]);
    expect(second.calls).toEqual({ list: 3, change: 0 });
    expect(second.problems).toEqual([]);
  });

  it("a github-team grant four days past expiry, never swept, is revoked: the receipt says gitgrant created it", async () => {
    const repo = await aliceOnOps();
    const team = new FakeTarget("github-team").hold("ops-team", { principal: "alice", marked: false });
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", ALICE_OPS, "alice")] }]);
    const r = await run(repo, "2026-03-05T12:00:00Z", { "github-team": team, local: new FakeTarget("local") }, { receipts });
    expect(r.results.map((x) => [x.action.kind, x.status])).toEqual([["revoke", "revoked"]]);
    expect(r.results[0]!.action.words).toContain(`${ALICE_OPS} expired at 2026-03-01T12:00:00Z, but github-team still grants alice`);
    expect(team.holds("ops-team", "alice")).toBe(false);
  });

  it("never takes standing access: an unmarked member with no receipt, or a standing receipt, is left in place with the reason", async () => {
    const repo = await accessRepo();
    const team = new FakeTarget("github-team").hold("ops-team", { principal: "alice", marked: false }).hold("ops-team", { principal: "bob", marked: false });
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("standing", BOB_OPS, "bob")] }]);
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") }, { receipts });
    expect(r.results).toEqual([]);
    expect(r.left).toEqual([
      { resource: "ops-team", principal: "alice", detail: "alice holds ops-team and gitgrant did not create it; left in place" },
      { resource: "ops-team", principal: "bob", detail: "bob already had standing access to ops-team before gitgrant; gitgrant leaves it" },
    ]);
    expect(team.count("revoke")).toBe(0);
  });

  it("revokes access the target marks as gitgrant's when no file covers it (a deletion whose push was lost)", async () => {
    const repo = await accessRepo();
    const ledger = new FakeTarget("local").hold("staging-deploy", { principal: "alice", marked: true, expiresAt: at("2026-03-01T12:00:00Z") });
    const r = await run(repo, "2026-03-01T10:30:00Z", { local: ledger, "github-team": new FakeTarget("github-team") });
    expect(r.results.map((x) => [x.action.kind, x.action.path, x.status])).toEqual([["revoke", ALICE_STAGING, "revoked"]]);
    expect(r.results[0]!.action.words).toContain("no request file on the branch covers alice's staging-deploy access, which gitgrant marked as its own");
  });

  it("a starts_at moved later ends the running grant until the new start, then grants it again", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE_STAGING, request("1h", "starts_at: 2026-03-01T14:00:00Z\n"));
    await repo.commit("alice later", { date: "2026-03-01T10:00:00Z" });
    const ledger = new FakeTarget("local", {}, true).hold("staging-deploy", { principal: "alice", marked: true, expiresAt: at("2026-03-01T11:00:00Z") });
    const providers = { local: ledger, "github-team": new FakeTarget("github-team") };
    const early = await run(repo, "2026-03-01T10:05:00Z", providers);
    expect(early.results.map((x) => [x.action.kind, x.status])).toEqual([["revoke", "revoked"]]);
    expect(early.results[0]!.action.words).toContain("starts at 2026-03-01T14:00:00Z");
    const due = await run(repo, "2026-03-01T14:00:00Z", providers);
    expect(due.results.map((x) => [x.action.kind, x.status])).toEqual([["grant", "granted"]]);
    expect(ledger.held.get(ledger.key("staging-deploy", "alice"))!.expiresAt).toEqual(at("2026-03-01T15:00:00Z"));
  });

  it("re-applies a marked grant whose end differs from the file (an extension whose push was lost)", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE_STAGING, request("4h"));
    await repo.commit("alice 4h", { date: "2026-03-01T10:00:00Z" });
    const ledger = new FakeTarget("local", {}, true).hold("staging-deploy", { principal: "alice", marked: true, expiresAt: at("2026-03-01T11:00:00Z") });
    const r = await run(repo, "2026-03-01T10:30:00Z", { local: ledger, "github-team": new FakeTarget("github-team") });
    expect(r.results.map((x) => [x.action.kind, x.status])).toEqual([["grant", "unchanged"]]);
    expect(ledger.held.get(ledger.key("staging-deploy", "alice"))!.expiresAt).toEqual(at("2026-03-01T14:00:00Z"));
  });

  it("identity remapped since the grant: revokes the principal the receipt says was granted, grants the one identities.yaml names now", async () => {
    const repo = await aliceOnOps();
    await repo.write("access/identities.yaml", "users:\n  alice: { github: alice-new }\n  bob: { github: bob }\n  carol: { github: carol, local: carol-local }\n");
    await repo.commit("alice's login changed", { date: "2026-03-01T10:10:00Z" });
    const team = new FakeTarget("github-team").hold("ops-team", { principal: "alice", marked: false });
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", ALICE_OPS, "alice")] }]);
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") }, { receipts });
    expect(r.results.map((x) => [x.action.kind, x.action.kind === "revoke" ? x.action.ref.principal : x.action.grant.principal, x.status])).toEqual([
      ["revoke", "alice", "revoked"],
      ["grant", "alice-new", "granted"],
    ]);
  });

  it("catalog target changed since the grant: the old team's membership is revoked from the receipt's target", async () => {
    const repo = await accessRepo();
    const team = new FakeTarget("github-team");
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", BOB_OPS, "bob", { target: { org: "acme", team: "ops-old" } })] }]);
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") }, { receipts });
    expect(r.results).toHaveLength(1);
    const action = r.results[0]!.action;
    expect(action.kind === "revoke" && action.ref.resource.target).toEqual({ org: "acme", team: "ops-old" });
    expect(action.words).toContain("earlier target");
  });

  it("retries what failed in a later round, within the same run", async () => {
    const repo = await aliceOnOps();
    const team = new FakeTarget("github-team", { "grant ops-team alice": ["transient", "throttled", "ok"] });
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") }, { attempts: 1 });
    expect(r.rounds).toBe(3);
    expect(r.results.map((x) => x.status)).toEqual(["granted"]);
    expect(r.failed).toEqual([]);
    expect(team.count("grant")).toBe(3);
  });

  it("a missing credential is not retried in rounds; it is reported, and the next run completes the work", async () => {
    const repo = await aliceOnOps();
    const team = new FakeTarget("github-team", { "grant ops-team alice": ["config", "ok"] });
    const providers = { "github-team": team, local: new FakeTarget("local") };
    const r = await run(repo, "2026-03-01T10:30:00Z", providers, { attempts: 1 });
    expect(r.rounds).toBe(1);
    expect(r.failed.map((f) => f.errorKind)).toEqual(["config"]);
    expect(r.problems[0]).toContain(`${ALICE_OPS}: could not grant`);
    const next = await run(repo, "2026-03-01T10:35:00Z", providers, { attempts: 1 });
    expect(next.results.map((x) => x.status)).toEqual(["granted"]);
    expect(next.problems).toEqual([]);
  });

  it("one resource that cannot be listed does not stop the others", async () => {
    const repo = await aliceOnOps();
    await repo.write(ALICE_STAGING, request("2h"));
    await repo.commit("alice staging", { date: "2026-03-01T10:00:00Z" });
    const team = new FakeTarget("github-team", {}, false, { "ops-team": "denied" });
    const ledger = new FakeTarget("local");
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: ledger });
    expect(r.checked).toEqual(["staging-deploy", "support-console"]);
    expect(r.results.map((x) => x.action.path)).toEqual([ALICE_STAGING]);
    expect(r.problems).toEqual(["ops-team: not converged: github-team could not list ops-team"]);
  });

  it("a dry run (plan --converge) lists and says what it would do, and changes nothing", async () => {
    const repo = await aliceOnOps();
    const team = new FakeTarget("github-team");
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") }, { dryRun: true });
    expect(r.results.map((x) => [x.status, x.detail])).toEqual([["planned", expect.stringContaining("would grant alice")]]);
    expect(team.count("grant")).toBe(0);
    expect(team.holds("ops-team", "alice")).toBe(false);
  });

  it("only the resources asked for are listed", async () => {
    const repo = await aliceOnOps();
    const team = new FakeTarget("github-team");
    const ledger = new FakeTarget("local");
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: ledger }, { resources: ["ops-team"] });
    expect(r.checked).toEqual(["ops-team"]);
    expect(ledger.count("list")).toBe(0);
  });

  it("receipts that cannot be read: only marked access is revoked, and it is said", async () => {
    const repo = await accessRepo();
    const team = new FakeTarget("github-team").hold("ops-team", { principal: "bob", marked: false });
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", BOB_OPS, "bob")] }]);
    receipts.failRead = new Error("refs/notes/gitgrant: fetch failed");
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") }, { receipts });
    expect(r.results).toEqual([]);
    expect(r.problems[0]).toContain("receipts could not be read (refs/notes/gitgrant: fetch failed)");
  });

  it("a broken configuration on the branch stops convergence (fail closed), saying why", async () => {
    const repo = await aliceOnOps();
    await repo.write("access/catalog.yaml", "resources: [\n");
    await repo.commit("break the catalog", { date: "2026-03-01T10:10:00Z" });
    const team = new FakeTarget("github-team").hold("ops-team", { principal: "bob", marked: true });
    const r = await run(repo, "2026-03-01T10:30:00Z", { "github-team": team, local: new FakeTarget("local") });
    expect(r.results).toEqual([]);
    expect(team.calls).toEqual([]);
    expect(r.problems[0]).toContain("convergence skipped: the access configuration");
  });
});
