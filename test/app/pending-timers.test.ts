// Issue 10 item 3 gap: a request whose starts_at is later than its merge is pending at the
// push (the sweep grants it at its start, without telling the app). Its expiry timer is set
// when the push lands, not at the next app start; a redelivery sets nothing twice. Real push
// payloads from @octokit/webhooks-examples, GitHub on nock, a fake clock.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APPLY_CHECK_NAME, makePushHandler } from "../../src/app/handlers/push.js";
import { ExpiryTimers, type RevokeReport } from "../../src/app/expiry-timers.js";
import { RecordingProvider } from "../helpers/providers.js";
import { FakeClock, runTo } from "../helpers/fake-clock.js";
import { freshReceiptNotes } from "../helpers/github-replies.js";
import { org, request } from "../helpers/orgs.js";
import { CONFIG_PATHS, PUSH_REPO as R, blobId, pushPayload, pushProbot } from "../helpers/push-app.js";

const API = "https://api.github.com";
const NOW = new Date("2026-03-02T10:00:05Z");
const BEFORE = "1".repeat(40);
const AFTER = "2".repeat(40);
const ERIN = "access/requests/staging-deploy/erin.yaml";
const PENDING = request("2h", "starts_at: 2026-03-02T13:00:00Z\n");
const ENDS = Date.parse("2026-03-02T15:00:00Z");
const files = org("apply").files();

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length) throw new Error(`calls not made: ${pending.join(", ")}`);
});
afterAll(() => nock.enableNetConnect());

const payload = () => pushPayload({ before: BEFORE, after: AFTER });

/** compare + the push's one GraphQL read; `run`: gitgrant's apply run on the commit already. */
function pushReads(scope: nock.Scope, text: string, change: "added" | "modified", run?: { id: number; status: string }) {
  scope.get(`${R}/compare/${BEFORE}...${AFTER}`).query({ per_page: "1" }).reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: ERIN, status: change, additions: 3, deletions: 0, changes: 3 }] });
  scope
    .post("/graphql", (b: any) => String(b.query).includes("query gitgrantPush") && b.variables.after === AFTER && b.variables[`f${CONFIG_PATHS.length}`] === `${AFTER}:${ERIN}`)
    .reply(200, {
      data: {
        repository: {
          ...Object.fromEntries([...CONFIG_PATHS.map((p) => files[p]), text].map((t, k) => [`f${k}`, t === undefined ? null : { oid: blobId(t), text: t, isBinary: false, isTruncated: false }])),
          pushed: { checkSuites: { nodes: run ? [{ app: { databaseId: 123 }, checkRuns: { nodes: [{ databaseId: run.id, status: run.status }] } }] : [] }, associatedPullRequests: { nodes: [] } },
        },
      },
    });
}

/** 2 s before the second: the file's blob id at the branch tip (unchanged). */
function tipReply(scope: nock.Scope, oid: string) {
  // A round trip before it: the branch tip alone, unchanged since.
  scope.get(`${R}/commits/master`).matchHeader("accept", "application/vnd.github.sha").reply(200, AFTER, { "content-type": "application/vnd.github.sha" });
  scope
    .post("/graphql", (b: any) => String(b.query).includes("query gitgrantTip") && b.variables.branch === "refs/heads/master" && b.variables.p0 === ERIN)
    .reply(200, { data: { repository: { tip: { target: { oid: AFTER, p0: { oid } } } } } });
}

function setup() {
  const local = new RecordingProvider("local");
  const clock = new FakeClock(NOW.getTime());
  const reports: RevokeReport[] = [];
  const timers = new ExpiryTimers({ clock, onRevoke: (r) => reports.push(r) });
  const probot = pushProbot(makePushHandler({ now: () => NOW, appId: 123, providers: () => ({ local }), timers, converge: false }));
  const scope = nock(API);
  scope.post("/app/installations/1/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: {} });
  return { local, clock, timers, probot, scope, reports };
}

describe("a grant that starts later than its push", () => {
  it("gets its expiry timer when the push lands and is revoked at its expires second, without a restart; a redelivery sets nothing twice", async () => {
    const { local, clock, timers, probot, scope, reports } = setup();
    pushReads(scope, PENDING, "added");
    scope.post(`${R}/check-runs`, (b: any) => b.name === APPLY_CHECK_NAME && b.head_sha === AFTER).reply(201, { id: 77 });
    freshReceiptNotes(scope, { records: false, repo: R });
    scope.patch(`${R}/check-runs/77`, (b: any) => b.status === "completed" && b.output.title === "1 skipped").reply(200, { id: 77 });
    await probot.receive({ id: "d1", name: "push", payload: payload() as never });
    expect(local.calls).toEqual([]); // nothing granted at the push: the window starts at 13:00
    expect(timers.pending("Codertocat", "Hello-World")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T15:00:00Z" }]);

    // GitHub redelivers the push: its apply run is completed, so nothing is done again.
    pushReads(scope, PENDING, "added", { id: 77, status: "COMPLETED" });
    await probot.receive({ id: "d2", name: "push", payload: payload() as never });
    expect(timers.pending("Codertocat", "Hello-World")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T15:00:00Z" }]);

    tipReply(scope, blobId(PENDING));
    await runTo(clock, timers, ENDS - 1);
    expect(local.calls).toEqual([]);
    await runTo(clock, timers, ENDS);
    scope.done();
    expect(local.calls).toEqual([{ op: "revoke", path: ERIN, principal: "erin-contractor" }]);
    expect(reports.map((r) => [r.path, r.at - r.expiresAt])).toEqual([[ERIN, 0]]);
  });

  it("an edit moving starts_at later ends the running window now and schedules the end of the later one", async () => {
    const { local, clock, timers, probot, scope } = setup();
    pushReads(scope, PENDING, "modified");
    scope.post(`${R}/check-runs`).reply(201, { id: 78 });
    freshReceiptNotes(scope, { records: false, repo: R });
    scope.patch(`${R}/check-runs/78`, (b: any) => b.status === "completed").reply(200, { id: 78 });
    await probot.receive({ id: "d3", name: "push", payload: payload() as never });
    expect(local.calls.map((c) => c.op)).toEqual(["revoke"]);
    expect(timers.pending("Codertocat", "Hello-World")).toEqual([{ path: ERIN, expiresAt: "2026-03-02T15:00:00Z" }]);
    tipReply(scope, blobId(PENDING));
    await runTo(clock, timers, ENDS);
    scope.done();
    expect(local.calls.map((c) => c.op)).toEqual(["revoke", "revoke"]);
  });
});
