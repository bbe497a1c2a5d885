// Bounded retries for the failures worth another try (throttled, transient, conflict).
// SDK-internal retries are switched off in every provider so this is the only retry
// loop, and `sleep` is injected so tests never wait.
import { toProviderError } from "./errors.js";
import { ProviderError } from "./types.js";

export type Sleep = (ms: number) => Promise<void>;

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts?: number;
  /** Delay before the second try; doubles each time after. */
  baseDelayMs?: number;
  /** Upper bound of one delay. */
  maxDelayMs?: number;
  sleep?: Sleep;
  /** 0..1 source for jitter; injectable so a test can pin the delays. */
  random?: () => number;
  /** What was being tried, for the error message when `fn` throws a non-ProviderError. */
  action?: string;
  /** Called before each pause, e.g. to log "throttled, retry 2 of 4 in 400 ms". */
  onRetry?: (error: ProviderError, attempt: number, delayMs: number) => void;
}

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
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (thrown) {
      const error = toProviderError(thrown, options.action ?? "provider call");
      if (!error.retryable) throw error;
      // With a single attempt nothing was retried, so the error goes out as it came (an
      // outer retry loop, like apply's, then adds its own count).
      if (attempts === 1) throw error;
      if (attempt >= attempts) {
        throw new ProviderError(error.kind, `${error.message} (gave up after ${attempts} tries)`, error.cause);
      }
      // A service that says when to come back is believed, within the cap.
      const asked = (error.cause as { retryAfterMs?: number } | undefined)?.retryAfterMs;
      const delay = Math.min(maxDelayMs, Math.max(backoffDelay(attempt, baseDelayMs, maxDelayMs, random), asked ?? 0));
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
