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
import { FakeClock } from "../helpers/fake-clock.js";

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

describe("expiry timers", () => {
  it("revokes a local grant at its expiry second, not a second before, through the provider once", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    timers.afterApply(ctx, grantPlan(grantOf(ERIN, "local")), [{ action: grantPlan(grantOf(ERIN, "local")).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T12:00:00Z" }]);

    clock.advanceTo(EXPIRES.getTime() - 1000);
    await timers.idle();
    expect(local.calls).toEqual([]);

    tipReply({ [ERIN]: BLOB });
    clock.advanceTo(EXPIRES.getTime());
    await timers.idle();
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
    clock.advanceTo(EXPIRES.getTime());
    await timers.idle();
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
    clock.advanceTo(EXPIRES.getTime());
    await timers.idle();
    expect(local.calls).toEqual([]); // the old second passed without a revoke
    const revoke = { kind: "revoke" as const, path: ERIN, change: "deleted" as const, ref: later, words: "revoke" };
    timers.afterApply(ctx, { ...grantPlan(), actions: [revoke] }, [{ action: revoke, status: "revoked", detail: "", attempts: 1 }]);
    expect(timers.pending("acme", "access")).toEqual([]);
  });

  it("at the second, a file another replica changed is not revoked: the schedule is re-read from the tree", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    const g = grantOf(ERIN, "local");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    const extended = request("6h");
    tipReply({ [ERIN]: gitBlobId(extended) });
    // The re-read: the tree and rules at the tip, then when the file landed (an hour ago, 6h).
    const files = org("apply").files();
    const config = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
    nock(API)
      .post("/graphql", (b: any) => String(b.query).includes("query gitgrantBranch") && b.variables.d0 === "access/requests" && b.variables.branch === "refs/heads/main")
      .reply(200, {
        data: {
          repository: {
            tip: {
              target: {
                oid: SHA,
                ...Object.fromEntries(config.map((p, i) => [`c${i}`, files[p] === undefined ? null : { oid: gitBlobId(files[p]!), object: { text: files[p], isBinary: false, isTruncated: false } }])),
                d0: { object: { entries: [{ name: "staging-deploy", type: "tree", mode: 16384, oid: "3".repeat(40), object: { entries: [{ name: "erin.yaml", type: "blob", mode: 33188, oid: gitBlobId(extended), object: { text: extended, isBinary: false, isTruncated: false } }] } }] } },
              },
            },
          },
        },
      });
    nock(API)
      .post("/graphql", (b: any) => String(b.query).includes("query gitgrantLandings") && b.variables.sha === SHA && b.variables.p0 === ERIN)
      .reply(200, { data: { repository: { commit: { h0: { nodes: [{ oid: SHA, committedDate: "2026-03-02T11:00:00Z" }] } } } } });

    clock.advanceTo(EXPIRES.getTime());
    await timers.idle();
    expect(local.calls).toEqual([]);
    expect(reports[0]?.skipped).toBe("the file changed on the branch; its new window is read from the tree");
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T17:00:00Z" }]);
  });

  it("at the second, a file already gone from the branch is left to its deletion's revoke", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx, reports } = setup({ local });
    const g = grantOf(ERIN, "local");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    tipReply({ [ERIN]: null });
    clock.advanceTo(EXPIRES.getTime());
    await timers.idle();
    expect(local.calls).toEqual([]);
    expect(reports[0]?.skipped).toBe("the file is gone from the branch; its deletion revokes it");
  });

  it("fails closed: when the tree cannot be read at the second, the grant is revoked as scheduled", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    const g = grantOf(ERIN, "local");
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    nock(API).post("/graphql").reply(502, { message: "Server Error" });
    clock.advanceTo(EXPIRES.getTime());
    await timers.idle();
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
  });

  it("an end beyond node's longest timer (24.8 days) is reached in hops and still fires at the second", async () => {
    const local = new RecordingProvider("local");
    const { clock, timers, ctx } = setup({ local });
    const far = new Date(START + 40 * 86_400_000);
    const g = grantOf(ERIN, "local", far);
    timers.afterApply(ctx, grantPlan(g), [{ action: grantPlan(g).actions[0]!, status: "granted", detail: "", attempts: 1 }], () => BLOB);
    clock.advanceTo(far.getTime() - 1000);
    await timers.idle();
    expect(local.calls).toEqual([]);
    tipReply({ [ERIN]: BLOB });
    clock.advanceTo(far.getTime());
    await timers.idle();
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
    const config = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
    const scope = nock(API);
    scope.get("/app/installations").query({ per_page: "100" }).reply(200, [{ id: 4242, account: { login: "acme" } }]);
    scope.post("/app/installations/4242/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
    scope.get("/installation/repositories").query({ per_page: "100" }).reply(200, { total_count: 2, repositories: [{ name: "access", owner: { login: "acme" }, default_branch: "main" }, { name: "old", owner: { login: "acme" }, default_branch: "main", archived: true }] });
    scope
      .post("/graphql", (b: any) => String(b.query).includes("query gitgrantBranch") && b.variables.d0 === "access/requests" && b.variables.owner === "acme" && b.variables.repo === "access" && b.variables.branch === "refs/heads/main")
      .reply(200, {
        data: {
          repository: {
            tip: {
              target: {
                oid: SHA,
                ...Object.fromEntries(config.map((p, i) => [`c${i}`, files[p] === undefined ? null : { oid: gitBlobId(files[p]!), object: { text: files[p], isBinary: false, isTruncated: false } }])),
                d0: { object: { entries: [
                  { name: "staging-deploy", type: "tree", mode: 16384, oid: "3".repeat(40), object: { entries: [{ name: "erin.yaml", type: "blob", mode: 33188, oid: gitBlobId(text), object: { text, isBinary: false, isTruncated: false } }] } },
                  { name: "prod-db-read", type: "tree", mode: 16384, oid: "4".repeat(40), object: { entries: [{ name: "bob.yaml", type: "blob", mode: 33188, oid: gitBlobId(text), object: { text, isBinary: false, isTruncated: false } }] } },
                ] } },
              },
            },
          },
        },
      });
    scope
      .post("/graphql", (b: any) => String(b.query).includes("query gitgrantLandings") && b.variables.sha === SHA)
      .reply(200, { data: { repository: { commit: { h0: { nodes: [{ oid: SHA, committedDate: "2026-03-02T10:00:00Z" }] }, h1: { nodes: [{ oid: SHA, committedDate: "2026-03-02T10:00:00Z" }] } } } } });

    const out = await rebuildAtStart(probot, timers, { now: () => new Date(START), processProviders: new ProcessProviders() });
    scope.done();
    expect(out).toEqual({ repos: 1, failed: 0 });
    // bob's prod-db-read is aws-iam assume-role: AWS ends it itself, so only erin's local grant has a timer.
    expect(timers.pending("acme", "access")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T12:00:00Z" }]);
  });
});
