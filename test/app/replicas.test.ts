// Issue 10 item 7 across replicas: two app processes (two Probot apps, each with its own
// in-process state) receive the same delivery against one GitHub. A claim ref
// (POST /git/refs, 422 "Reference already exists" to the loser) decides who publishes the
// `gitgrant` run and merges, and who applies a push under `gitgrant/apply`; the loser reuses
// the winner's run; a claim whose holder died is taken over by compare-and-swap. Real webhook
// payloads, GitHub on nock, sleeps injected (they wait for the test's events, never the clock).
import nock from "nock";
import type { Probot } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLAIMS_PREFIX, CLAIM_WAITS, claimRef } from "../../src/app/claims.js";
import { APPLY_CHECK_NAME, makePushHandler } from "../../src/app/handlers/push.js";
import { APP_ID, BASE, HEAD, OWNER, R, REPO, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, settle } from "../helpers/app.js";
import { RecordingProvider } from "../helpers/providers.js";
import { freshReceiptNotes } from "../helpers/github-replies.js";
import { org, request } from "../helpers/orgs.js";
import { CONFIG_PATHS, PUSH_REPO as PR, blobId, pushPayload as payloadOf, pushProbot } from "../helpers/push-app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/staging-deploy/alice.yaml";
const EXISTS = { message: "Reference already exists", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference", status: "422" };

/** A promise the test resolves when GitHub has answered something (the winner's write). */
function signal(): { wait: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const wait = new Promise<void>((r) => (fire = r));
  return { wait, fire };
}

/** GitHub's refs: POST /git/refs creates each ref once; the second create of a name gets 422. */
function refs(scope: nock.Scope, times: number, seen: Array<{ ref: string; sha: string }>, repo = R) {
  const made = new Set<string>();
  scope
    .post(`${repo}/git/refs`, (b: any) => String(b.ref).startsWith(CLAIMS_PREFIX))
    .times(times)
    .reply((_uri, body: any) => {
      seen.push(body);
      if (made.has(body.ref)) return [422, EXISTS];
      made.add(body.ref);
      return [201, { ref: body.ref, node_id: "REF_1", url: `https://api.github.com${repo}/git/${body.ref}`, object: { type: "commit", sha: body.sha, url: "" } }];
    });
}

/** What another replica published for this head (its run 900 and merge): the fingerprint of its verdict. */
async function publishedElsewhere(check: ReturnType<typeof capture>): Promise<string> {
  const other = await makeProbot();
  const gh = github();
  contextReply(gh, { labels: [] });
  filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
  gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
  gh.post(`${R}/issues/7/labels`).reply(200, []);
  gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
  await receive(other, pullRequestEvent("opened", { author: "alice" }));
  return check.bodies[check.bodies.length - 1].external_id;
}

describe("two replicas, one pull request head", () => {
  it("the same delivery to two app processes at once: one claim wins, one check run POST, one merge PUT; the loser reuses the winner's run", async () => {
    const created = signal();
    const delays: number[] = [];
    // Each replica's lost claim waits until GitHub has the winner's run (no wall clock).
    const claims = {
      sleep: async (ms: number) => {
        delays.push(ms);
        await created.wait;
      },
    };
    const [a, b] = [await makeProbot(undefined, { claims }), await makeProbot(undefined, { claims })];
    const gh = github();
    gh.post(`/app/installations/4242/access_tokens`).reply(201, { token: "ghs_test2", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" });
    const claimed: Array<{ ref: string; sha: string }> = [];
    const check = capture();
    contextReply(gh, { labels: [] });
    contextReply(gh, { labels: [] });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    refs(gh, 2, claimed);
    gh.post(`${R}/check-runs`, check.push).reply(201, () => (setImmediate(created.fire), { id: 900 }));
    gh.post(`${R}/issues/7/labels`).times(2).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "Pull Request successfully merged" });
    // The loser's look: gitgrant's runs named "gitgrant" on the head, over REST.
    gh.get(`${R}/commits/${HEAD}/check-runs`)
      .query({ check_name: "gitgrant", filter: "all", per_page: "100", app_id: String(APP_ID) })
      .reply(200, () => ({ total_count: 1, check_runs: [{ id: 900, name: "gitgrant", head_sha: HEAD, status: "completed", conclusion: "success", external_id: check.bodies[0].external_id, started_at: "2026-11-30T10:00:00Z", app: { id: APP_ID } }] }));

    const event = pullRequestEvent("opened", { author: "alice" });
    await Promise.all([receive(a, event), receive(b, event)]);

    gh.done();
    expect(check.bodies).toHaveLength(1);
    // Both claimed the same step (the head's first run), at the base commit; one wait, then the winner's run was there.
    expect(claimed).toHaveLength(2);
    expect(claimed[0]).toEqual({ ref: claimRef("pr", `${OWNER}/${REPO}@${HEAD}#7: the first run`), sha: BASE });
    expect(claimed[1]).toEqual(claimed[0]);
    expect(delays).toEqual([CLAIM_WAITS[0]]);
  });

  it("a delivery that reads the run another replica published 5 s ago, same verdict, PR still open: it leaves the merge to that publisher (no claim, no PUT)", async () => {
    const check = capture();
    const probot = await makeProbot(undefined, { claims: { sleep: async () => {} } });
    const gh = github();
    const externalId = await publishedElsewhere(check);

    contextReply(gh, { labels: ["access:self-service"], checkRun: { id: 900, externalId, completedAt: "2026-11-30T09:59:55Z" } });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    await receive(probot, pullRequestEvent("synchronize", { author: "alice" }));
    gh.done();
    expect(check.bodies).toHaveLength(1);
  });

  it("the same verdict completed 2 minutes ago and the PR still open: that merge did not happen, so this delivery claims the step and merges", async () => {
    const probot = await makeProbot(undefined, { claims: { sleep: async () => {} } });
    const externalId = await publishedElsewhere(capture());

    const gh = github();
    const claimed: Array<{ ref: string; sha: string }> = [];
    contextReply(gh, { labels: ["access:self-service"], checkRun: { id: 900, externalId, completedAt: "2026-11-30T09:58:00Z" } });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    refs(gh, 1, claimed);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("synchronize", { author: "alice" }));
    gh.done();
    expect(claimed[0]!.ref).toBe(claimRef("pr", `${OWNER}/${REPO}@${HEAD}#7: after run 900 showing ${externalId}`));
  });

  it("a claim whose holder died before its check run: the next delivery waits, takes the claim over by compare-and-swap, publishes and merges", async () => {
    const delays: number[] = [];
    const probot = await makeProbot(undefined, { claims: { sleep: async (ms: number) => void delays.push(ms) } });
    const gh = github();
    const ref = claimRef("pr", `${OWNER}/${REPO}@${HEAD}#7: the first run`);
    contextReply(gh, { labels: [] });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    gh.post(`${R}/git/refs`, { ref, sha: BASE }).reply(422, EXISTS);
    // Every look finds no run: the holder never wrote.
    gh.get(`${R}/commits/${HEAD}/check-runs`).query(true).times(CLAIM_WAITS.length).reply(200, { total_count: 0, check_runs: [] });
    const short = ref.slice("refs/".length);
    gh.get(`${R}/git/ref/${short}`).reply(200, { ref, node_id: "REF_1", url: "", object: { type: "commit", sha: BASE, url: "" } });
    gh.get(`${R}/git/commits/${BASE}`).reply(200, { sha: BASE, tree: { sha: "e".repeat(40) }, parents: [], message: "base" });
    gh.post(`${R}/git/commits`, (b: any) => b.tree === "e".repeat(40) && b.parents.length === 1 && b.parents[0] === BASE).reply(201, { sha: "f".repeat(40), tree: { sha: "e".repeat(40) }, parents: [{ sha: BASE }] });
    gh.patch(`${R}/git/refs/${short}`, { sha: "f".repeat(40), force: false }).reply(200, { ref, object: { type: "commit", sha: "f".repeat(40) } });
    gh.post(`${R}/check-runs`).reply(201, { id: 901 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "Pull Request successfully merged" });

    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(delays).toEqual(CLAIM_WAITS);
  });

  it("of two takers-over at once only the first fast-forward succeeds; the second is refused (422) and takes nothing", async () => {
    const { takeOver } = await import("../../src/app/claims.js");
    const { gitHub } = await import("../../src/github/octokit.js");
    const { Octokit } = await import("@octokit/rest");
    const api = gitHub(new Octokit({ auth: "ghs_test", log: { debug() {}, info() {}, warn() {}, error() {} } }));
    const ref = `${CLAIMS_PREFIX}pr/${"1".repeat(64)}`;
    const short = ref.slice("refs/".length);
    const scope = nock("https://api.github.com");
    scope.get(`${R}/git/ref/${short}`).times(2).reply(200, { ref, object: { type: "commit", sha: BASE } });
    scope.get(`${R}/git/commits/${BASE}`).times(2).reply(200, { sha: BASE, tree: { sha: "e".repeat(40) }, parents: [] });
    scope.post(`${R}/git/commits`).reply(201, { sha: "7".repeat(40) }).post(`${R}/git/commits`).reply(201, { sha: "8".repeat(40) });
    scope.patch(`${R}/git/refs/${short}`, { sha: "7".repeat(40), force: false }).reply(200, { ref, object: { sha: "7".repeat(40) } });
    scope.patch(`${R}/git/refs/${short}`, { sha: "8".repeat(40), force: false }).reply(422, { message: "Update is not a fast forward", status: "422" });
    const env = { api, where: { owner: OWNER, repo: REPO } };
    const first = await takeOver(env, ref, BASE);
    const second = await takeOver(env, ref, BASE);
    scope.done();
    expect([first, second]).toEqual([true, false]);
  });
});

// ---- pushes ----

const BEFORE = "1".repeat(40);
const AFTER = "2".repeat(40);
const NOW = new Date("2026-03-02T10:00:05Z");
const ERIN = "access/requests/staging-deploy/erin.yaml";
const files = org("apply").files();

const pushPayload = () => payloadOf({ before: BEFORE, after: AFTER });

function pushReplica(local: RecordingProvider, claims: { sleep: (ms: number) => Promise<void> }): Probot {
  return pushProbot(makePushHandler({ now: () => NOW, appId: 123, providers: () => ({ local }), claims, converge: false }));
}

/** compare + the one GraphQL read of the push; `run`: gitgrant's apply run on the commit already. */
function pushReads(scope: nock.Scope, times: number, run?: { id: number; status: string; startedAt: string }) {
  scope.get(`${PR}/compare/${BEFORE}...${AFTER}`).query({ per_page: "1" }).times(times).reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: ERIN, status: "added", additions: 2, deletions: 0, changes: 2 }] });
  scope
    .post("/graphql", (b: any) => String(b.query).includes("query gitgrantPush") && String(b.query).includes("startedAt") && b.variables.after === AFTER)
    .times(times)
    .reply(200, {
      data: {
        repository: {
          ...Object.fromEntries([...CONFIG_PATHS.map((p) => files[p]), request("2h")].map((t, k) => [`f${k}`, t === undefined ? null : { oid: blobId(t), text: t, isBinary: false, isTruncated: false }])),
          pushed: { checkSuites: { nodes: run ? [{ app: { databaseId: 123 }, checkRuns: { nodes: [{ databaseId: run.id, status: run.status, startedAt: run.startedAt }] } }] : [] }, associatedPullRequests: { nodes: [] } },
        },
      },
    });
}

function pushGitHub(tokens: number) {
  const scope = nock("https://api.github.com");
  scope.post("/app/installations/1/access_tokens").times(tokens).reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: {} });
  return scope;
}

describe("two replicas, one push", () => {
  it("the same push delivered to two app processes at once: one gitgrant/apply run, one apply; the loser finds the winner's run at work and leaves it", async () => {
    const created = signal();
    const [l1, l2] = [new RecordingProvider("local"), new RecordingProvider("local")];
    const sleep = async () => created.wait;
    const [a, b] = [pushReplica(l1, { sleep }), pushReplica(l2, { sleep })];
    const scope = pushGitHub(2);
    const claimed: Array<{ ref: string; sha: string }> = [];
    pushReads(scope, 2);
    refs(scope, 2, claimed, PR);
    const runs = capture();
    scope.post(`${PR}/check-runs`, runs.push).reply(201, () => (setImmediate(created.fire), { id: 4242 }));
    scope
      .get(`${PR}/commits/${AFTER}/check-runs`)
      .query({ check_name: APPLY_CHECK_NAME, filter: "all", per_page: "100", app_id: "123" })
      .reply(200, { total_count: 1, check_runs: [{ id: 4242, name: APPLY_CHECK_NAME, head_sha: AFTER, status: "in_progress", conclusion: null, external_id: "", started_at: "2026-03-02T10:00:05Z" }] });
    freshReceiptNotes(scope, { records: false, repo: PR });
    scope.patch(`${PR}/check-runs/4242`, (body: any) => body.conclusion === "success").reply(200, { id: 4242 });

    await Promise.all([a.receive({ id: "same", name: "push", payload: pushPayload() as never }), b.receive({ id: "same", name: "push", payload: pushPayload() as never })]);
    scope.done();
    expect(runs.bodies.map((r) => [r.name, r.head_sha])).toEqual([[APPLY_CHECK_NAME, AFTER]]);
    expect([...l1.calls, ...l2.calls].map((c) => c.op)).toEqual(["grant"]);
    expect(claimed.map((c) => c.sha)).toEqual([AFTER, AFTER]);
    expect(claimed[0]!.ref).toBe(claimRef("apply", `codertocat/hello-world@${AFTER}`));
  });

  it("an unfinished apply run started 2 minutes ago is another delivery at work: nothing is applied, nothing written", async () => {
    const local = new RecordingProvider("local");
    const probot = pushReplica(local, { sleep: async () => {} });
    const scope = pushGitHub(1);
    pushReads(scope, 1, { id: 4242, status: "IN_PROGRESS", startedAt: "2026-03-02T09:58:05Z" });
    await probot.receive({ id: "redelivered", name: "push", payload: pushPayload() as never });
    scope.done();
    expect(local.calls).toEqual([]);
  });

  it("an unfinished apply run started 11 minutes ago died: taken over by compare-and-swap, restarted now, applied and completed in the same run", async () => {
    const local = new RecordingProvider("local");
    const probot = pushReplica(local, { sleep: async () => {} });
    const scope = pushGitHub(1);
    pushReads(scope, 1, { id: 4242, status: "IN_PROGRESS", startedAt: "2026-03-02T09:49:05Z" });
    const ref = claimRef("apply", `codertocat/hello-world@${AFTER}`);
    const short = ref.slice("refs/".length);
    scope.get(`${PR}/git/ref/${short}`).reply(200, { ref, object: { type: "commit", sha: AFTER } });
    scope.get(`${PR}/git/commits/${AFTER}`).reply(200, { sha: AFTER, tree: { sha: "e".repeat(40) }, parents: [] });
    scope.post(`${PR}/git/commits`, (b: any) => b.parents[0] === AFTER).reply(201, { sha: "f".repeat(40) });
    scope.patch(`${PR}/git/refs/${short}`, { sha: "f".repeat(40), force: false }).reply(200, { ref, object: { sha: "f".repeat(40) } });
    scope.patch(`${PR}/check-runs/4242`, { status: "in_progress", started_at: NOW.toISOString() }).reply(200, { id: 4242 });
    freshReceiptNotes(scope, { records: false, repo: PR });
    scope.patch(`${PR}/check-runs/4242`, (body: any) => body.conclusion === "success").reply(200, { id: 4242 });
    await probot.receive({ id: "late", name: "push", payload: pushPayload() as never });
    scope.done();
    expect(local.calls.map((c) => c.op)).toEqual(["grant"]);
  });
});
