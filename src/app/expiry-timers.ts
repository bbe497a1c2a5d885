// While the app runs, each grant on a target without native expiry ends at its expiry
// second: a timer per grant, from the tree (read from git at start, updated by every push
// this process applies). GitHub documents that scheduled workflows are delayed under load,
// so the sweep alone cannot promise the second; it still removes the file and is the
// safety net when no app was running.
//
// Several replicas each hold the same timers (each reads the same tree) and each revokes at
// the second; a revoke of access that is already gone is a no-op on every provider, so the
// second replica's revoke changes nothing. A push delivered to another replica (an
// extension) is seen before the second: 2 s before it the grant's file is read at the branch
// tip (and the receipts the revoke needs), and a file that changed there is re-read from the
// tree instead of revoked; a round trip before the second the branch tip alone is read again,
// and only when it moved are the blob ids read once more. So the provider's revoke itself
// starts at the second, and an extension that landed in the last 2 s is still not revoked.
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

/** How long before the second the file is read at the tip (with the receipts the revoke needs). */
export const PREREAD_MS = 2000;
/** The branch re-check is started this far before the second (the pre-read's round trip, within these bounds). */
const MIN_RECHECK_LEAD = 50;
const MAX_RECHECK_LEAD = 1000;

/** The branch tip's commit, over REST with the sha media type: 40 bytes back, no diff. */
async function branchTip(ctx: RepoContext): Promise<string> {
  const { data } = await ctx.api.request("GET /repos/{owner}/{repo}/commits/{ref}", { owner: ctx.owner, repo: ctx.repo, ref: ctx.branch ?? "HEAD", headers: { accept: "application/vnd.github.sha" } });
  return String(data).trim();
}

/** A receipt store whose read is made now and answered from memory later; writes go through. */
function prefetched(store: ReceiptStore): { store: ReceiptStore; ready: Promise<unknown> } {
  const read = store.read();
  const ready = read.catch(() => undefined);
  return { store: { read: () => read, record: (commit, receipts) => store.record(commit, receipts) }, ready };
}

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

  /**
   * Three steps per grant, each its own timer: at PREREAD_MS before the second the file's blob
   * id is read at the branch tip (and the receipts, which the revoke needs); a round trip
   * before the second, the branch tip alone is read again (a small REST call), timed to answer
   * by the second; at the second the provider's revoke starts. A push this process applies
   * meanwhile replaces the entry, and each step stops when its entry is no longer the one set.
   */
  private arm(repoKey: string, entry: Entry): void {
    this.at(repoKey, entry, entry.grant.expiresAt.getTime() - PREREAD_MS, () => this.track(this.preread(repoKey, entry)));
  }

  /** Runs `step` at `when` (in hops past node's longest timer), unless the entry was replaced or cancelled. */
  private at(repoKey: string, entry: Entry, when: number, step: () => void): void {
    entry.handle = this.clock.setTimeout(() => {
      if (!this.current(repoKey, entry)) return;
      // A timer may fire early (a hop of a long wait) or a few ms late; never before its moment.
      if (this.clock.now() < when) return this.at(repoKey, entry, when, step);
      step();
    }, Math.min(Math.max(when - this.clock.now(), 0), MAX_DELAY));
  }

  private current(repoKey: string, entry: Entry): boolean {
    return this.repos.get(repoKey)?.entries.get(entry.path.toLowerCase()) === entry;
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  /** The file as the tree has it, 2 s before: changed by a push another replica applied, it is re-read. */
  private async preread(repoKey: string, entry: Entry): Promise<void> {
    const ctx = this.repos.get(repoKey)!.ctx;
    const started = this.clock.now();
    const receipts = this.options.receipts?.(ctx);
    // Read now, so the revoke at the second waits for no receipt read (notes change only when
    // gitgrant applies something, and an extension also changes the file, which is checked).
    const owned = receipts ? prefetched(receipts) : undefined;
    let tipSha: string | null = null;
    try {
      const tip = await tipBlobIds(ctx.api, ctx, [entry.path], ctx.branch);
      if (this.moved(repoKey, ctx, entry, tip.ids)) return;
      tipSha = tip.sha;
    } catch (err) {
      // Fail closed: the tree said the grant ends now; unable to look, it ends.
      this.options.log?.warn(`gitgrant: could not re-read ${ctx.owner}/${ctx.repo} before revoking at expiry (${(err as Error).message}); revoking as scheduled`);
    }
    await owned?.ready;
    if (!this.current(repoKey, entry)) return;
    const due = entry.grant.expiresAt.getTime();
    const roundTrip = Math.min(Math.max(this.clock.now() - started, MIN_RECHECK_LEAD), MAX_RECHECK_LEAD);
    this.at(repoKey, entry, due - roundTrip, () => this.track(this.recheck(repoKey, entry, tipSha, owned?.store ?? receipts)));
  }

  /**
   * Whether the branch moved since the pre-read (a push in the last 2 s, perhaps one another
   * replica applied): only then are the blob ids read again, and a changed file is not revoked.
   */
  private async recheck(repoKey: string, entry: Entry, tipSha: string | null, receipts: ReceiptStore | undefined): Promise<void> {
    const ctx = this.repos.get(repoKey)!.ctx;
    if (tipSha) {
      try {
        if ((await branchTip(ctx)) !== tipSha) {
          const tip = await tipBlobIds(ctx.api, ctx, [entry.path], ctx.branch);
          if (this.moved(repoKey, ctx, entry, tip.ids)) return;
        }
      } catch (err) {
        this.options.log?.warn(`gitgrant: could not re-check ${ctx.owner}/${ctx.repo} at expiry (${(err as Error).message}); revoking as scheduled`);
      }
    }
    if (!this.current(repoKey, entry)) return;
    const revoke = () => {
      this.repos.get(repoKey)!.entries.delete(entry.path.toLowerCase());
      this.track(this.revoke(this.repos.get(repoKey)!.ctx, [entry], receipts));
    };
    if (this.clock.now() >= entry.grant.expiresAt.getTime()) revoke();
    else this.at(repoKey, entry, entry.grant.expiresAt.getTime(), revoke);
  }

  /** A file changed at the tip is not revoked: its new window is read from the tree (or its deletion revokes it). */
  private moved(repoKey: string, ctx: RepoContext, entry: Entry, ids: Map<string, string>): boolean {
    if (entry.blobId === undefined || ids.get(entry.path) === entry.blobId) return false;
    const where = `${ctx.owner}/${ctx.repo}`;
    if (this.current(repoKey, entry)) this.repos.get(repoKey)!.entries.delete(entry.path.toLowerCase());
    this.report({ repo: where, path: entry.path, at: this.clock.now(), expiresAt: entry.grant.expiresAt.getTime(), result: null, skipped: ids.get(entry.path) ? "the file changed on the branch; its new window is read from the tree" : "the file is gone from the branch; its deletion revokes it" });
    if (ids.get(entry.path)) this.track(this.rebuild(ctx).catch((err: Error) => this.options.log?.error(`gitgrant: could not re-read the expiry schedule of ${where}: ${err.message}`)));
    return true;
  }

  private async revoke(ctx: RepoContext, current: Entry[], receipts: ReceiptStore | undefined): Promise<void> {
    const log = this.options.log;
    const where = `${ctx.owner}/${ctx.repo}`;
    const at = this.clock.now();
    const byCommit = new Map<string, Entry[]>();
    for (const e of current) byCommit.set(e.commit, [...(byCommit.get(e.commit) ?? []), e]);
    for (const [commit, entries] of byCommit) {
      const expired: ExpiredGrant[] = entries.map((e) => ({ path: e.path, grant: e.grant }));
      const results = await revokeExpired(commit, expired, ctx.providers, receipts, { now: new Date(at) }).catch((err: Error) => {
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
