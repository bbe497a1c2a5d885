// The expiry sweep: from git alone, find every expired grant and remove its file through a
// revoke change (a PR on GitHub, a commit on a branch in a local clone: the repository
// seam decides), grant the requests whose starts_at has come (through the apply loop), and
// close changes that waited too long for review.
import { nativeExpiryFrom } from "./apply-providers.js";
import { applyPlan, type ProviderLookup } from "./execute.js";
import type { GrantAction, Plan } from "./plan-types.js";
import type { ExpiryReport, GrantState } from "../core/expiry.js";
import { grantWords } from "../core/grant-words.js";
import { expiredCommitMessage, expiredPrBody, expiredTitle, revokeBranch } from "../core/revoke-texts.js";
import { isoSeconds as iso } from "../core/time.js";
import type { Repository, RevokeChangeResult } from "../git/types.js";
import { expiryReport } from "./expiry.js";
import { changeOutcome } from "./revoke.js";
import { sweepEvents, type EventOutcome, type EventSignals } from "./event-revokes.js";
import { sweepOpenPulls, type PullOutcome } from "./stale-requests.js";

export interface SweepOptions {
  /** Read from a clone with full history (the landings); changes go wherever its write side says. */
  repo: Repository;
  /** The default branch: the access that should exist, and the base of revoke changes. */
  branch: string;
  now: Date;
  dryRun?: boolean;
  /** For grants whose starts_at has come; without it they are listed, not granted. */
  providers?: ProviderLookup;
  /** PAGERDUTY_TOKEN (and a sleep for retries) for grants that end on an `until:` event. */
  signals?: EventSignals;
}

export type RevokeStatus = RevokeChangeResult["status"] | "failed";

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
  /** Grants with an `until:` event: revoked when it came, else why not yet. */
  events: EventOutcome[];
  /** Failures in words (the exit status is 1 when any). */
  problems: string[];
}

export async function sweep(options: SweepOptions): Promise<SweepResult> {
  const { repo } = options;
  const report = await expiryReport(repo.read, { ref: options.branch, now: options.now });
  const problems = [...report.configProblems, ...report.unreadable.map((u) => `${u.path}: ${u.reason}`)];
  const expired = report.grants.filter((g) => g.status === "expired");
  const revokes: RevokeOutcome[] = [];
  let baseTree: Promise<string> | undefined;
  for (const state of expired) {
    baseTree ??= repo.read.treeId(report.sha);
    const outcome = await revokeOne(options, report, state, baseTree).catch(
      (err: Error): RevokeOutcome => ({ ...base(state), status: "failed", detail: `could not revoke: ${err.message}` }),
    );
    if (outcome.status === "failed") problems.push(`${state.path}: ${outcome.detail}`);
    revokes.push(outcome);
  }
  // Expired files are revoked above; an active grant whose `until:` event came is revoked here.
  const events = await sweepEvents({ repo, branch: options.branch, report, signals: options.signals, dryRun: options.dryRun });
  problems.push(...events.problems);
  const starts = await startDelayed(options, report);
  for (const s of starts) if (s.status === "failed") problems.push(`${s.path}: ${s.detail}`);
  let pulls: PullOutcome[] = [];
  if (!report.configProblems.length) {
    pulls = await sweepOpenPulls(repo.write, report, { now: options.now, pendingTtl: report.config.policy.settings.pending_ttl, dryRun: options.dryRun }).catch((err: Error) => {
      problems.push(`open pull requests: ${err.message}`);
      return [];
    });
  }
  return { mode: repo.write.kind, dryRun: options.dryRun ?? false, report, revokes, starts, pulls, events: events.events, problems };
}

function base(state: GrantState): Pick<RevokeOutcome, "path" | "branch" | "expires_at"> {
  return { path: state.path, branch: revokeBranch(state.path), expires_at: iso(state.grant.expiresAt) };
}

/** One change per file on its own branch, so a file never has two revokes waiting. */
async function revokeOne(options: SweepOptions, report: ExpiryReport, state: GrantState, baseTree: Promise<string>): Promise<RevokeOutcome> {
  const file = { path: state.path, expiresAt: state.grant.expiresAt, startsAt: state.grant.startsAt, landingSha: state.landingSha };
  const r = await options.repo.write.ensureRevoke({
    base: options.branch,
    baseSha: report.sha,
    baseTree: await baseTree,
    branch: revokeBranch(state.path),
    files: [{ path: state.path, blob: state.blobSha, landed: { sha: state.landingSha, at: state.landedAt } }],
    message: expiredCommitMessage(file),
    title: expiredTitle(file),
    body: expiredPrBody(file, nativeExpiryFrom(options.providers)(state.grant.resource)),
    refresh: "if-stale",
    dryRun: options.dryRun,
  });
  return { ...base(state), ...changeOutcome(r) };
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
