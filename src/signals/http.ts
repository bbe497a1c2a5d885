// JSON over HTTPS for the signal sources outside GitHub (PagerDuty, Microsoft Graph): one GET
// with bounded retries on throttling and outages, waiting as long as the service says
// (Retry-After, or PagerDuty's ratelimit-reset), and errors that name the service, the
// status and the service's own message, never the token.

export class SignalHttpError extends Error {
  constructor(
    message: string,
    readonly httpStatus: number | null,
  ) {
    super(message);
    this.name = "SignalHttpError";
  }
}

export interface GetOptions {
  /** "PagerDuty", "Microsoft Graph": named in errors. */
  service: string;
  headers: Record<string, string>;
  sleep?: (ms: number) => Promise<void>;
  /** Tries in all, the first included. */
  attempts?: number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// A delivery should not hang on one signal: never wait longer than this between tries.
const MAX_WAIT_MS = 10_000;

export async function getJson<T>(url: string, o: GetOptions): Promise<T> {
  const attempts = o.attempts ?? 3;
  const sleep = o.sleep ?? realSleep;
  const where = `GET ${new URL(url).pathname}`;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { headers: o.headers });
    } catch (err) {
      const why = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      if (attempt >= attempts) throw new SignalHttpError(`${o.service} could not be reached on ${where}: ${why}`, null);
      await sleep(Math.min(MAX_WAIT_MS, 500 * 2 ** (attempt - 1)));
      continue;
    }
    if (res.ok) return (await res.json()) as T;
    const body = (await res.json().catch(() => ({}))) as { error?: { message?: string; code?: unknown; errors?: string[] } | string; message?: string };
    const said = typeof body.error === "object" ? [body.error.message, ...(body.error.errors ?? [])].filter(Boolean).join(": ") : (body.error ?? body.message ?? res.statusText);
    const retryable = res.status === 429 || res.status >= 500;
    if (!retryable || attempt >= attempts) {
      const tries = retryable && attempts > 1 ? ` (gave up after ${attempts} tries)` : "";
      throw new SignalHttpError(`${o.service} answered ${res.status} on ${where}: ${said || "no message"}${tries}`, res.status);
    }
    await sleep(Math.min(MAX_WAIT_MS, waitMs(res) ?? 500 * 2 ** (attempt - 1)));
  }
}

/** Retry-After (seconds or an HTTP date), else PagerDuty's ratelimit-reset (seconds). */
function waitMs(res: Response): number | undefined {
  const after = res.headers.get("retry-after");
  if (after) {
    const s = Number(after);
    if (Number.isFinite(s)) return Math.max(0, s * 1000);
    const at = Date.parse(after);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  const reset = Number(res.headers.get("ratelimit-reset"));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
}
