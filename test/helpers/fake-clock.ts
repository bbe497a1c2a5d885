// A clock for the expiry timers that only moves when a test says so: nothing waits.
import type { TimerClock } from "../../src/app/expiry-timers.js";

/** Timers on a clock that only moves when told to; due timers fire in time order, each at its own moment. */
export class FakeClock implements TimerClock {
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Whether a timer is set for `at` or before. */
  hasDue(at: number): boolean {
    return [...this.timers.values()].some((x) => x.at <= at);
  }
  advanceTo(at: number): void {
    for (;;) {
      const next = [...this.timers.entries()].filter(([, x]) => x.at <= at).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = at;
  }
}

/**
 * Moves the clock to `at` and lets what the due timers started finish, again until no timer
 * is due: a step that awaits GitHub and then sets its next timer for a moment already passed
 * runs at that moment, as it would on a real clock where the await took no time.
 */
export async function runTo(clock: FakeClock, timers: { idle(): Promise<void> }, at: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    clock.advanceTo(at);
    await timers.idle();
    if (!clock.hasDue(at)) return;
  }
  throw new Error("timers kept setting timers that were due: a loop");
}
