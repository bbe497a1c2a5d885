// Metrics for people: one line per group (overall, each tier, each resource).
import { formatDuration } from "./duration.js";
import type { Metrics, MetricsGroup, Stats } from "./metrics.js";

export const METRICS_HEADERS = [
  "GROUP", "GRANTS", "TIME TO GRANT mean/p50/p95", "REVOKE AFTER EXPIRY mean/p95", "NO HUMAN", "EVIDENCE COMPLETE", "STANDING (no expiry)",
];

export function duration(ms: number | null): string {
  if (ms === null) return "-";
  return ms === 0 ? "0s" : formatDuration(ms);
}

export function percent(share: number | null): string {
  return share === null ? "-" : `${(Math.round(share * 1000) / 10).toString()}%`;
}

function triple(s: Stats): string {
  return s.count ? `${duration(s.mean_ms)} / ${duration(s.p50_ms)} / ${duration(s.p95_ms)}` : "-";
}

export function metricsRow(name: string, g: MetricsGroup): string[] {
  const r = g.time_to_revoke_after_expiry;
  return [
    name,
    String(g.grants),
    triple(g.time_to_grant),
    r.count ? `${duration(r.mean_ms)} / ${duration(r.p95_ms)} (${r.count})` : "-",
    g.grants ? `${g.without_human}/${g.grants} ${percent(g.without_human_share)}` : "-",
    g.grants ? `${g.complete_evidence}/${g.grants} ${percent(g.completeness)}` : "-",
    `${g.standing.count} (${g.standing.without_expiry})`,
  ];
}

export function metricsRows(m: Metrics): string[][] {
  return [
    metricsRow("all", m.overall),
    ...Object.entries(m.by_tier).map(([k, g]) => metricsRow(`tier ${k}`, g)),
    ...Object.entries(m.by_resource).map(([k, g]) => metricsRow(`resource ${k}`, g)),
  ];
}
