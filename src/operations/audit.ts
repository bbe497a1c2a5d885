// The audit reader: one streaming `git log` over the default branch, file texts from one
// long-lived `git cat-file --batch`, and the pure LivesBuilder. Catalog, policy and
// identities are tracked through the same log, so every grant is judged with the config of
// its commit's parent, as the app judged it, without reading any tree. The log has no
// pathspec (see git/log.ts logArgs); commits that touch neither requests nor config are
// skipped here.
import { REQUESTS_DIR } from "../core/config.js";
import { LocalGitRepo, ShallowCloneError } from "../git/local.js";
import { CatFile } from "../git/catfile.js";
import { CONFIG_PATHS, ConfigVersions } from "../core/config-versions.js";
import { streamLog } from "../git/log.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { Git, type GitRunOptions } from "../git/run.js";
import { LivesBuilder } from "../core/lives.js";
import { readCommitTrailers } from "../core/commit-trailers.js";
import { Slot } from "../core/slot.js";
import type { AuditResult, CommitInfo, LogCommit } from "../core/audit-types.js";
import { judgeProvenance, type Provenance } from "../core/provenance.js";
import { loadConfigAt } from "../git/load.js";
import { readSignatures, trustHome } from "../git/signatures.js";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_ROOT } from "./package-root.js";

export interface ReadOptions extends GitRunOptions {
  /** The repository (a clone with full history of the default branch). */
  dir: string;
  /** The default branch, or a commit on it; default HEAD. */
  ref?: string;
  /** Public keys to trust besides access/trust/*.asc at the head (an auditor's own copy of GitHub's key). */
  trustKeys?: Array<{ path: string; text: string }>;
  /** Trust GitHub's web-flow key for the app's merges (default true; `audit --no-github-key` turns it off). */
  githubKey?: boolean;
  gpgBinary?: string;
}

export const TRUST_DIR = "access/trust";

/** GitHub's published web-flow signing keys (https://github.com/web-flow.gpg), shipped in keys/. */
export const GITHUB_WEB_FLOW_KEY_FILE = join(PACKAGE_ROOT, "keys", "github-web-flow.asc");
/** Their fingerprints: the key in service since 2024-01-16, and the one it replaced. */
export const GITHUB_WEB_FLOW_FINGERPRINTS = ["968479A1AFF927E37D1A566BB5690EEEBB952194", "5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23"] as const;

async function githubWebFlowKey(): Promise<{ path: string; text: string }> {
  return { path: "GitHub's web-flow key (shipped with gitgrant)", text: await readFile(GITHUB_WEB_FLOW_KEY_FILE, "utf8") };
}

const REQUESTS_PREFIX = `${REQUESTS_DIR}/`;
/** Commits parsed ahead of the one being assembled, so git, cat-file and Node work at once. */
const AHEAD = 1024;

interface Pending {
  commit: LogCommit;
  /** Config version of the commit's parent. */
  version: number;
  texts: Array<Slot<string | null> | null>;
  requestedAt: Slot<Date>;
}

export async function readAudit(opts: ReadOptions): Promise<AuditResult> {
  const repo = new LocalGitRepo(opts.dir, { gitBinary: opts.gitBinary, env: opts.env });
  const head = await repo.resolve(opts.ref ?? "HEAD");
  const git = new Git(opts.dir, opts);
  if ((await git.text(["rev-parse", "--is-shallow-repository"])).trim() === "true") {
    // The oldest commit of a shallow clone would look like it granted everything at once.
    throw new ShallowCloneError("the audit");
  }

  const { judge, problems: trustProblems } = await provenanceJudge(repo, head, opts);
  const cat = new CatFile(opts);
  const builder = new LivesBuilder();
  const versions = new ConfigVersions(PROVIDER_RULES);
  const limit = semaphore(4);
  const queue: Pending[] = [];
  let commits = 0;
  const isReady = (p: Pending) => p.requestedAt.done && versions.isReady(p.version) && p.texts.every((t) => !t || t.done);
  const arrive = async (p: Pending) => {
    await p.requestedAt.wait();
    await versions.ready(p.version);
    for (const t of p.texts) if (t) await t.wait();
  };
  const assemble = (p: Pending) => {
    const { commit } = p;
    const info: CommitInfo = {
      sha: commit.sha,
      landedAt: commit.committedAt,
      requestedAt: p.requestedAt.get(),
      author: commit.author,
      trailers: readCommitTrailers(commit.message),
      provenance: judge(commit.sha),
    };
    const config = versions.configOf(p.version);
    for (let i = 0; i < commit.entries.length; i++) {
      const e = commit.entries[i]!;
      if (!e.path.startsWith(REQUESTS_PREFIX)) continue;
      if (e.status === "D") builder.remove(e.path, info, config);
      else builder.land({ path: e.path, commit: info, text: p.texts[i]!.get(), config });
    }
  };

  try {
    for await (const batch of streamLog({ dir: opts.dir, head, gitBinary: opts.gitBinary, env: opts.env })) {
      for (const all of batch) {
        const commit = relevant(all);
        if (!commit) continue;
        commits++;
        const parentVersion = versions.latest;
        const texts: Array<Slot<string | null> | null> = [];
        let configChanges: Array<[string, Slot<string | null> | null]> | null = null;
        for (const e of commit.entries) {
          const text = e.status === "D" ? null : cat.readSlot(e.newBlob);
          texts.push(text);
          if (!e.path.startsWith(REQUESTS_PREFIX)) (configChanges ??= []).push([e.path, text]);
        }
        // Config changed by this commit applies from the next one: a commit is judged on its parent.
        if (configChanges) versions.next(configChanges);
        // ...except the commit that brings the first config: there was nothing before it, and
        // its own requests are judged by what it brought (a repository seeded in one commit).
        const version = parentVersion === 0 && configChanges ? versions.latest : parentVersion;
        // A merge's own commits are on its second parent: the earliest of them is when the work began.
        const requestedAt = commit.parents.length > 1 ? Slot.from(limit(() => branchStart(git, commit))) : Slot.of(commit.authoredAt);
        queue.push({ commit, version, texts, requestedAt });
        if (queue.length > AHEAD) {
          const p = queue.shift()!;
          // Usually everything has arrived: no await per commit then.
          if (!isReady(p)) await arrive(p);
          assemble(p);
        }
      }
    }
    for (const p of queue.splice(0)) {
      if (!isReady(p)) await arrive(p);
      assemble(p);
    }
    const last = versions.latest;
    await versions.ready(last);
    return { lives: builder.lives(), commits, head, warnings: [...trustProblems, ...builder.warnings], config: versions.configOf(last) };
  } finally {
    cat.close();
  }
}

/** The commit with only its request and config files, or null if it touches neither. */
function relevant(c: LogCommit): LogCommit | null {
  let keep = 0;
  for (const e of c.entries) if (e.path.startsWith(REQUESTS_PREFIX) || CONFIG_PATHS.includes(e.path)) keep++;
  if (keep === c.entries.length) return keep ? c : null;
  if (keep === 0) return null;
  return { ...c, entries: c.entries.filter((e) => e.path.startsWith(REQUESTS_PREFIX) || CONFIG_PATHS.includes(e.path)) };
}

async function branchStart(git: Git, commit: LogCommit): Promise<Date> {
  const [first, second] = commit.parents;
  const out = await git.text(["log", "--format=%at", `${first}..${second}`]);
  const times = out.split("\n").filter(Boolean).map(Number);
  const earliest = times.length ? Math.min(...times) * 1000 : commit.authoredAt.getTime();
  return new Date(Math.min(earliest, commit.authoredAt.getTime()));
}

/**
 * How each commit's provenance is judged: by settings.evidence and the trust list at the
 * head (plus any keys the auditor brings). Nothing configured costs no git call per commit.
 */
async function provenanceJudge(repo: LocalGitRepo, head: string, opts: ReadOptions): Promise<{ judge: (sha: string) => Provenance; problems: string[] }> {
  const config = await loadConfigAt(repo, head, PROVIDER_RULES);
  const evidence = config.problems.length ? undefined : config.policy.settings.evidence;
  const keyPaths = (await repo.listFiles(head, TRUST_DIR)).filter((p) => p.endsWith(".asc"));
  const texts = keyPaths.length ? await repo.readFiles(head, keyPaths) : new Map<string, string | null>();
  const keys = [...keyPaths.map((p) => ({ path: p, text: texts.get(p) ?? "" })), ...(opts.trustKeys ?? [])];
  // The app's merges are committed and signed by GitHub: its published web-flow key is trusted
  // by default, for merges authored by the app bot only (provenance.ts checks the author).
  if (evidence?.app_bot && opts.githubKey !== false) keys.push(await githubWebFlowKey());
  if (!evidence?.app_bot && !evidence?.sweep_identity) {
    const none = judgeProvenance(undefined, { evidence, fingerprints: new Set() });
    return { judge: () => none, problems: [] };
  }
  const home = keys.length ? await trustHome(keys, opts) : null;
  try {
    const trust = { evidence, fingerprints: home?.fingerprints ?? new Set<string>() };
    const sigs = await readSignatures(head, [REQUESTS_DIR], trust.fingerprints.size > 0, home, opts);
    return { judge: (sha) => judgeProvenance(sigs.get(sha), trust), problems: home?.problems ?? [] };
  } finally {
    await home?.close();
  }
}

function semaphore(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
