// The expiry sweep over 10,000 active grants with 100 expired, on a real git repository
// (one commit per request, as PRs land), against GitHub faked with nock at zero latency.
// Figures: wall time, and GitHub API calls, which must scale with the expired files, not
// the active ones. Baseline, measured in the same run: the naive per-file approach (one
// `git log -1 -- <file>` and one read per file), timed on a sample and extrapolated.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { Octokit } from "@octokit/rest";
import { gitHub } from "../src/github/octokit.js";
import nock from "nock";
import { LocalGitRepo } from "../src/git/local.js";
import { githubRepository } from "../src/github/changes.js";
import { expiryReport } from "../src/operations/expiry.js";
import { sweep } from "../src/operations/sweep.js";

const exec = promisify(execFile);
const RESOURCES = 50;
const NOW = new Date("2026-11-29T12:00:00Z");
const ENV = { GIT_AUTHOR_NAME: "bench", GIT_AUTHOR_EMAIL: "bench@example.com", GIT_COMMITTER_NAME: "bench", GIT_COMMITTER_EMAIL: "bench@example.com" };

/** A repository with `active` live grants and `expired` ended ones, one commit per file, via git fast-import. */
async function generate(active: number, expired: number): Promise<{ dir: string; files: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "gitgrant-bench-sweep-"));
  await exec("git", ["init", "--quiet", "--initial-branch=main", dir]);
  const total = active + expired;
  const users = Math.ceil(total / RESOURCES);
  const catalog = ["resources:"];
  for (let r = 0; r < RESOURCES; r++) catalog.push(`  res-${r}:`, "    sensitivity: low", "    max_duration: 30d", "    provider: local", `    target: { name: res-${r} }`);
  const identities = ["users:", ...Array.from({ length: users }, (_, u) => `  user-${u}: { local: user-${u} }`)];
  const policy = "tiers:\n  - name: self-service\n    match: { sensitivity: [low], max_duration: 4h }\n    approvals: 0\n  - name: reviewed\n    match: { sensitivity: [low] }\n    approvals: 1\n";
  const chunks: string[] = [];
  const blob = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let mark = 0;
  const commit = (at: number, message: string, files: Array<[string, string]>) => {
    mark++;
    chunks.push(`commit refs/heads/main\nmark :${mark}\ncommitter bench <bench@example.com> ${Math.floor(at / 1000)} +0000\n${blob(message)}`);
    if (mark > 1) chunks.push(`from :${mark - 1}\n`);
    for (const [path, text] of files) chunks.push(`M 100644 inline ${path}\n${blob(text)}`);
    chunks.push("\n");
  };
  const day = 86_400_000;
  commit(NOW.getTime() - 3 * day, "config", [
    ["access/catalog.yaml", catalog.join("\n") + "\n"],
    ["access/identities.yaml", identities.join("\n") + "\n"],
    ["access/policy.yaml", policy],
    [".github/CODEOWNERS", "* @acme/platform\n"],
  ]);
  const files: string[] = [];
  for (let i = 0; i < total; i++) {
    const path = `access/requests/res-${i % RESOURCES}/user-${Math.floor(i / RESOURCES)}.yaml`;
    const isExpired = i < expired;
    // Expired: 1h grants landed two days ago. Active: 14d grants landed over the last day.
    const at = isExpired ? NOW.getTime() - 2 * day + i * 1000 : NOW.getTime() - day + i * 1000;
    commit(at, `request ${i}`, [[path, `reason: Generated request number ${i} for the benchmark\nduration: ${isExpired ? "1h" : "14d"}\n`]]);
    files.push(path);
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn("git", ["fast-import", "--quiet"], { cwd: dir, env: { ...process.env, ...ENV }, stdio: ["pipe", "ignore", "inherit"] });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`))));
    child.stdin.end(chunks.join(""));
  });
  return { dir, files };
}

/** Sweep in GitHub mode against nock; returns wall time and the number of API calls. */
async function sweepOnGithub(dir: string): Promise<{ ms: number; calls: number; opened: number; expired: number; active: number }> {
  let calls = 0;
  let pr = 0;
  const count = <T>(body: T) => () => (calls++, body);
  nock("https://api.github.com")
    .persist()
    .get(/\/repos\/acme\/access\/pulls.*/)
    .reply(200, count([]))
    .post("/repos/acme/access/git/refs")
    .reply(201, count({}))
    .delete(/\/repos\/acme\/access\/contents\/.*/)
    .reply(200, count({}))
    .post("/repos/acme/access/pulls")
    .reply(201, () => (calls++, { number: ++pr, html_url: `https://github.com/acme/access/pull/${pr}`, created_at: NOW.toISOString() }))
    .post(/\/repos\/acme\/access\/issues\/\d+\/labels/)
    .reply(200, count([]));
  const github = { octokit: gitHub(new Octokit({ auth: "bench", log: { debug() {}, info() {}, warn() {}, error() {} } })), owner: "acme", repo: "access" };
  const t = performance.now();
  const result = await sweep({ repo: githubRepository(github, new LocalGitRepo(dir, { env: ENV })), branch: "main", now: NOW });
  const ms = performance.now() - t;
  nock.cleanAll();
  if (result.problems.length) throw new Error(`sweep problems: ${result.problems.slice(0, 3).join("; ")}`);
  const by = (s: string) => result.report.grants.filter((g) => g.status === s).length;
  return { ms, calls, opened: result.revokes.filter((r) => r.status === "opened").length, expired: by("expired"), active: by("active") };
}

/** The naive way: one `git log -1` for the landing and one read per file, on a sample. */
async function naivePerFile(dir: string, files: string[], sample: number): Promise<number> {
  const picked = files.filter((_, i) => i % Math.ceil(files.length / sample) === 0).slice(0, sample);
  const t = performance.now();
  for (const f of picked) {
    await exec("git", ["log", "-1", "--first-parent", "--format=%H %ct", "main", "--", f], { cwd: dir });
    await exec("git", ["cat-file", "blob", `main:${f}`], { cwd: dir });
  }
  return ((performance.now() - t) / picked.length) * files.length;
}

export async function run(): Promise<void> {
  nock.disableNetConnect();
  const rows: string[] = [];
  const repos: string[] = [];
  try {
    const sizes: Array<[number, number]> = [
      [10_000, 100],
      [1_000, 100],
      [10_000, 10],
    ];
    let big: { dir: string; files: string[] } | undefined;
    for (const [active, expired] of sizes) {
      const t = performance.now();
      const repo = await generate(active, expired);
      repos.push(repo.dir);
      const genMs = performance.now() - t;
      if (!big) big = repo;
      const e = performance.now();
      await expiryReport(new LocalGitRepo(repo.dir, { env: ENV }), { ref: "main", now: NOW });
      const expiryMs = performance.now() - e;
      const s = await sweepOnGithub(repo.dir);
      if (s.expired !== expired || s.active !== active || s.opened !== expired) throw new Error(`unexpected sweep: ${JSON.stringify(s)}`);
      rows.push(
        `${String(active).padStart(6)} active ${String(expired).padStart(4)} expired | generated ${genMs.toFixed(0).padStart(5)} ms | expiry from git ${expiryMs.toFixed(0).padStart(5)} ms | sweep ${s.ms.toFixed(0).padStart(5)} ms | API calls ${String(s.calls).padStart(4)} (${(s.calls / expired).toFixed(2)} per expired)`,
      );
    }
    console.log("gitgrant sweep (GitHub faked with nock, zero latency; one commit per request file):");
    for (const r of rows) console.log(`  ${r}`);
    const naive = await naivePerFile(big!.dir, big!.files, 200);
    console.log(`baseline, naive per file (git log -1 + read for each of ${big!.files.length} files; 200 timed, extrapolated): ${naive.toFixed(0)} ms`);
    console.log(`baseline, per-file over the API (one commits?path= lookup + one contents read per file; computed, not run): ${2 * big!.files.length} calls`);
    console.log("target: API calls scale with the expired (same count for 1,000 and 10,000 active), expiry from git well under the naive baseline");
  } finally {
    nock.enableNetConnect();
    await Promise.all(repos.map((d) => rm(d, { recursive: true, force: true })));
  }
}
