// The expiry sweep: from git alone, find every expired grant and remove its file through a
// revoke (a PR on GitHub, a commit on a branch in a local clone), grant the requests whose
// starts_at has come (through the apply loop), and, on GitHub, close stale PRs.
import { nativeExpiryFrom } from "./apply-providers.js";
import { applyPlan, type ProviderLookup } from "./execute.js";
import type { GrantAction, Plan } from "./plan-types.js";
import { grantWords } from "../core/grant-words.js";
import type { GitHubTarget } from "../github/octokit.js";
import { ensureRevokePr } from "../github/revoke-pr.js";
import { branchCommit, commitRemoval, isAncestor, pathExists, setBranch, type GitOptions } from "../git/write.js";
import { expiryReport, type ExpiryReport, type GrantState } from "./expiry.js";
import { expiredCommitMessage, expiredPrBody, expiredTitle, revokeBranch } from "../core/revoke-texts.js";
import { sweepOpenPulls, type PullOutcome } from "./stale-requests.js";

export interface SweepOptions extends GitOptions {
  /** A local clone with full history. */
  dir: string;
  /** The default branch: the access that should exist, and the base of revoke PRs. */
  branch: string;
  now: Date;
  dryRun?: boolean;
  /** GitHub mode when set; local commits on branches otherwise. */
  github?: GitHubTarget | null;
  /** For grants whose starts_at has come; without it they are listed, not granted. */
  providers?: ProviderLookup;
  /** Date of local revoke commits (the CLI passes --now when given). */
  commitDate?: Date;
}

export type RevokeStatus = "opened" | "exists" | "refreshed" | "committed" | "planned" | "failed";

export interface RevokeOutcome {
  path: string;
  branch: string;
  expires_at: string;
  status: RevokeStatus;
  pr?: number;
  url?: string;
  commit?: string;
  detail: string;
}

export interface StartOutcome {
  path: string;
  status: "granted" | "unchanged" | "pending" | "failed" | "planned" | "not-run";
  detail: string;
}

export interface SweepResult {
  mode: "github" | "local";
  dryRun: boolean;
  report: ExpiryReport;
  revokes: RevokeOutcome[];
  starts: StartOutcome[];
  pulls: PullOutcome[];
  /** Failures in words (the exit status is 1 when any). */
  problems: string[];
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const report = await expiryReport(options.dir, { ref: options.branch, now: options.now, env: options.env });
  const problems = [...report.configProblems, ...report.unreadable.map((u) => `${u.path}: ${u.reason}`)];
  const expired = report.grants.filter((g) => g.status === "expired");
  const revokes: RevokeOutcome[] = [];
  for (const state of expired) {
    const outcome = await revokeOne(options, report, state).catch(
      (err: Error): RevokeOutcome => ({ ...base(state), status: "failed", detail: `could not revoke: ${err.message}` }),
    );
    if (outcome.status === "failed") problems.push(`${state.path}: ${outcome.detail}`);
    revokes.push(outcome);
  }
  const starts = await startDelayed(options, report);
  for (const s of starts) if (s.status === "failed") problems.push(`${s.path}: ${s.detail}`);
  let pulls: PullOutcome[] = [];
  if (options.github && !report.configProblems.length) {
    pulls = await sweepOpenPulls(options.github, report, { now: options.now, pendingTtl: report.config.policy.settings.pending_ttl, dryRun: options.dryRun }).catch((err: Error) => {
      problems.push(`open pull requests: ${err.message}`);
      return [];
    });
  }
  return { mode: options.github ? "github" : "local", dryRun: options.dryRun ?? false, report, revokes, starts, pulls, problems };
}

function base(state: GrantState): Pick<RevokeOutcome, "path" | "branch" | "expires_at"> {
  return { path: state.path, branch: revokeBranch(state.path), expires_at: iso(state.grant.expiresAt) };
}

async function revokeOne(options: SweepOptions, report: ExpiryReport, state: GrantState): Promise<RevokeOutcome> {
  const branch = revokeBranch(state.path);
  const file = { path: state.path, expiresAt: state.grant.expiresAt, startsAt: state.grant.startsAt, landingSha: state.landingSha };
  if (options.github) {
    const r = await ensureRevokePr(options.github, {
      base: options.branch,
      baseSha: report.sha,
      branch,
      files: [{ path: state.path, blobSha: state.blobSha }],
      message: expiredCommitMessage(file),
      title: expiredTitle(file),
      body: expiredPrBody(file, nativeExpiryFrom(options.providers)(state.grant.resource)),
      mode: "contents",
      refresh: "if-stale",
      landedAt: state.landedAt,
      dryRun: options.dryRun,
    });
    return { ...base(state), status: r.status, ...(r.number ? { pr: r.number } : {}), ...(r.url ? { url: r.url } : {}), detail: r.detail };
  }
  // Local mode: a branch per file, like the PR's. One that already removes this version
  // of the file (the landing is in its history and the file is gone at its tip) is kept.
  const tip = await branchCommit(options.dir, branch, options);
  if (tip && !(await pathExists(options.dir, tip, state.path, options)) && (await isAncestor(options.dir, state.landingSha, tip, options))) {
    return { ...base(state), status: "exists", commit: tip, detail: `branch ${branch} already removes it (not merged yet)` };
  }
  if (options.dryRun) return { ...base(state), status: "planned", detail: `would commit the removal on ${branch}` };
  const commit = await commitRemoval(options.dir, { parent: report.sha, remove: [state.path], message: expiredCommitMessage(file), date: options.commitDate }, options);
  await setBranch(options.dir, branch, commit, options);
  return { ...base(state), status: "committed", commit, detail: `${tip ? "rewrote" : "created"} ${branch} at ${commit.slice(0, 7)}: merge it to revoke` };
}

/**
 * Requests with a later starts_at were skipped by apply when they landed; once their start
 * has come the sweep grants them through the same apply loop. Every sweep re-applies them
 * while they are active: providers' grants are idempotent, so this costs a check, and a
 * missed sweep is caught up by the next one.
 */
async function startDelayed(options: SweepOptions, report: ExpiryReport): Promise<StartOutcome[]> {
  const due = report.grants.filter((g) => g.status === "active" && g.delayed);
  if (!due.length) return [];
  if (!options.providers) return due.map((g) => ({ path: g.path, status: "not-run", detail: `starts_at ${iso(g.grant.startsAt)} has come; no providers were given to grant it` }));
  const actions: GrantAction[] = due.map((g) => {
    const native = nativeExpiryFrom(options.providers)(g.grant.resource);
    return {
      kind: "grant",
      path: g.path,
      change: "added",
      grant: g.grant,
      landedAt: g.landedAt,
      nativeExpiry: native,
      words: grantWords(g.grant, native),
      ...(g.capped ? { capped: g.capped } : {}),
    };
  });
  const plan: Plan = { before: report.sha, after: report.sha, actions, skipped: [] };
  const results = await applyPlan(plan, options.providers, { dryRun: options.dryRun });
  return results.map((r) => ({
    path: r.action.path,
    status: r.status === "revoked" || r.status === "kept" ? "failed" : r.status,
    detail: r.detail,
  }));
}

