// The app's outbound GitHub calls, bounded for the whole process, with GitHub's secondary
// rate limits honoured. Probot 14.3 ships @octokit/plugin-throttling, which (when enabled,
// as `npm start` runs it) already queues writes and GraphQL one at a time a second per
// installation and retries a primary limit twice; but Probot's own handler for a secondary
// limit only logs it, so the call fails (403/429) and the delivery with it, and nothing
// bounds the calls of all installations together. This hook does both: at most
// `maxConcurrent` calls in flight per process (GitHub allows 100 per token-holder), and a
// 403/429 that GitHub documents as a rate limit is retried after the wait GitHub asks for
// (retry-after; else until x-ratelimit-reset when none is left; else a minute), holding
// that installation's other calls back meanwhile, so a burst becomes slower, not failed.
import { AsyncLocalStorage } from "node:async_hooks";
import { GITHUB_MAX_CONCURRENT, SECONDARY_LIMIT_FALLBACK_SECONDS } from "../github/limits.js";
import type { OctokitLike } from "../github/octokit.js";

export interface OutboundOptions {
  /** Calls in flight at once for the whole process; default GITHUB_MAX_CONCURRENT. */
  maxConcurrent?: number;
  /** Retries of one call after a rate limit; default 3. Then the error goes to the caller. */
  maxRetries?: number;
  /** Waits; tests record instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch (x-ratelimit-reset is a time); tests pin it. */
  now?: () => number;
  /** Told about each wait, e.g. to log it. */
  onLimited?: (info: { method: string; url: string; status: number; waitMs: number; retry: number }) => void;
}

interface RequestOptions {
  method: string;
  url: string;
}

/** Octokit's RequestError (headers on its response) or gitgrant's GitHubApiError (the rate-limit headers kept). */
interface ErrorLike {
  status?: number;
  message?: string;
  headers?: Record<string, string | number | undefined>;
  response?: { headers?: Record<string, string | number | undefined> };
}

/** How long GitHub asks to wait before this error's call is made again, or null if it is not a rate limit. */
export function rateLimitWait(err: unknown, nowMs: number): number | null {
  const e = err as ErrorLike;
  if (e?.status !== 403 && e?.status !== 429) return null;
  const headers = e.response?.headers ?? e.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  if (String(headers["x-ratelimit-remaining"]) === "0" && headers["x-ratelimit-reset"] !== undefined) {
    return Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - nowMs) + 1000;
  }
  // A 403 without these is a permission refusal unless GitHub says it is a rate limit.
  if (e.status === 429 || /rate limit/i.test(e.message ?? "")) return SECONDARY_LIMIT_FALLBACK_SECONDS * 1000;
  return null;
}

/**
 * A call made while this async chain already holds a slot: the installation token that the
 * auth hook fetches inside the call that needs it goes through the same octokit. Waiting for
 * a second slot there would deadlock a full process (every slot held by a call waiting for
 * its token), so it goes straight through, as the throttling plugin lets auth calls through.
 */
const holding = new AsyncLocalStorage<boolean>();

export class Outbound {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly pausedUntil = new Map<string, number>();
  private readonly installed = new WeakSet<object>();
  private readonly max: number;
  private readonly retries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  /** The most calls ever in flight at once (the bench reports it). */
  peak = 0;
  /** Calls retried after a rate limit. */
  limited = 0;

  constructor(private readonly options: OutboundOptions = {}) {
    this.max = options.maxConcurrent ?? GITHUB_MAX_CONCURRENT;
    this.retries = options.maxRetries ?? 3;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
  }

  /** Routes every call of `octokit` through this bound; `holder` names whose limits they count against (the installation). */
  install(octokit: OctokitLike, holder: string): void {
    if (this.installed.has(octokit)) return;
    this.installed.add(octokit);
    octokit.hook.wrap("request", (request, options) => this.call(holder, options as unknown as RequestOptions, async () => request(options)));
  }

  async call<T>(holder: string, options: RequestOptions, send: () => Promise<T>): Promise<T> {
    if (holding.getStore()) return send();
    for (let retry = 0; ; retry++) {
      await this.untilResumed(holder);
      await this.acquire();
      try {
        return await holding.run(true, send);
      } catch (err) {
        const wait = rateLimitWait(err, this.now());
        if (wait === null || retry >= this.retries) throw err;
        this.limited++;
        // The limit is the token-holder's: its other calls wait too rather than hit it again.
        this.pausedUntil.set(holder, Math.max(this.pausedUntil.get(holder) ?? 0, this.now() + wait));
        this.options.onLimited?.({ method: options.method, url: options.url, status: (err as ErrorLike).status ?? 0, waitMs: wait, retry: retry + 1 });
      } finally {
        this.release();
      }
    }
  }

  private async untilResumed(holder: string): Promise<void> {
    for (;;) {
      const until = this.pausedUntil.get(holder) ?? 0;
      const left = until - this.now();
      if (left <= 0) return;
      await this.sleep(left);
      // Waited what was asked; a later limit meanwhile moved the pause on, and is waited in turn.
      if ((this.pausedUntil.get(holder) ?? 0) <= until) {
        this.pausedUntil.delete(holder);
        return;
      }
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      this.peak = Math.max(this.peak, this.active);
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.active++;
        this.peak = Math.max(this.peak, this.active);
        resolve();
      }),
    );
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}
