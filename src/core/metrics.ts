// The seed metrics, from grant lives alone (pure math; time is a parameter).
//
// What git can and cannot tell, said once:
// - time to grant: "opened" is the earliest author date of the change's commits (a PR's own
//   commits for a merge commit; for a squash, the squash commit's author date), "applied" is
//   the landing time on the default branch (apply runs on that push; its check run is on
//   GitHub, not in git). So it is merge latency as git records it, a lower bound of the wait.
// - time to revoke after expiry: revoke commit time - expiry, for lives whose file was
//   removed after its window ended. Native-expiry providers (AWS, GCP, Entra PIM) cut the
//   access at the expiry second; this measures how long the file lingered.
import { parseDuration } from "./duration.js";
import { lifeStatus } from "./lives.js";
import type { GrantLife } from "./audit-types.js";
import { judgeAccess, UNKNOWN_TARGETS, type Access, type AccessJudge } from "./overdue.js";

export interface Stats {
  count: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface MetricsGroup {
  grants: number;
  time_to_grant: Stats;
  time_to_revoke_after_expiry: Stats;
  /** Grants the app merged with nobody approving (self-service, auto-approve, break-glass). */
  without_human: number;
  without_human_share: number | null;
  complete_evidence: number;
  completeness: number | null;
  /** Files on the branch now whose window has passed (waiting for the sweep). */
  expired_not_revoked: number;
  /** Grants whose access may still be live although git says they ended: past expiry on a
   *  target without native expiry, or revoked in git while the receipt says gitgrant's grant is there. */
  overdue: number;
  standing: { count: number; without_expiry: number; longer_than_threshold: number; paths: string[] };
}

export interface Metrics {
  now: string;
  since: string | null;
  standing_threshold: string;
  overall: MetricsGroup;
  by_tier: Record<string, MetricsGroup>;
  by_resource: Record<string, MetricsGroup>;
}

/** Nearest-rank percentile of sorted values (p in 0..100): the smallest value with at least p% at or below it. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return { count: sorted.length, mean_ms: mean, p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95) };
}

/**
 * Standing privilege, for a life whose file is on the branch now: it has no computable
 * expiry, its window is longer than the threshold, or the person has held it (through
 * extensions, or because nobody removed an expired file) longer than the threshold.
 */
export function isStanding(l: GrantLife, now: Date, thresholdMs: number): "without_expiry" | "longer_than_threshold" | null {
  if (l.end && l.end.at <= now) return null;
  if (l.expiresAt === null) return "without_expiry";
  if (l.expiresAt.getTime() - l.grantedAt.getTime() > thresholdMs) return "longer_than_threshold";
  if (now.getTime() - l.heldSince.getTime() > thresholdMs) return "longer_than_threshold";
  return null;
}

function group(lives: GrantLife[], now: Date, thresholdMs: number, since: Date | null, access: ReadonlyMap<number, Access>): MetricsGroup {
  // Rates are over the grants decided in the period; standing privilege is about now, whenever granted.
  const inPeriod = since ? lives.filter((l) => l.landedAt >= since) : lives;
  const toGrant = inPeriod.map((l) => l.landedAt.getTime() - l.requestedAt.getTime());
  const toRevoke: number[] = [];
  for (const l of lives) {
    if (l.end?.kind !== "revoked" || !l.expiresAt || l.end.at < l.expiresAt) continue;
    if (since && l.end.at < since) continue;
    toRevoke.push(l.end.at.getTime() - l.expiresAt.getTime());
  }
  const without = inPeriod.filter((l) => l.withoutHuman).length;
  const complete = inPeriod.filter((l) => l.evidence.complete).length;
  const standing = { count: 0, without_expiry: 0, longer_than_threshold: 0, paths: [] as string[] };
  let expired = 0;
  let overdue = 0;
  for (const l of lives) {
    if (lifeStatus(l, now) === "expired") expired++;
    if (access.get(l.index)?.overdue) overdue++;
    const s = isStanding(l, now, thresholdMs);
    if (!s) continue;
    standing.count++;
    standing[s]++;
    standing.paths.push(l.path);
  }
  const share = (n: number) => (inPeriod.length ? n / inPeriod.length : null);
  return {
    grants: inPeriod.length,
    time_to_grant: stats(toGrant),
    time_to_revoke_after_expiry: stats(toRevoke),
    without_human: without,
    without_human_share: share(without),
    complete_evidence: complete,
    completeness: share(complete),
    expired_not_revoked: expired,
    overdue,
    standing,
  };
}

export function computeMetrics(lives: GrantLife[], opts: { now: Date; since?: Date | null; standingThreshold: string; judge?: AccessJudge }): Metrics {
  const thresholdMs = parseDuration(opts.standingThreshold);
  const access = judgeAccess(lives, opts.now, opts.judge ?? UNKNOWN_TARGETS);
  const since = opts.since ?? null;
  const by = (key: (l: GrantLife) => string) => {
    const groups = new Map<string, GrantLife[]>();
    for (const l of lives) {
      const k = key(l);
      const list = groups.get(k);
      if (list) list.push(l);
      else groups.set(k, [l]);
    }
    return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, ls]) => [k, group(ls, opts.now, thresholdMs, since, access)]));
  };
  return {
    now: opts.now.toISOString(),
    since: since ? since.toISOString() : null,
    standing_threshold: opts.standingThreshold,
    overall: group(lives, opts.now, thresholdMs, since, access),
    by_tier: by((l) => l.tier ?? "(unknown)"),
    by_resource: by((l) => l.resource),
  };
}
