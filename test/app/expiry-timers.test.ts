// Issue 10 item 3: while the app runs, a grant on a target without native expiry is revoked
// at its expiry second, through applyOwned; a target that expires grants itself gets no
// timer; a file changed on the branch (a push another replica applied) is re-read from the
// tree instead of revoked. A fake clock moves to the second: nothing waits.
import nock from "nock";
import { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ExpiryTimers, type ExpiryTimersOptions, type RepoContext, type RevokeReport } from "../../src/app/expiry-timers.js";
import type { AccessEvent, EventSink } from "../../src/core/events.js";
import { gitHub } from "../../src/github/octokit.js";
import type { Grant } from "../../src/core/types.js";
import type { Plan } from "../../src/operations/plan-types.js";
import { RecordingProvider } from "../helpers/providers.js";
import { org, request } from "../helpers/orgs.js";
import { gitBlobId } from "../helpers/app.js";
import { FakeClock, runTo } from "../helpers/fake-clock.js";
import { branchTipReads } from "../helpers/github-replies.js";

const API = "https://api.github.com";
const START = Date.parse("2026-03-02T10:00:00Z");
const EXPIRES = new Date("2026-03-02T12:00:00Z");
const ERIN = "access/requests/staging-deploy/erin.yaml";
const SHA = "2".repeat(40);
const BLOB = "9".repeat(40);

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length) throw new Error(`calls not made: ${pending.join(", ")}`);
});
afterAll(() => nock.enableNetConnect());

function grantOf(path: string, provider: "local" | "aws-iam", expiresAt = EXPIRES): Grant {
  const resource = { id: path.split("/")[2]!, sensitivity: "low" as const, max_duration: "8h", provider, target: { name: "staging-deployers" } };
  return { path, login: path.split("/")[3]!.replace(/\.yaml$/, ""), resource, principal: "erin-contractor", startsAt: new Date(START), expiresAt, reason: "Deploy the hotfix" };
}

function grantPlan(...grants: Grant[]): Plan {
  return { before: "1".repeat(40), after: SHA, actions: grants.map((grant) => ({ kind: "grant", path: grant.path, change: "added", grant, landedAt: new Date(START), nativeExpiry: false, words: "grant" })), skipped: [] };
}

function setup(providers: Record<string, RecordingProvider>, options: Pick<ExpiryTimersOptions, "sinks"> = {}) {
  const clock = new FakeClock(START);
  const reports: RevokeReport[] = [];
  const timers = new ExpiryTimers({ clock, onRevoke: (r) => reports.push(r), ...options });
  const ctx: RepoContext = { owner: "acme", repo: "access", installation: "installation 1", api: gitHub(new Octokit({ auth: "ghs_test" })), providers, branch: "main" };
  return { clock, timers, ctx, reports };
}

/** GraphQL at the second: the grant's file at the branch tip (its blob id, or no file). */
function tipReply(paths: Record<string, string | null>) {
  return nock(API)
    .post("/graphql", (b: any) => String(b.query).includes("query gitgrantTip") && b.variables.branch === "refs/heads/main" && Object.keys(paths).every((p, i) => b.variables[`p${i}`] === p))
    .reply(200, { data: { repository: { tip: { target: { oid: SHA, ...Object.fromEntries(Object.values(paths).map((oid, i) => [`p${i}`, oid ? { oid } : null])) } } } } });
}

/** A round trip before the second: the branch tip alone, over REST with the sha media type. */
function branchReply(sha = SHA) {
  return nock(API).get("/repos/acme/access/commits/main").matchHeader("accept", "application/vnd.github.sha").reply(200, sha, { "content-type": "application/vnd.github.sha" });
}

/** The schedule re-read after a change: the tree and rules at the tip, then when the file landed (an hour before the old end, 6h). */
function scheduleReplies(extended: string) {
  branchTipReads(nock(API), { repo: "/repos/acme/access", branch: "main", sha: SHA, files: { ...org("apply").files(), [ERIN]: extended }, landed: "2026-03-02T11:00:00Z" });
}

describe("expiry timers", () => {
  it("revokes a local grant at its expiry second, not a second before, through the provider once", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    timers.afterApply(ctx, grantPlan(grantOf(ERIN, "local")), [{ action: grantPlan(grantOf(ERIN, "local")).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T12:00:00Z" }]);

    // The file is read 2 s before the second, the branch tip alone just before it.
    const tip = tipReply({ [ERIN]: BLOB });
    const branch = branchReply();
    await runTo(clock, timers, EXPIRES.getTime() - 2000);
    expect(tip.isDone()).toBe(true);
    await runTo(clock, timers, EXPIRES.getTime() - 1000);
    expect(branch.isDone()).toBe(false);
    expect(local.calls).toEqual([]);
    await runTo(clock, timers, EXPIRES.getTime() - 1);
    expect(branch.isDone()).toBe(true);
    expect(local.calls).toEqual([]);

    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls).toEqual([{ op: "revoke", path: ERIN, principal: "erin-contractor" }]);
    expect(reports.map((r) => [r.path, r.at - r.expiresAt, r.result?.status])).toEqual([[ERIN, 0, "unchanged"]]);
    expect(timers.pending("acme", "access")).toEqual([]);
  });

  it("a revoke still failing after its retries at the second is told as revoke_failed to the sinks", async () => {
    const local = new RecordingProvider("local", { [ERIN]: ["denied"] });
    const sent: AccessEvent[] = [];
    const sink: EventSink = { name: "siem", wants: () => true, send: async (e) => void sent.push(e) };
    const { clock, timers, ctx } = setup({ local }, { sinks: () => [sink] });
    const plan = grantPlan(grantOf(ERIN, "local"));
    timers.afterApply(ctx, plan, [{ action: plan.actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    tipReply({ [ERIN]: BLOB });
    branchReply();
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls).toEqual([{ op: "revoke", path: ERIN, principal: "erin-contractor" }]);
    expect(sent.map((e) => e.type)).toEqual(["revoke_failed"]);
    expect(sent[0]!.message).toContain("erin-contractor");
  });

  it("a target with native expiry gets no timer: it ends the grant itself", () => {
    const aws = new RecordingProvider("aws-iam", {}, true);
    const { timers, ctx } = setup({ "aws-iam": aws });
    const g = grantOf("access/requests/prod-db-read/erin.yaml", "aws-iam");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }]);
    expect(timers.pending("acme", "access")).toEqual([]);
  });

  it("a file deleted by a later push loses its timer; a grant moved later by a push moves its timer", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    const g = grantOf(ERIN, "local");
    const granted = (x: Grant) => [{ action: grantPlan(x).actions[0]!, status: "granted" as const, detail: "", attempts: 1 }];
    timers.afterApply(ctx, grantPlan(g), granted(g), () => BLOB);
    const later = grantOf(ERIN, "local", new Date("2026-03-02T14:00:00Z"));
    timers.afterApply(ctx, grantPlan(later), granted(later), () => "8".repeat(40));
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T14:00:00Z" }]);
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls).toEqual([]); // the old second passed without a revoke
    const revoke = { kind: "revoke" as const, path: ERIN, change: "deleted" as const, ref: later, words: "revoke" };
    timers.afterApply(ctx, { ...grantPlan(), actions: [revoke] }, [{ action: revoke, status: "revoked", detail: "", attempts: 1 }]);
    expect(timers.pending("acme", "access")).toEqual([]);
  });

  it("2 s before the second, a file another replica changed is not revoked: the schedule is re-read from the tree", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    const g = grantOf(ERIN, "local");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    const extended = request("6h");
    tipReply({ [ERIN]: gitBlobId(extended) });
    scheduleReplies(extended);
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls).toEqual([]);
    expect(reports[0]?.skipped).toBe("the file changed on the branch; its new window is read from the tree");
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T17:00:00Z" }]);
  });

  it("2 s before the second, a file already gone from the branch is left to its deletion's revoke", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    const g = grantOf(ERIN, "local");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    tipReply({ [ERIN]: null });
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls).toEqual([]);
    expect(reports[0]?.skipped).toBe("the file is gone from the branch; its deletion revokes it");
  });

  it("fails closed: when the tree cannot be read at the second, the grant is revoked as scheduled", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    const g = grantOf(ERIN, "local");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    nock(API).post("/graphql").reply(502, { message: "Server Error" });
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
  });

  it("an end beyond node's longest timer (24.8 days) is reached in hops and still fires at the second", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    const far = new Date(START + 40 * 86_400_000);
    const g = grantOf(ERIN, "local", far);
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    await runTo(clock, timers, far.getTime() - 3000);
    expect(local.calls).toEqual([]);
    tipReply({ [ERIN]: BLOB });
    branchReply();
    await runTo(clock, timers, far.getTime() - 1);
    expect(local.calls).toEqual([]);
    await runTo(clock, timers, far.getTime());
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
  });
});

describe("the revoke starts at the second; the file is checked before it", () => {
  const NEW_TIP = "5".repeat(40);
  const arm = (timers: ExpiryTimers, ctx: RepoContext, g = grantOf(ERIN, "local")) =>
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);

  it("the receipts and the file are read 2 s before; at the second only the provider is called, with lateness 0", async () => {
    const local = new RecordingProvider("local");
    const clock = new FakeClock(START);
    const reads: number[] = [];
    const receipts = { read: async () => (reads.push(clock.now()), { receipts: [], problems: [] }), record: async () => {} };
    const reports: RevokeReport[] = [];
    const timers = new ExpiryTimers({ clock, receipts: () => receipts, onRevoke: (r) => reports.push(r) });
    const ctx: RepoContext = { owner: "acme", repo: "access", installation: "installation 1", api: gitHub(new Octokit({ auth: "ghs_test" })), providers: { local }, branch: "main" };
    arm(timers, ctx);
    tipReply({ [ERIN]: BLOB });
    branchReply();
    await runTo(clock, timers, EXPIRES.getTime() - 2000);
    expect(reads).toEqual([EXPIRES.getTime() - 2000]);
    await runTo(clock, timers, EXPIRES.getTime());
    expect(reads).toHaveLength(1); // the revoke used what was read before
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
    expect(reports.map((r) => r.at - r.expiresAt)).toEqual([0]);
  });

  it("a file extended on the branch in the last 2 s (another replica's push): the branch moved, the file changed, so it is not revoked and its new end is read", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    arm(timers, ctx);
    tipReply({ [ERIN]: BLOB });
    await runTo(clock, timers, EXPIRES.getTime() - 2000); // unchanged 2 s before
    // The extension landed 1 s before the second.
    const extended = request("6h");
    branchReply(NEW_TIP);
    nock(API)
      .post("/graphql", (b: any) => String(b.query).includes("query gitgrantTip") && b.variables.p0 === ERIN)
      .reply(200, { data: { repository: { tip: { target: { oid: NEW_TIP, p0: { oid: gitBlobId(extended) } } } } } });
    scheduleReplies(extended);
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls).toEqual([]);
    expect(reports.map((r) => r.skipped)).toEqual(["the file changed on the branch; its new window is read from the tree"]);
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T17:00:00Z" }]);
  });

  it("a file extended in the last 2 s by a push this process applied: its timer is replaced and the old second passes without a revoke or a re-check", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    arm(timers, ctx);
    tipReply({ [ERIN]: BLOB });
    await runTo(clock, timers, EXPIRES.getTime() - 2000);
    await runTo(clock, timers, EXPIRES.getTime() - 1000);
    arm(timers, ctx, grantOf(ERIN, "local", new Date("2026-03-02T14:00:00Z")));
    await runTo(clock, timers, EXPIRES.getTime() + 1000);
    expect(local.calls).toEqual([]);
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T14:00:00Z" }]);
  });

  it("the branch moved in the last 2 s but not this file: revoked at the second", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    arm(timers, ctx);
    tipReply({ [ERIN]: BLOB });
    await runTo(clock, timers, EXPIRES.getTime() - 2000);
    branchReply(NEW_TIP);
    nock(API)
      .post("/graphql", (b: any) => String(b.query).includes("query gitgrantTip") && b.variables.p0 === ERIN)
      .reply(200, { data: { repository: { tip: { target: { oid: NEW_TIP, p0: { oid: BLOB } } } } } });
    await runTo(clock, timers, EXPIRES.getTime() - 1);
    expect(local.calls).toEqual([]);
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
    expect(reports.map((r) => r.at - r.expiresAt)).toEqual([0]);
  });

  it("fails closed: a re-check GitHub cannot answer (502) revokes as scheduled", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    arm(timers, ctx);
    tipReply({ [ERIN]: BLOB });
    nock(API).get("/repos/acme/access/commits/main").reply(502, { message: "Server Error" });
    await runTo(clock, timers, EXPIRES.getTime());
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
  });
});

describe("rebuilt at start", () => {
  it("every installed repository's tree is read and each active grant without native expiry gets its timer", async () => {
    const { makeProbot } = await import("../helpers/app.js");
    const { rebuildAtStart } = await import("../../src/app/expiry-start.js");
    const { ProcessProviders } = await import("../../src/app/providers.js");
    const probot = await makeProbot(new Date(START));
    const clock = new FakeClock(START);
    const timers = new ExpiryTimers({ clock });
    const text = request("2h");
    const files = org("apply").files();
    const scope = nock(API);
    scope.get("/app/installations").query({ per_page: "100" }).reply(200, [{ id: 4242, account: { login: "acme" } }]);
    scope.post("/app/installations/4242/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
    scope.get("/installation/repositories").query({ per_page: "100" }).reply(200, { total_count: 2, repositories: [{ name: "access", owner: { login: "acme" }, default_branch: "main" }, { name: "old", owner: { login: "acme" }, default_branch: "main", archived: true }] });
    // One read of the whole requests folder (erin's staging-deploy, bob's prod-db-read), then their landings.
    branchTipReads(scope, { repo: "/repos/acme/access", branch: "main", sha: SHA, files: { ...files, [ERIN]: text, "access/requests/prod-db-read/bob.yaml": text }, landed: "2026-03-02T10:00:00Z" });

    const out = await rebuildAtStart(probot, timers, { now: () => new Date(START), processProviders: new ProcessProviders() });
    scope.done();
    expect(out).toEqual({ repos: 1, failed: 0 });
    // bob's prod-db-read is aws-iam assume-role: AWS ends it itself, so only erin's local grant has a timer.
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T12:00:00Z" }]);
  });
});
