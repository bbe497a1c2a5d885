// The app's critical path for a one-file self-service PR, webhook to merge, with GitHub
// faked by nock: the GitHub calls it makes (and which of them the merge waits for), the
// sequential round trips (measured with a fixed fake latency per call), and the ms of the
// app's own compute per webhook at zero latency. Baselines in the same run: the core's
// evaluateChange alone on the same inputs, and the calls the same config costs over REST.
import { performance } from "node:perf_hooks";
import nock from "nock";
import { Octokit } from "@octokit/rest";
import { loadConfig } from "../src/core/config.js";
import { evaluateChange } from "../src/core/evaluate.js";
import { gitHub, type GitHub } from "../src/github/octokit.js";
import { processPullRequest } from "../src/app/process.js";
import { GitHubRepo } from "../src/github/repo.js";
import { loadConfigAt } from "../src/git/load.js";
import { PROVIDER_RULES } from "../src/providers/index.js";
import { API, BASE, BASE_FILES, HEAD, R, REQUESTS, added, contextReply, github, makeProbot, pullRequestEvent, receive } from "../test/helpers/app.js";

const FILE = "access/requests/staging-deploy/alice.yaml";
const RUNS = 200;
const LATENCY_MS = 40;

/** Every call the webhook makes answers as GitHub would; `latency` delays each reply. */
function fakeGitHub(latency: number, calls: string[]): void {
  const scope = github({ token: false }).persist();
  scope.on("request", (req: { method: string; path: string }) => calls.push(`${req.method} ${req.path.replace(/\?.*$/, "")}`));
  const d = <T extends nock.Interceptor>(i: T) => (latency ? i.delay(latency) : i);
  contextReply(scope, { labels: [] }, undefined, latency);
  d(scope.get(`${R}/pulls/7/files`).query({ per_page: "100" })).reply(200, [added(FILE, REQUESTS.selfService)]);
  d(scope.post(`${R}/check-runs`)).reply(201, { id: 900 });
  d(scope.post(`${R}/issues/7/labels`)).reply(200, []);
  d(scope.put(`${R}/pulls/7/merge`)).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
}

export async function run(): Promise<void> {
  nock.disableNetConnect();
  try {
    const probot = await makeProbot();
    const event = pullRequestEvent("opened", { author: "alice" });
    // The installation token, once (Probot keeps it for an hour).
    nock(API).post(/\/app\/installations\/\d+\/access_tokens/).reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z", permissions: {} });

    // 1. Which calls, at zero latency (also the warm-up).
    let calls: string[] = [];
    fakeGitHub(0, calls);
    await receive(probot, event);
    const oneWebhook = [...calls];

    // 2. Own compute per webhook at zero latency. One app per delivery: an app remembers the
    // heads it merged and would skip the merge of the same PR head the second time.
    calls = [];
    nock.cleanAll();
    nock(API).post(/\/app\/installations\/\d+\/access_tokens/).reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z", permissions: {} }).persist();
    fakeGitHub(0, calls);
    const apps = await Promise.all(Array.from({ length: RUNS + 1 }, () => makeProbot()));
    let t = performance.now();
    for (let i = 0; i < RUNS; i++) await receive(apps[i]!, event);
    const perWebhook = (performance.now() - t) / RUNS;
    if (calls.length !== RUNS * oneWebhook.length) throw new Error(`expected ${oneWebhook.length} calls per webhook, saw ${calls.length / RUNS}`);

    // 3. Sequential round trips: every call takes LATENCY_MS.
    nock.cleanAll();
    calls = [];
    nock(API).post(/\/app\/installations\/\d+\/access_tokens/).reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z", permissions: {} }).persist();
    fakeGitHub(LATENCY_MS, calls);
    t = performance.now();
    await receive(apps[RUNS]!, event);
    const slow = performance.now() - t;
    const roundTrips = Math.round((slow - perWebhook) / LATENCY_MS);

    // 2b. The same pipeline with GitHub in memory (no Probot, octokit or HTTP): gitgrant's own share.
    const memory = inMemoryGitHub();
    const env = { api: memory.api, where: { owner: "acme", repo: "access" }, org: "acme", now: new Date("2026-11-30T10:00:00Z"), appId: 1, log: { info() {}, warn() {}, error() {} } };
    const target = { number: 7, baseSha: BASE, headSha: HEAD, changedFiles: 1 };
    await processPullRequest(env, target);
    t = performance.now();
    for (let i = 0; i < RUNS; i++) await processPullRequest(env, target);
    const ownMs = (performance.now() - t) / RUNS;
    if (memory.merges !== RUNS + 1) throw new Error(`in-memory run merged ${memory.merges} times, expected ${RUNS + 1}`);

    // Baseline A: the core alone on the same texts (config parsed, one file judged).
    const texts = { catalog: BASE_FILES["access/catalog.yaml"]!, policy: BASE_FILES["access/policy.yaml"]!, identities: BASE_FILES["access/identities.yaml"]!, codeowners: { ".github/CODEOWNERS": BASE_FILES[".github/CODEOWNERS"] } };
    const now = new Date("2026-11-30T10:00:00Z");
    const core = () => evaluateChange({ config: loadConfig(texts, PROVIDER_RULES), changes: [{ path: FILE, change: "added", text: REQUESTS.selfService }], author: "alice", now });
    core();
    t = performance.now();
    for (let i = 0; i < RUNS; i++) core();
    const coreMs = (performance.now() - t) / RUNS;

    // Baseline B: the same rules read file by file over REST (the shared GitHubRepo path).
    nock.cleanAll();
    const restCalls: string[] = [];
    const rest = nock(API).persist();
    rest.on("request", (req: { method: string; path: string }) => restCalls.push(`${req.method} ${req.path}`));
    for (const [path, text] of Object.entries(BASE_FILES)) {
      const i = rest.get(`${R}/contents/${encodeURIComponent(path)}`).query({ ref: BASE });
      if (text === null) i.reply(404, { message: "Not Found" });
      else i.reply(200, { type: "file", encoding: "base64", content: Buffer.from(text).toString("base64"), sha: "a".repeat(40), path });
    }
    rest.get(`${R}/commits/${BASE}`).reply(200, BASE, { "content-type": "application/vnd.github.sha" });
    await loadConfigAt(new GitHubRepo({ octokit: gitHub(new Octokit({ auth: "x", log: { debug() {}, info() {}, warn() {}, error() {} } })), owner: "acme", repo: "access" }), BASE, PROVIDER_RULES);

    const mergeWaitsFor = oneWebhook.filter((c) => !c.includes("/labels"));
    console.log(`one-file self-service PR, webhook to merge (GitHub faked with nock):`);
    console.log(`  GitHub calls:                 ${oneWebhook.length} (${oneWebhook.join(", ")})`);
    console.log(`  calls the merge waits for:    ${mergeWaitsFor.length} (the label goes out beside the check run)   target: <= 4`);
    console.log(`  sequential round trips:       ${roundTrips} (${slow.toFixed(0)} ms with ${LATENCY_MS} ms per call): [GraphQL snapshot | PR files] -> check run -> merge`);
    console.log(`  installation token:           1 call per installation per hour (Probot caches it), not counted above`);
    console.log(`  compute per webhook:          ${perWebhook.toFixed(2)} ms at zero latency through Probot, octokit and nock (mean of ${RUNS})`);
    console.log(`  gitgrant's own compute:       ${ownMs.toFixed(2)} ms per webhook (the same pipeline with GitHub in memory)`);
    console.log(`baseline A, evaluateChange alone (parse the rules + judge the file): ${coreMs.toFixed(2)} ms`);
    console.log(`baseline B, the same rules over REST, one read per file: ${restCalls.filter((c) => c.includes("/contents/")).length} calls (+1 to tell a missing file from a missing ref) where the app spends 1 GraphQL call on rules, PR and check run`);
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
  }
}

/** Just the endpoints a self-service PR touches, answered from memory. */
function inMemoryGitHub(): { api: GitHub; merges: number } {
  const state = { merges: 0 };
  const files = [added(FILE, REQUESTS.selfService)];
  const blob = (text: string | null) => (text === null ? null : { text, isBinary: false, isTruncated: false });
  const snapshot = {
    repository: {
      pullRequest: { id: "PR_7", number: 7, title: "staging", body: "", isDraft: false, state: "OPEN", headRefOid: HEAD, headRefName: "request", baseRefName: "main", changedFiles: 1, isCrossRepository: false, author: { __typename: "User", login: "alice" }, labels: { nodes: [{ name: "access:self-service" }] } },
      head: { checkSuites: { nodes: [] } },
      defaultBranchRef: { name: "main" },
      // The rest of the context query's answer, as GitHub gives it for this PR.
      mergeQueue: null,
      baseTip: { target: { oid: BASE } },
      headAccess: null,
      baseRequests: null,
      ...Object.fromEntries(["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"].map((p, i) => [`c${i}`, blob(BASE_FILES[p] ?? null)])),
    },
  };
  const listFiles = async () => ({ data: files });
  const api = {
    graphql: async () => structuredClone(snapshot),
    paginate: async (fn: unknown) => (fn === listFiles ? files : []),
    request: async () => ({ data: {} }),
    rest: {
      pulls: { listFiles, merge: async () => (state.merges++, { data: { merged: true, sha: "d".repeat(40), message: "merged" } }) },
      checks: { create: async () => ({ data: { id: 900 } }), update: async () => ({ data: {} }) },
      issues: { addLabels: async () => ({ data: [] }), removeLabel: async () => ({ data: [] }) },
    },
  } as unknown as GitHub;
  return {
    api,
    get merges() {
      return state.merges;
    },
  };
}
