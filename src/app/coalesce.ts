// Deliveries that arrive together for one thing (a PR head, a pushed commit) become one
// piece of work inside this process. GitHub sends the same event more than once (redelivery,
// a review and a synchronize at once, a burst after an outage), and each delivery judged on
// its own would publish its own check run and attempt its own merge.

/**
 * At most one run in flight and one queued per key. A call while a run is in flight joins
 * the queued follow-up (the latest caller's work is the one run; earlier queued callers get
 * its result): what the in-flight run read may already be stale (a review that came in
 * meanwhile), and one more run sees it. The follow-up finds the check run the first one
 * published and the merge it made, so it changes nothing twice.
 */
export class Coalescer<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly queued = new Map<string, { work: () => Promise<T>; result: Promise<T> }>();

  /** How many keys have work in flight (for the bench and tests). */
  get size(): number {
    return this.running.size;
  }

  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (!current) return this.start(key, work);
    const waiting = this.queued.get(key);
    if (waiting) {
      waiting.work = work;
      return waiting.result;
    }
    const entry = { work, result: undefined as unknown as Promise<T> };
    entry.result = current.then(
      () => this.next(key),
      () => this.next(key),
    );
    this.queued.set(key, entry);
    return entry.result;
  }

  /** Joins the run in flight instead of queueing another: for work whose input cannot change (a pushed commit). */
  join(key: string, work: () => Promise<T>): Promise<T> {
    return this.running.get(key) ?? this.start(key, work);
  }

  private next(key: string): Promise<T> {
    const entry = this.queued.get(key)!;
    this.queued.delete(key);
    return this.start(key, entry.work);
  }

  private start(key: string, work: () => Promise<T>): Promise<T> {
    const p = Promise.resolve().then(work);
    this.running.set(key, p);
    const clear = () => {
      if (this.running.get(key) === p) this.running.delete(key);
    };
    p.then(clear, clear);
    return p;
  }
}

/** "owner/repo@sha": the key of one commit in one repository, whichever installation delivered it. */
export function headKey(where: { owner: string; repo: string }, sha: string): string {
  return `${where.owner.toLowerCase()}/${where.repo.toLowerCase()}@${sha}`;
}

/** The last `capacity` keys set, with a value each, oldest forgotten first. */
export class RecentMap<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity = 10_000) {}
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
}

/** The per-process state that makes concurrent deliveries one piece of work (see index.ts). */
export interface InFlight<PullOutcome = unknown> {
  /** Judging and merging, per repository, PR and head. */
  pulls: Coalescer<PullOutcome>;
  /**
   * Heads this process merged, or armed GitHub's auto-merge for: a follow-up run may still see
   * the PR open (GitHub is eventually consistent), and asking again would be a second attempt.
   */
  merged: RecentMap<"merged" | "auto-merge">;
  /** Applying a pushed commit, per repository and commit. */
  pushes: Coalescer<void>;
}

export function inFlight<PullOutcome>(): InFlight<PullOutcome> {
  return { pulls: new Coalescer<PullOutcome>(), merged: new RecentMap(), pushes: new Coalescer<void>() };
}
