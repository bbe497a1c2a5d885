// Audit at scale: a repository with 100,000 commits of grants, extensions and revokes (built
// with git fast-import in seconds), then `gitgrant audit --format json` beside plain
// `git log --name-status` over the same repository, in the same run. Target: within 2x.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fromDist } from "./dist.js";
import { evidenceMessage } from "../src/core/trailers.js";

const COMMITS = Number(process.env.BENCH_AUDIT_COMMITS ?? 100_000);
const RESOURCES = 50;
const USERS = 400;
const START = Date.parse("2024-01-01T00:00:00Z") / 1000;

const env = { PATH: process.env.PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C", TZ: "UTC" };

/** A small deterministic PRNG (mulberry32), so every run builds the same history. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function config(): Record<string, string> {
  const catalog = ["resources:"];
  for (let r = 0; r < RESOURCES; r++) {
    catalog.push(`  res-${r}:`, `    sensitivity: ${r % 3 === 0 ? "medium" : "low"}`, "    max_duration: 8h", "    provider: local", `    target: { name: res-${r} }`);
  }
  const identities = ["users:"];
  for (let u = 0; u < USERS; u++) identities.push(`  user-${u}: { local: user-${u} }`);
  const policy = `tiers:
  - name: self-service
    match: { sensitivity: [low], max_duration: 4h }
    approvals: 0
  - name: conditional
    match: { sensitivity: [low, medium] }
    approvals: 1
`;
  return {
    "access/catalog.yaml": catalog.join("\n") + "\n",
    "access/identities.yaml": identities.join("\n") + "\n",
    "access/policy.yaml": policy,
    ".github/CODEOWNERS": "* @acme/security\n",
  };
}

/** Build the repository: one config commit, then COMMITS commits of grants, extensions and revokes. */
export async function generateHistory(dir: string): Promise<{ grants: number; revokes: number; extensions: number }> {
  await git(dir, ["init", "--quiet", "--initial-branch=main"]);
  const child = spawn("git", ["fast-import", "--quiet", "--done"], { cwd: dir, env, stdio: ["pipe", "inherit", "inherit"] });
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  let chunk: string[] = [];
  let size = 0;
  const out = async (s: string) => {
    chunk.push(s);
    size += s.length;
    if (size > 1 << 20) await flush();
  };
  const flush = async () => {
    const data = chunk.join("");
    chunk = [];
    size = 0;
    if (!child.stdin.write(data)) await new Promise((r) => child.stdin.once("drain", r));
  };
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const commit = async (n: number, time: number, author: string, message: string, ops: string) => {
    await out(`commit refs/heads/main\nmark :${n}\nauthor ${author} <${author}@example.com> ${time} +0000\ncommitter ${author} <${author}@example.com> ${time} +0000\n${data(message)}${n > 1 ? `from :${n - 1}\n` : ""}${ops}`);
  };

  let ops = "";
  for (const [path, text] of Object.entries(config())) ops += `M 100644 inline ${path}\n${data(text)}`;
  await commit(1, START, "admin", "Set up the access repository", ops);

  const rand = prng(42);
  const present = new Map<string, number>(); // path -> PR number that granted it
  const list: string[] = [];
  const counts = { grants: 0, revokes: 0, extensions: 0 };
  for (let i = 0; i < COMMITS; i++) {
    const n = i + 2;
    const time = START + 600 + i * 120;
    const pr = i + 1;
    const roll = rand();
    // Keep the number of files on the branch around a few thousand: grant more when few are present.
    if (list.length > 0 && (roll < 0.45 || list.length > 4000)) {
      const k = Math.floor(rand() * list.length);
      const path = list[k]!;
      list[k] = list[list.length - 1]!;
      list.pop();
      present.delete(path);
      counts.revokes++;
      const reason = rand() < 0.8 ? "expired" : "relinquished";
      const msg = evidenceMessage(`Revoke ${path}`, "", { grants: [], revokes: [{ path, reason }], approvedBy: [], pullRequest: pr });
      await commit(n, time, "gitgrant[bot]", msg, `D ${path}\n`);
      continue;
    }
    let path: string;
    let extension = false;
    if (list.length > 0 && roll > 0.92) {
      path = list[Math.floor(rand() * list.length)]!;
      extension = true;
      counts.extensions++;
    } else {
      do path = `access/requests/res-${Math.floor(rand() * RESOURCES)}/user-${Math.floor(rand() * USERS)}.yaml`;
      while (present.has(path));
      present.set(path, pr);
      list.push(path);
      counts.grants++;
    }
    const resource = Number(/res-(\d+)/.exec(path)![1]);
    const hours = 1 + Math.floor(rand() * 4);
    const tier = resource % 3 === 0 ? "conditional" : "self-service";
    const user = /\/(user-\d+)\.yaml$/.exec(path)![1]!;
    const text = `reason: Generated request ${i} for the audit benchmark${extension ? " (more time)" : ""}\nduration: ${hours}h\nticket: INC-${i}\n`;
    const handMerged = rand() < 0.01;
    const msg = handMerged
      ? `Add ${path}`
      : evidenceMessage(`Grant ${path} (#${pr})`, "", { grants: [{ path, requester: user, tier }], revokes: [], approvedBy: tier === "conditional" ? ["approver-1"] : [], pullRequest: pr });
    await commit(n, time, handMerged ? user : "gitgrant[bot]", msg, `M 100644 inline ${path}\n${data(text)}`);
  }
  await out("done\n");
  await flush();
  child.stdin.end();
  if ((await closed) !== 0) throw new Error("git fast-import failed");
  await git(dir, ["reset", "--quiet", "--hard", "main"]);
  return counts;
}

function git(dir: string, args: string[], sink = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: dir, env, stdio: ["ignore", sink ? "pipe" : "inherit", "inherit"] });
    let bytes = 0;
    child.stdout?.on("data", (d: Buffer) => (bytes += d.length));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(bytes) : reject(new Error(`git ${args.join(" ")} exited ${code}`))));
  });
}

async function best(fn: () => Promise<number>, runs = 3): Promise<{ ms: number; value: number }> {
  let ms = Infinity;
  let value = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, value };
}

export async function run(): Promise<void> {
  // The built code, as `npx gitgrant audit` runs it.
  const { runAudit } = await fromDist<typeof import("../src/cli/commands/audit.js")>("cli/commands/audit.js");
  const dir = await mkdtemp(join(tmpdir(), "gitgrant-bench-audit-"));
  try {
    const t = performance.now();
    const counts = await generateHistory(dir);
    console.log(`generated ${COMMITS + 1} commits (${counts.grants} grants, ${counts.extensions} extensions, ${counts.revokes} revokes) with git fast-import in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const baseline = () => git(dir, ["log", "--name-status"], true);
    let outBytes = 0;
    const io = { out: (s: string) => void (outBytes += s.length + 1), err: (s: string) => console.error(s), cwd: dir, env: {} };
    const ours = async () => {
      outBytes = 0;
      const r = await runAudit({ repo: dir, ref: "HEAD", format: "json", now: "2026-01-01T00:00:00Z" }, io);
      return r.lives.length;
    };
    await baseline(); // warm the object cache for both
    const measure = async (label: string) => {
      const b = await best(baseline);
      const g = await best(ours);
      console.log(`${label}`);
      console.log(`  plain git log --name-status:   ${b.ms.toFixed(0)} ms  (${(b.value / 1e6).toFixed(1)} MB of output)`);
      console.log(`  gitgrant audit --format json:  ${g.ms.toFixed(0)} ms  (${g.value} grant lives, ${(outBytes / 1e6).toFixed(1)} MB of JSON lines)`);
      console.log(`  ratio audit/git log: ${(g.ms / b.ms).toFixed(2)}x  (target: within 2x)`);
    };
    await measure("as generated (no commit-graph, like a fresh clone):");
    // git maintenance / gc write a commit-graph; with it, the walk git does before the oldest
    // commit can be printed (--reverse) takes a few ms instead of a few hundred.
    await git(dir, ["commit-graph", "write", "--reachable"]);
    await measure("with a commit-graph (git maintenance, gc):");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
