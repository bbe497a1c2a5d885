// Issue 10 item 7's measure: a burst of 100 self-service PRs and the 100 pushes of their
// merges, all delivered to the app at once, on a GitHub stand-in (nock, 20 ms per call,
// GitHub's secondary limit past 100 calls in flight, and the first 10 writes refused with
// a secondary rate limit to show the app waits instead of failing). The local ledger is a
// real file. Figures: GitHub calls per PR and per push, p95 latency, peak memory, grants
// lost, check runs per head and merge attempts per PR; the baseline is the same 200
// deliveries one at a time, in the same run.
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import nock from "nock";
import type { Probot } from "probot";
import { ProcessProviders } from "../src/app/providers.js";
import { providersForApply } from "../src/operations/apply-providers.js";
import { readLedger } from "../src/providers/local.js";
import { makeProbot, pullRequestEvent, receive } from "../test/helpers/app.js";
import { OWNER, REPO, sha, standIn } from "./github-standin.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
const PUSH = examples.find((e) => e.name === "push")!.examples.find((p) => p.installation && !p.deleted)!;

const BURST = Number(process.env.BURST_N ?? 100);
/** The baseline, one delivery at a time, is shorter: its per-delivery figures do not depend on the count. */
const BASELINE = Number(process.env.BURST_BASELINE_N ?? 20);
/** PRs (and pushes) each delivered to two replicas in the replicated run. */
const REPLICATED = Number(process.env.BURST_REPLICATED_N ?? 50);
const NOW = new Date("2026-11-30T10:00:00Z");
const LATENCY_MS = 20;

function files(N: number): Record<string, string> {
  return {
    "access/catalog.yaml": "resources:\n  staging:\n    sensitivity: low\n    max_duration: 8h\n    provider: local\n    target: { name: staging }\n",
    "access/policy.yaml": "tiers:\n  - name: self-service\n    match: { sensitivity: [low], max_duration: 4h }\n    approvals: 0\n",
    "access/identities.yaml": `users:\n${Array.from({ length: N }, (_, i) => `  user${i}:\n    local: user${i}\n`).join("")}`,
    ".github/CODEOWNERS": "* @acme/platform\n",
  };
}

function pushEvent(i: number) {
  const p = structuredClone(PUSH);
  Object.assign(p, { ref: "refs/heads/main", before: sha("before", i), after: sha("after", i), created: false, deleted: false, installation: { ...p.installation, id: 4242 } });
  p.repository = { ...p.repository, name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", owner: { ...p.repository.owner, login: OWNER, name: OWNER } };
  p.head_commit = { ...p.head_commit, id: sha("after", i), timestamp: NOW.toISOString() };
  return { name: "push", payload: p };
}

interface Run {
  wallMs: number;
  prP95: number;
  pushP95: number;
  callsPerPr: number;
  callsPerPush: number;
  convergeCallsPerPush: number;
  peakRssMb: number;
  peakHeapMb: number;
  lost: number;
  runsPerHead: number;
  applyRunsPerPush: number;
  mergesPerPr: number;
  limited: number;
  overLimit: number;
  peakInFlight: number;
  failedDeliveries: number;
}

const p95 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1] ?? 0;

async function burst(concurrent: boolean, N: number, replicas = 1): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "gitgrant-burst-"));
  const ledgerPath = join(dir, "ledger.json");
  const base = files(N);
  const pulls = new Map<number, { path: string; text: string; head: string; author: string }>();
  const pushes = new Map<string, { before: string; number: number }>();
  for (let i = 0; i < N; i++) {
    pulls.set(100 + i, { path: `access/requests/staging/user${i}.yaml`, text: `reason: Deploy the hotfix for INC-${i} to staging\nduration: 2h\n`, head: sha("head", i), author: `user${i}` });
    pushes.set(sha("after", i), { before: sha("before", i), number: 100 + i });
  }
  const gh = standIn({ files: base, pulls, pushes, latencyMs: LATENCY_MS, limitFirstWrites: Math.min(10, N) });
  // Waits for a rate limit are real here (1 s, as the stand-in asks): the bench measures them.
  // Each replica is its own app (own in-process state and providers), as separate processes are;
  // claims on GitHub (refs/gitgrant/claims/) are what they share. Their waits are real sleeps.
  const probots: Probot[] = [];
  for (let r = 0; r < replicas; r++) {
    probots.push(await makeProbot(NOW, { claims: {}, ...(process.env.BURST_MAX ? { outbound: { maxConcurrent: Number(process.env.BURST_MAX) } } : {}), processProviders: new ProcessProviders((o) => providersForApply({ ...o, local: { ledgerPath, now: () => NOW } })) }));
  }
  const deliveries: Array<{ kind: "pr" | "push"; probot: Probot; event: { name: string; payload: Record<string, any> } }> = [];
  for (let i = 0; i < N; i++) {
    for (const probot of probots) {
      deliveries.push({ kind: "pr", probot, event: pullRequestEvent("opened", { number: 100 + i, author: `user${i}`, head: sha("head", i), changedFiles: 1 }) });
      deliveries.push({ kind: "push", probot, event: pushEvent(i) });
    }
  }
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 5);
  const debug = process.env.BURST_DEBUG ? setInterval(() => console.error(JSON.stringify({ calls: gh.calls, inFlight: gh.inFlight, limited: gh.limited, done: latency.pr.length + latency.push.length })), 1000) : undefined;
  const latency = { pr: [] as number[], push: [] as number[] };
  let failed = 0;
  const one = async (d: (typeof deliveries)[number]) => {
    const t = performance.now();
    await receive(d.probot, d.event).catch((err: Error) => (failed++, process.env.BURST_DEBUG && console.error(d.kind, err.message)));
    latency[d.kind].push(performance.now() - t);
  };
  const t0 = performance.now();
  if (concurrent) await Promise.all(deliveries.map(one));
  else for (const d of deliveries) await one(d);
  const wallMs = performance.now() - t0;
  clearInterval(timer);
  if (debug) clearInterval(debug);
  sample();
  const ledger = await readLedger(ledgerPath);
  const granted = Object.keys(ledger.grants).length;
  const byHead = new Map<string, number>();
  const applyRuns = new Map<string, number>();
  for (const r of gh.checkRuns.values()) {
    if (r.name === "gitgrant") byHead.set(r.head, (byHead.get(r.head) ?? 0) + 1);
    else applyRuns.set(r.head, (applyRuns.get(r.head) ?? 0) + 1);
  }
  const merges = [...gh.mergeAttempts.values()].reduce((a, b) => a + b, 0);
  gh.done();
  await rm(dir, { recursive: true, force: true });
  return {
    wallMs,
    prP95: p95(latency.pr),
    pushP95: p95(latency.push),
    callsPerPr: gh.calls.pr / N,
    callsPerPush: gh.calls.push / N,
    convergeCallsPerPush: gh.calls.converge / N,
    peakRssMb: peakRss / 2 ** 20,
    peakHeapMb: peakHeap / 2 ** 20,
    lost: N - granted,
    runsPerHead: Math.max(0, ...byHead.values()),
    applyRunsPerPush: Math.max(0, ...applyRuns.values()),
    mergesPerPr: merges / N,
    limited: gh.limited,
    overLimit: gh.overLimit,
    peakInFlight: gh.peakInFlight,
    failedDeliveries: failed,
  };
}

export async function run(): Promise<void> {
  nock.disableNetConnect();
  try {
    const baseline = await burst(false, BASELINE);
    const load = await burst(true, BURST);
    // Every PR and push delivered to two replicas at once (GitHub's redelivery, or a load balancer's retry).
    const twice = await burst(true, REPLICATED, 2);
    const row = (label: string, f: (r: Run) => string, target = "") => console.log(`  ${label.padEnd(36)} ${f(load).padEnd(14)} ${f(twice).padEnd(14)} ${f(baseline).padEnd(14)} ${target}`);
    console.log(`${BURST} self-service PRs and the ${BURST} pushes of their merges, all at once; ${REPLICATED} + ${REPLICATED} each delivered to 2 replicas at once; beside ${BASELINE} + ${BASELINE} one at a time (GitHub stand-in on nock, ${LATENCY_MS} ms per call, 10 writes answered with a secondary rate limit, retry-after: 1; claims on):`);
    console.log(`  ${"".padEnd(36)} ${"all at once".padEnd(14)} ${"2 replicas".padEnd(14)} ${"one at a time".padEnd(14)} target`);
    row("GitHub calls per PR", (r) => r.callsPerPr.toFixed(2), "<= 5");
    row("GitHub calls per push (fast apply)", (r) => r.callsPerPush.toFixed(2), "<= 5");
    row("  + its convergence at the tip", (r) => r.convergeCallsPerPush.toFixed(2), "");
    row("p95 latency per PR delivery (ms)", (r) => r.prP95.toFixed(0));
    row("p95 latency per push delivery (ms)", (r) => r.pushP95.toFixed(0));
    row("wall time for all deliveries (ms)", (r) => r.wallMs.toFixed(0));
    row("peak RSS (MB)", (r) => r.peakRssMb.toFixed(0));
    row("peak heap used (MB)", (r) => r.peakHeapMb.toFixed(0));
    row("grants lost (local ledger)", (r) => String(r.lost), "0");
    row("most gitgrant check runs on one head", (r) => String(r.runsPerHead), "1");
    row("most gitgrant/apply runs on one push", (r) => String(r.applyRunsPerPush), "1");
    row("merge attempts per PR", (r) => r.mergesPerPr.toFixed(2), "1");
    row("most GitHub calls in flight at once", (r) => String(r.peakInFlight), "<= 100");
    row("calls refused for concurrency (>100)", (r) => String(r.overLimit), "0");
    row("rate-limited writes, waited and retried", (r) => String(r.limited));
    row("deliveries that failed", (r) => String(r.failedDeliveries), "0");
    console.log("  (the installation token is one call per installation per hour, not counted; Probot's own throttling is off here as in the tests: see README)");
  } finally {
    nock.cleanAll();
    nock.enableNetConnect();
  }
}
