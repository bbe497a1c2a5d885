// Bounded retries for the failures worth another try (throttled, transient, conflict).
// Which layer retries, client by client:
// - AWS SDK (maxAttempts 1), google-gax (retry: null), the Graph client (no RetryHandler in
//   its middleware), Entra's token endpoint (a plain fetch) and the CLI's @octokit/rest
//   (which has no retry or throttling plugin): their own retries are off, so this loop is the
//   only one. apply builds every provider with one try and runs this loop once around each
//   action (execute.ts), so a call is never retried by two loops.
// - Probot's octokit (the app) carries @octokit/plugin-retry (5xx, 3 retries) and
//   @octokit/plugin-throttling (waits out primary and secondary rate limits): that layer
//   retries, and github-team marks what comes out of it as already retried (retriedBelow), so
//   this loop does not multiply its tries.
// - google-auth-library refreshes its own access tokens with its own retries; a missing or
//   refused credential reaches this loop as a `config` error, which is never retried.
// A service that says when to come back (Retry-After in seconds or as an HTTP date, or GitHub's
// x-ratelimit-reset) is believed up to maxRetryAfterMs (60 s by default); asked to wait longer,
// the call fails at once saying so, rather than sleeping through a run. `sleep` and `now` are
// injected so tests never wait and never read the clock.
import { toProviderError } from "./errors.js";
import { ProviderError } from "./types.js";

export type Sleep = (ms: number) => Promise<void>;

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts?: number;
  /** Delay before the second try; doubles each time after. */
  baseDelayMs?: number;
  /** Upper bound of one backoff delay (the service's own Retry-After is bounded separately). */
  maxDelayMs?: number;
  /** The longest Retry-After (or rate-limit reset) waited for; a longer one fails at once. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Clock for HTTP-date Retry-After and GitHub's reset time. */
  now?: () => number;
  sleep?: Sleep;
  /** 0..1 source for jitter; injectable so a test can pin the delays. */
  random?: () => number;
  /** What was being tried, for the error message when `fn` throws a non-ProviderError. */
  action?: string;
  /** Called before each pause, e.g. to log "throttled, retry 2 of 4 in 400 ms". */
  onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** "Equal jitter" backoff: between half and all of base * 2^(attempt-1), so retries of many
 *  grants hitting one throttled API spread out instead of arriving together. */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Run `fn` up to `attempts` times. Non-retryable errors (denied, invalid, not_found) are
 * thrown at once; retryable ones after the last attempt, with how many tries were made.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (thrown) {
      const error = toProviderError(thrown, options.action ?? "provider call", options.now);
      if (!error.retryable) throw error;
      const asked = (error.cause as { retryAfterMs?: number } | undefined)?.retryAfterMs;
      if (asked !== undefined && asked > maxRetryAfterMs) {
        // Waiting longer would stall every other grant of the run; the next run tries again.
        throw new ProviderError(
          error.kind,
          `${error.message} (the service asked to wait ${Math.ceil(asked / 1000)} s, longer than gitgrant waits: ${Math.round(maxRetryAfterMs / 1000)} s)`,
          { ...(error.cause as object), retryAfterTooLong: true },
        );
      }
      // With a single attempt nothing was retried, so the error goes out as it came (an
      // outer retry loop, like apply's, then adds its own count).
      if (attempts === 1) throw error;
      if (attempt >= attempts) {
        throw new ProviderError(error.kind, `${error.message} (gave up after ${attempts} tries)`, error.cause);
      }
      // A service that says when to come back is believed (within maxRetryAfterMs, above).
      const delay = Math.max(backoffDelay(attempt, baseDelayMs, maxDelayMs, random), asked ?? 0);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
