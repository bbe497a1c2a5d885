// Durations as people write them in request files and policy: 30m, 2h, 1d, 1h30m, 1w,
// or ISO 8601 (PT2H, P1DT4H). Months and years are refused: their length depends on
// the calendar, and access windows must be exact.

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const SHORT = /^(?:\d+[smhdw])+$/;
const ISO = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export class DurationError extends Error {}

// Policies and requests repeat the same few durations thousands of times.
const cache = new Map<string, number>();

/** Milliseconds in a duration; throws DurationError with a message a requester understands. */
export function parseDuration(text: string): number {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const ms = parse(text);
  if (cache.size < 10_000) cache.set(text, ms);
  return ms;
}

function parse(text: string): number {
  const s = String(text).trim();
  let ms = 0;
  if (SHORT.test(s)) {
    for (const [, n, unit] of s.matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  } else {
    const m = ISO.exec(s);
    if (!m) {
      throw new DurationError(
        `"${text}" is not a duration; write it like 30m, 2h, 1d, 1h30m or ISO 8601 PT2H (months and years are not allowed).`,
      );
    }
    const [, w, d, h, min, sec] = m;
    ms = Number(w ?? 0) * UNIT_MS.w! + Number(d ?? 0) * UNIT_MS.d! + Number(h ?? 0) * UNIT_MS.h! + Number(min ?? 0) * UNIT_MS.m! + Number(sec ?? 0) * 1000;
  }
  if (ms <= 0) throw new DurationError(`"${text}" is zero; a duration must be longer than that.`);
  if (!Number.isSafeInteger(ms) || ms > 3650 * UNIT_MS.d!) throw new DurationError(`"${text}" is longer than ten years.`);
  return ms;
}

/** Compact human form: 90 minutes -> "1h30m", 2 days -> "2d". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, secs] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / secs);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * secs;
  }
  return parts.join("");
}
