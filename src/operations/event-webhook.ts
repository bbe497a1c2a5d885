// Delivering an event to an HTTP webhook (SIEM collector, Slack, Teams) with bounded retries.
// Retried: 5xx, 429 (honouring Retry-After) and network failures. Not retried: any other 4xx,
// which will not get better by asking again. The URL is a secret (Slack and Teams webhook
// URLs carry their token in the path): it never appears in an error, a log or a report.
import type { AccessEvent, EventSink, EventType } from "../core/events.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Backoff before retry n is baseMs * 2^(n-1), at most maxMs (a Retry-After is also capped by maxMs). */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 1000, maxMs: 30_000 };

export class DeliveryError extends Error {
  constructor(
    readonly sink: string,
    readonly status: number | null,
    readonly attempts: number,
    readonly retryable: boolean,
    detail: string,
  ) {
    super(`${sink}: ${detail}${retryable ? ` (gave up after ${attempts} attempts)` : " (not retried)"}`);
    this.name = "DeliveryError";
  }
}

export interface WebhookOptions {
  name: string;
  url: string;
  body: (event: AccessEvent) => unknown;
  headers?: Record<string, string>;
  /** Event types sent; default all. */
  types?: readonly EventType[];
  retry?: Partial<RetryPolicy>;
  /** Injectable for tests: no test waits for real. */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After in seconds or an HTTP date, in ms from `now`; null if absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class WebhookSink implements EventSink {
  readonly name: string;
  private readonly retry: RetryPolicy;

  constructor(private readonly o: WebhookOptions) {
    this.name = o.name;
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
  }

  wants(type: EventType): boolean {
    return !this.o.types || this.o.types.includes(type);
  }

  async send(event: AccessEvent): Promise<void> {
    const doFetch = this.o.fetch ?? fetch;
    const sleep = this.o.sleep ?? realSleep;
    const body = JSON.stringify(this.o.body(event));
    for (let attempt = 1; ; attempt++) {
      let status: number | null = null;
      let detail: string;
      let wait: number | null = null;
      try {
        const res = await doFetch(this.o.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...this.o.headers },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        });
        status = res.status;
        const text = await res.text().catch(() => "");
        if (res.ok) return;
        detail = `HTTP ${status}${text ? ` ${JSON.stringify(text.slice(0, 100))}` : ""}`;
        if (status !== 429 && status < 500) throw new DeliveryError(this.name, status, attempt, false, detail);
        wait = retryAfterMs(res.headers.get("retry-after"), Date.now());
      } catch (e) {
        if (e instanceof DeliveryError) throw e;
        // Only the error code: a network error's message can name the URL.
        // fetch (undici) throws TypeError("fetch failed") with the code on its cause; others carry it themselves.
        const err = e as { cause?: { code?: string }; code?: string; name?: string };
        const code = err.cause?.code ?? err.code ?? err.name ?? "unknown";
        detail = `network error (${code})`;
      }
      if (attempt >= this.retry.attempts) throw new DeliveryError(this.name, status, attempt, true, detail);
      await sleep(Math.min(this.retry.maxMs, wait ?? this.retry.baseMs * 2 ** (attempt - 1)));
    }
  }
}
