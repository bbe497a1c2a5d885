// While the app runs, each grant on a target without native expiry ends at its expiry
// second: a timer per grant, from the tree (read from git at start, updated by every push
// this process applies). GitHub documents that scheduled workflows are delayed under load,
// so the sweep alone cannot promise the second; it still removes the file and is the
// safety net when no app was running.
//
// Several replicas each hold the same timers (each reads the same tree) and each revokes at
// the second; a revoke of access that is already gone is a no-op on every provider, so the
// second replica's revoke changes nothing. A push delivered to another replica (an
// extension) is seen at the second itself: before revoking, the grant's file is read at the
// branch tip, and a file that changed there is re-read from the tree instead of revoked.
import type { EventSink } from "../core/events.js";
import { announceRevokeFailures } from "../operations/converge-events.js";
import { nativeExpiryFrom } from "../operations/apply-providers.js";
import type { ProviderLookup } from "../operations/execute.js";
import { revokeExpired, type ExpiredGrant } from "../operations/expiry-revoke.js";
import type { ActionResult, Plan } from "../operations/plan-types.js";
import type { ReceiptStore } from "../git/types.js";
import type { Grant } from "../core/types.js";
import type { GitHub } from "../github/octokit.js";
import { isoSeconds } from "../core/time.js";
import { readSchedule, tipBlobIds, type ScheduledGrant } from "./expiry-read.js";

/** The clock and timers, injected: tests move a fake clock to the second, nothing waits. */
export interface TimerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_CLOCK: TimerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.(); // a pending expiry never keeps a stopping process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Node's timers take at most 2^31-1 ms (about 24.8 days); a later end is reached in hops. */
const MAX_DELAY = 2_147_483_647;

/** How the timers reach one repository: the client and providers of its latest delivery. */
export interface RepoContext {
  owner: string;
  repo: string;
  /** Whose limits and github-team provider its calls use ("installation 42"). */
  installation: string;
  api: GitHub;
  providers: ProviderLookup;
  /** The default branch, when known (a push says it; else GitHub's default branch). */
  branch?: string;
}

export interface RevokeReport {
  repo: string;
  path: string;
  /** When the revoke was asked of the provider, in ms since the epoch (lateness = this - expiresAt). */
  at: number;
  expiresAt: number;
  result: ActionResult | null;
  /** Why it was not revoked, when it was not. */
  skipped?: string;
}

export interface ExpiryTimersOptions {
  clock?: TimerClock;
  /** The receipt store of a repository (git notes over the API); undefined: none yet. */
  receipts?: (ctx: RepoContext) => ReceiptStore | undefined;
  log?: { info(m: string): void; warn(m: string): void; error(m: string): void };
  /** Told about every revoke the timers make or skip (the bench measures lateness from it). */
  onRevoke?: (report: RevokeReport) => void;
  /** Where a revoke still failing after its retries is told (revoke_failed: SIEM, chat), as the sweep does. */
  sinks?: () => EventSink[];
}

interface Entry extends ScheduledGrant {
  handle: unknown;
}

const keyOf = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();

export class ExpiryTimers {
  private readonly clock: TimerClock;
  private readonly repos = new Map<string, { ctx: RepoContext; entries: Map<string, Entry> }>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: ExpiryTimersOptions = {}) {
    this.clock = options.clock ?? REAL_CLOCK;
  }

  /** Grants with a pending timer in a repository (tests and the health line read it). */
  pending(owner: string, repo: string): Array<{ path: string; expiresAt: string }> {
    const r = this.repos.get(keyOf(owner, repo));
    return [...(r?.entries.values() ?? [])].map((e) => ({ path: e.path, expiresAt: isoSeconds(e.grant.expiresAt) })).sort((a, b) => a.path.localeCompare(b.path));
  }

  /** Settles once every revoke started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** Every timer of the repository replaced by the tree's grants at the branch tip. */
  async rebuild(ctx: RepoContext): Promise<void> {
    const grants = await readSchedule(ctx.api, ctx, ctx.branch, new Date(this.clock.now()));
    this.replace(ctx, grants);
  }

  /** The schedule of one repository set to `grants` (those whose target expires them itself get none). */
  replace(ctx: RepoContext, grants: ScheduledGrant[]): void {
    const r = this.repoOf(ctx);
    for (const e of r.entries.values()) this.clock.clearTimeout(e.handle);
    r.entries.clear();
    for (const g of grants) this.set(ctx, g);
  }

  private sinks(): EventSink[] {
    try {
      return this.options.sinks?.() ?? [];
    } catch (err) {
      this.options.log?.error(`gitgrant: event sinks: ${(err as Error).message}; revoke_failed events are not sent`);
      return [];
    }
  }

  /**
   * After a push's apply: granted files get (or move) their timer, revoked ones lose it. A
   * grant that failed keeps a timer too: what the tree says ends at its second either way.
   */
  afterApply(ctx: RepoContext, plan: Plan, results: ActionResult[], blobIds?: (path: string) => string | undefined): void {
    this.repoOf(ctx);
    const timed = (path: string, grant: Grant) => this.set(ctx, { path, grant, commit: plan.after, blobId: blobIds?.(path) });
    for (const r of results) {
      const a = r.action;
      if (a.kind === "grant") timed(a.path, a.grant);
      // starts_at moved later: the running window was revoked; the later one still ends at its second.
      else if (a.pending) timed(a.path, a.pending);
      else this.cancel(ctx, a.path);
    }
    // A window that starts later: the sweep (convergence) grants it at its start without telling
    // this process, so its end is scheduled now. Setting a path again replaces its timer, so a
    // redelivered push schedules nothing twice.
    for (const s of plan.skipped) if (s.pending) timed(s.path, s.pending);
  }

  cancel(ctx: Pick<RepoContext, "owner" | "repo">, path: string): void {
    const r = this.repos.get(keyOf(ctx.owner, ctx.repo));
    const e = r?.entries.get(path.toLowerCase());
    if (!e) return;
    this.clock.clearTimeout(e.handle);
    r!.entries.delete(path.toLowerCase());
  }

  private repoOf(ctx: RepoContext) {
    const k = keyOf(ctx.owner, ctx.repo);
    let r = this.repos.get(k);
    if (!r) this.repos.set(k, (r = { ctx, entries: new Map() }));
    else r.ctx = { ...ctx, branch: ctx.branch ?? r.ctx.branch };
    return r;
  }

  private set(ctx: RepoContext, g: ScheduledGrant): void {
    const r = this.repoOf(ctx);
    this.cancel(ctx, g.path);
    if (nativeExpiryFrom(r.ctx.providers)(g.grant.resource)) return; // the target ends it at the second itself
    if (g.grant.expiresAt.getTime() <= this.clock.now()) return; // over already: the sweep's revoke (and convergence) own it
    const entry: Entry = { ...g, handle: undefined };
    r.entries.set(g.path.toLowerCase(), entry);
    this.arm(keyOf(ctx.owner, ctx.repo), entry);
  }

  private arm(repoKey: string, entry: Entry): void {
    const left = entry.grant.expiresAt.getTime() - this.clock.now();
    entry.handle = this.clock.setTimeout(() => {
      const r = this.repos.get(repoKey);
      if (r?.entries.get(entry.path.toLowerCase()) !== entry) return; // replaced or cancelled meanwhile
      // A timer may fire early (a hop of a long wait) or a few ms late; never before the second.
      if (this.clock.now() < entry.grant.expiresAt.getTime()) return this.arm(repoKey, entry);
      r.entries.delete(entry.path.toLowerCase());
      this.track(this.fire(r.ctx, [entry]));
    }, Math.min(Math.max(left, 0), MAX_DELAY));
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async fire(ctx: RepoContext, due: Entry[]): Promise<void> {
    const log = this.options.log;
    const where = `${ctx.owner}/${ctx.repo}`;
    let current = due;
    try {
      // The file as the tree has it now: changed by a push another replica applied, it is re-read.
      const tip = await tipBlobIds(ctx.api, ctx, due.map((e) => e.path), ctx.branch);
      const moved = due.filter((e) => e.blobId !== undefined && tip.ids.get(e.path) !== e.blobId);
      current = due.filter((e) => !moved.includes(e));
      for (const e of moved) this.report({ repo: where, path: e.path, at: this.clock.now(), expiresAt: e.grant.expiresAt.getTime(), result: null, skipped: tip.ids.get(e.path) ? "the file changed on the branch; its new window is read from the tree" : "the file is gone from the branch; its deletion revokes it" });
      if (moved.some((e) => tip.ids.get(e.path))) this.track(this.rebuild(ctx).catch((err: Error) => log?.error(`gitgrant: could not re-read the expiry schedule of ${where}: ${err.message}`)));
    } catch (err) {
      // Fail closed: the tree said the grant ends now; unable to look again, it ends.
      log?.warn(`gitgrant: could not re-read ${where} before revoking at expiry (${(err as Error).message}); revoking as scheduled`);
    }
    if (!current.length) return;
    const at = this.clock.now();
    const byCommit = new Map<string, Entry[]>();
    for (const e of current) byCommit.set(e.commit, [...(byCommit.get(e.commit) ?? []), e]);
    for (const [commit, entries] of byCommit) {
      const expired: ExpiredGrant[] = entries.map((e) => ({ path: e.path, grant: e.grant }));
      const results = await revokeExpired(commit, expired, ctx.providers, this.options.receipts?.(ctx), { now: new Date(at) }).catch((err: Error) => {
        log?.error(`gitgrant: expiry revoke in ${where} failed: ${err.message}`);
        return [] as ActionResult[];
      });
      const sinks = this.sinks();
      if (sinks.length) {
        const told = await announceRevokeFailures(results, { now: new Date(at), sha: commit }, sinks);
        for (const p of told.problems) log?.error(`gitgrant: ${where}: ${p}`);
      }
      entries.forEach((e, i) => {
        const result = results[i] ?? null;
        this.report({ repo: where, path: e.path, at, expiresAt: e.grant.expiresAt.getTime(), result });
        const line = `gitgrant: ${where} ${e.path} expired at ${isoSeconds(e.grant.expiresAt)}: ${result ? `${result.status}: ${result.detail}` : "not revoked"}`;
        if (result?.status === "failed" || !result) log?.error(`${line} (the sweep and convergence try again)`);
        else log?.info(line);
      });
    }
  }

  private report(r: RevokeReport): void {
    this.options.onRevoke?.(r);
  }
}

export type { ScheduledGrant };
