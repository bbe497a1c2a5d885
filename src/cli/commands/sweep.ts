// gitgrant sweep: revoke expired grants (a PR per file on GitHub, a commit on a branch in a
// local clone), grant requests whose starts_at has come, close stale request PRs.
import type { Command } from "commander";
import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import { providersForApply } from "../../operations/apply-providers.js";
import { defaultBranch } from "../../git/write.js";
import { sweep, type SweepResult } from "../../operations/sweep.js";
import { EXIT, parseFormat, parseNow, table, type Io } from "../io.js";
import { isoSeconds as iso } from "../../core/time.js";
import { repositoryFor } from "../repository.js";
import { options } from "../options.js";
import { sinksFromEnv } from "../../operations/event-sinks.js";
import type { EventSink } from "../../core/events.js";

export interface SweepFlags {
  repo: string;
  branch?: string;
  now?: string;
  dryRun?: boolean;
  format?: string;
  github?: string;
  local?: boolean;
  ledger?: string;
}

/**
 * The providers for starts_at grants. GITGRANT_GITHUB_TOKEN, when set, is the token for
 * github-team grants: the workflow's GITHUB_TOKEN opens PRs but cannot manage teams.
 */
export function lifecycleProviders(io: Io, ledger?: string) {
  const env = { ...io.env, GITHUB_TOKEN: io.env.GITGRANT_GITHUB_TOKEN ?? io.env.GITHUB_TOKEN };
  return providersForApply({ env, local: { cwd: io.cwd, env, ...(ledger ? { ledgerPath: ledger } : {}) } });
}

// Where the lifecycle commands choose GitHub or the clone; exported here too for doctor.
export { githubFrom } from "../repository.js";
export async function runSweep(flags: SweepFlags, io: Io): Promise<{ code: number; result: SweepResult }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const dir = resolve(io.cwd, flags.repo);
  // A sweep "as at" another time dates its local commits then, so the history reads in order.
  const { repo, github } = await repositoryFor(io, flags, dir, { commitDate: flags.now ? now : undefined });
  const branch = flags.branch ?? (await defaultBranch(dir));
  // A revoke still failing after its retries is told to the SIEM and chat sinks configured for events.
  let sinks: EventSink[] = [];
  const sinkProblems: string[] = [];
  try {
    sinks = sinksFromEnv(io.env);
  } catch (err) {
    sinkProblems.push(`event sinks: ${(err as Error).message}; revoke_failed events are not sent`);
  }
  const result = await sweep({ repo, branch, now, dryRun: flags.dryRun, providers: lifecycleProviders(io, flags.ledger), receipts: repo.receipts, signals: { env: io.env }, sinks });
  result.problems.push(...sinkProblems);
  io.out(format === "json" ? JSON.stringify(sweepJson(result, branch), null, 2) : renderSweep(result, branch, github));
  if (io.env.GITHUB_STEP_SUMMARY && format !== "json") {
    await appendFile(io.env.GITHUB_STEP_SUMMARY, `## gitgrant sweep\n\n\`\`\`\n${renderSweep(result, branch)}\n\`\`\`\n`, "utf8");
  }
  return { code: result.problems.length ? EXIT.findings : EXIT.ok, result };
}

function counts(r: SweepResult) {
  const by = (s: string) => r.report.grants.filter((g) => g.status === s).length;
  return { active: by("active"), expired: by("expired"), pending: by("pending"), unreadable: r.report.unreadable.length };
}

export function sweepJson(r: SweepResult, branch: string) {
  return {
    mode: r.mode,
    dry_run: r.dryRun,
    now: iso(r.report.now),
    branch,
    sha: r.report.sha,
    counts: counts(r),
    revokes: r.revokes,
    starts: r.starts,
    events: r.events,
    pulls: r.pulls,
    converge: r.converge
      ? {
          checked: r.converge.checked,
          rounds: r.converge.rounds,
          calls: r.converge.calls,
          results: r.converge.results.map((x) => ({ kind: x.action.kind, path: x.action.path, status: x.status, detail: x.detail, why: x.why, ...(x.errorKind ? { error_kind: x.errorKind } : {}) })),
          left: r.converge.left,
        }
      : null,
    unreadable: r.report.unreadable,
    config_problems: r.report.configProblems,
    revoke_failed: r.revokeFailed,
    problems: r.problems,
  };
}

export function renderSweep(r: SweepResult, branch: string, where?: string): string {
  const c = counts(r);
  const mode = r.mode === "github" ? `GitHub ${where ?? ""}`.trim() : "local clone";
  const out = [
    `Sweep of ${branch} at ${r.report.sha.slice(0, 7)} as at ${iso(r.report.now)} (${mode}${r.dryRun ? ", dry run" : ""})`,
    `${c.active} active, ${c.expired} expired, ${c.pending} not started yet, ${c.unreadable} unreadable`,
  ];
  if (r.revokes.length) {
    out.push("", table(["revoke", "file", "expired at", "what"], r.revokes.map((x) => [x.status, x.path, x.expires_at, x.url ? `${x.detail} ${x.url}` : x.detail])));
  } else out.push("", "Nothing has expired.");
  if (r.starts.length) out.push("", table(["start", "file", "what"], r.starts.map((s) => [s.status, s.path, s.detail])));
  if (r.events.length) out.push("", table(["until", "file", "result", "what"], r.events.map((e) => [e.event, e.path, e.status, e.url ? `${e.detail} ${e.url}` : e.detail])));
  const changed = r.converge?.results.filter((x) => !r.starts.some((s) => s.path === x.action.path && x.action.kind === "grant")) ?? [];
  if (changed.length) out.push("", "Convergence (the targets made to match the tree):", table(["result", "file", "what"], changed.map((x) => [x.status, x.action.path, x.status === "planned" ? x.detail : `${x.detail} (${x.why})`])));
  if (r.converge?.left.length) out.push("", `Left in place (not gitgrant's): ${r.converge.left.map((l) => `${l.principal} on ${l.resource}`).join(", ")}`);
  if (r.pulls.length) out.push("", table(["pull request", "kind", "result", "why"], r.pulls.map((p) => [`#${p.number}`, p.kind, p.status, p.detail])));
  if (r.problems.length) {
    out.push("", "Problems (a person must look):");
    for (const p of r.problems) out.push(`  - ${p}`);
  }
  return out.join("\n");
}

export function registerSweep(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("sweep")
    .description(
      "Find expired grants and revoke them: with GITHUB_TOKEN and GITHUB_REPOSITORY (or --github), one revoke PR per expired file " +
        "(branch gitgrant/revoke/<resource>/<login>, label access:revoke, never a second PR for a file); otherwise a commit on that branch " +
        "in the local clone. Also grants requests whose starts_at has come and, on GitHub, closes request PRs older than settings.pending_ttl. " +
        "A grant is expired from its expiry second on (start inclusive, expiry exclusive). Exit 1 when something needs a person.",
    );
  options.now(options.branch(options.repo(cmd, io, "the access repository (a clone with full history: fetch-depth 0)")), "sweep as at this time (ISO 8601), default now; also dates local revoke commits");
  cmd.option("--dry-run", "show what would be done; change nothing (on GitHub, only reads)");
  options.github(options.format(cmd), { github: "open PRs on this repository (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)", local: "commit on local branches even when a GitHub token is set" });
  options
    .ledger(cmd)
    .action(async (flags: SweepFlags) => done((await runSweep(flags, io)).code));
}
