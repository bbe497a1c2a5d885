// The expiry sweep: from git alone, find every expired grant and remove its file through a
// revoke change (a PR on GitHub, a commit on a branch in a local clone: the repository
// seam decides), grant the requests whose starts_at has come (through the apply loop), and
// close changes that waited too long for review.
import { nativeExpiryFrom } from "./apply-providers.js";
import type { ApplyOptions, ProviderLookup } from "./execute.js";
import type { ExpiryReport, GrantState } from "../core/expiry.js";
import { converge, type ConvergeResult } from "./converge.js";
import { announceRevokeFailures } from "./converge-events.js";
import type { AccessEvent, EventSink } from "../core/events.js";
import { expiredCommitMessage, expiredPrBody, expiredTitle, revokeBranch, revokeTrailers } from "../core/revoke-texts.js";
import { formatTrailers } from "../core/trailers.js";
import { isoSeconds as iso } from "../core/time.js";
import type { ReceiptStore, Repository, RevokeChangeResult } from "../git/types.js";
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
  /** For convergence (grants whose window is active but missing, gitgrant's access no window
   *  covers); without it nothing is granted or revoked in the targets, only files removed. */
  providers?: ProviderLookup;
  /** PAGERDUTY_TOKEN (and a sleep for retries) for grants that end on an `until:` event. */
  signals?: EventSignals;
  /** Ownership receipts, so convergence revokes what gitgrant created and never standing access. */
  receipts?: ReceiptStore;
  /** The apply loop's retry settings for convergence (tests inject the sleep). */
  apply?: Omit<ApplyOptions, "dryRun">;
  /** Where revoke_failed events go (SIEM, chat; sinksFromEnv). */
  sinks?: EventSink[];
  /** Converge only these resources (default: every one in the catalog). */
  resources?: string[];
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
  /** The convergence run (absent without providers). */
  converge?: ConvergeResult;
  /** One per revoke still failing after its retries (sent to the sinks). */
  revokeFailed: AccessEvent[];
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
  // Files whose names differ only in case (BOB.yaml, bob.yaml) share a revoke branch: they
  // go in one change together, so each of them is removed, not the first one only.
  for (const group of byBranch(expired)) {
    baseTree ??= repo.read.treeId(report.sha);
    const outcome = await revokeOne(options, report, group, baseTree).catch((err: Error): RevokeOutcome[] =>
      group.map((state) => ({ ...base(state), status: "failed", detail: `could not revoke: ${err.message}` })),
    );
    for (const o of outcome) if (o.status === "failed") problems.push(`${o.path}: ${o.detail}`);
    revokes.push(...outcome);
  }
  // Expired files are revoked above; an active grant whose `until:` event came is revoked here.
  const events = await sweepEvents({ repo, branch: options.branch, report, signals: options.signals, dryRun: options.dryRun });
  problems.push(...events.problems);
  // Convergence: the targets made to match the tree, whatever the pushes before did or lost.
  let converged: ConvergeResult | undefined;
  if (options.providers) {
    // On GitHub the app (or apply.yml) may apply a merge while this clone's tree is older.
    const tipNow = repo.write.branchTip ? () => repo.write.branchTip!(options.branch) : undefined;
    converged = await converge({ ...options.apply, repo: repo.read, ref: options.branch, now: options.now, providers: options.providers, receipts: options.receipts, report, dryRun: options.dryRun, ...(options.resources ? { resources: options.resources } : {}), ...(tipNow ? { tipNow } : {}) }).catch(
      (err: Error): ConvergeResult => ({ sha: report.sha, dryRun: options.dryRun ?? false, checked: [], unchecked: [], results: [], left: [], failed: [], rounds: 0, calls: { list: 0, change: 0 }, problems: [`convergence: ${err.message}`] }),
    );
    // Unreadable files are reported once, above.
    problems.push(...converged.problems.filter((p) => !report.unreadable.some((u) => p.startsWith(`${u.path}: `))));
  }
  const loud = converged && !options.dryRun ? await announceRevokeFailures(converged.failed, { now: options.now, sha: report.sha }, options.sinks ?? []) : { events: [], problems: [] };
  problems.push(...loud.problems);
  const starts = startDelayed(options, report, converged);
  let pulls: PullOutcome[] = [];
  if (!report.configProblems.length) {
    pulls = await sweepOpenPulls(repo.write, report, { now: options.now, pendingTtl: report.config.policy.settings.pending_ttl, dryRun: options.dryRun }).catch((err: Error) => {
      problems.push(`open pull requests: ${err.message}`);
      return [];
    });
  }
  return { mode: repo.write.kind, dryRun: options.dryRun ?? false, report, revokes, starts, pulls, events: events.events, ...(converged ? { converge: converged } : {}), revokeFailed: loud.events, problems };
}

function base(state: GrantState): Pick<RevokeOutcome, "path" | "branch" | "expires_at"> {
  return { path: state.path, branch: revokeBranch(state.path), expires_at: iso(state.grant.expiresAt) };
}

function byBranch(states: GrantState[]): GrantState[][] {
  const groups = new Map<string, GrantState[]>();
  for (const s of states) groups.set(revokeBranch(s.path), [...(groups.get(revokeBranch(s.path)) ?? []), s]);
  return [...groups.values()];
}

/** One change per request file (per branch), so a file never has two revokes waiting. */
async function revokeOne(options: SweepOptions, report: ExpiryReport, group: GrantState[], baseTree: Promise<string>): Promise<RevokeOutcome[]> {
  const [first] = group as [GrantState, ...GrantState[]];
  const file = { path: first.path, expiresAt: first.grant.expiresAt, startsAt: first.grant.startsAt, landingSha: first.landingSha };
  const native = nativeExpiryFrom(options.providers)(first.grant.resource);
  const r = await options.repo.write.ensureRevoke({
    base: options.branch,
    baseSha: report.sha,
    baseTree: await baseTree,
    branch: revokeBranch(first.path),
    files: group.map((state) => ({ path: state.path, blob: state.blobSha, landed: { sha: state.landingSha, at: state.landedAt } })),
    message: group.length > 1 ? collidingMessage(group) : expiredCommitMessage(file),
    title: expiredTitle(file),
    body: group.length > 1 ? `${expiredPrBody(file, native)}\n\nAlso removes ${group.slice(1).map((g) => `\`${g.path}\``).join(", ")} (the same login, in another case).\n${formatTrailers(group.slice(1).map((g) => ({ key: "Revoke", value: g.path })))}` : expiredPrBody(file, native),
    refresh: "if-stale",
    dryRun: options.dryRun,
    // The branch name is all anyone needs to open a look-alike; only gitgrant's own PR counts.
    verifyOwn: { authors: report.config.policy.settings.evidence?.app_bot ? [report.config.policy.settings.evidence.app_bot] : [] },
  });
  return group.map((state) => ({ ...base(state), ...changeOutcome(r) }));
}

/** The commit message of a revoke of case-colliding files: one Revoke trailer for each. */
function collidingMessage(group: GrantState[]): string {
  const lines = group.map((g) => `${g.path} expired at ${iso(g.grant.expiresAt)} (landed in ${g.landingSha.slice(0, 7)}).`);
  const file = { path: group[0]!.path, expiresAt: group[0]!.grant.expiresAt, startsAt: group[0]!.grant.startsAt, landingSha: group[0]!.landingSha };
  return `${expiredTitle(file)}\n\n${lines.join("\n")}\n\n${formatTrailers(revokeTrailers(group.map((g) => g.path), "expired"))}\n`;
}

/**
 * Requests with a later starts_at were skipped by apply when they landed; once their start
 * has come, convergence grants them (it grants every active window the target lacks). This
 * says, per such file, what convergence did for it.
 */
function startDelayed(options: SweepOptions, report: ExpiryReport, converged: ConvergeResult | undefined): StartOutcome[] {
  const due = report.grants.filter((g) => g.status === "active" && g.delayed);
  if (!due.length) return [];
  if (!options.providers || !converged) return due.map((g) => ({ path: g.path, status: "not-run", detail: `starts_at ${iso(g.grant.startsAt)} has come; no providers were given to grant it` }));
  return due.map((g): StartOutcome => {
    const r = converged.results.find((x) => x.action.kind === "grant" && x.action.path === g.path);
    if (r) return { path: g.path, status: r.status === "revoked" || r.status === "kept" ? "failed" : r.status, detail: r.detail };
    if (!converged.checked.includes(g.grant.resource.id)) return { path: g.path, status: "failed", detail: `starts_at ${iso(g.grant.startsAt)} has come, but ${g.grant.resource.id} could not be converged (see the problems)` };
    return { path: g.path, status: "unchanged", detail: `${g.grant.principal} already holds ${g.grant.resource.id} until ${iso(g.grant.expiresAt)}` };
  });
}
