// The audit as people and machines read it: one record per grant life, as a table, JSON lines or CSV.
import { isoSeconds as coreIsoSeconds } from "./time.js";
import { csv } from "./csv.js";
import { lifeStatus } from "./lives.js";
import type { GrantLife, LifeStatus } from "./audit-types.js";
import type { Access } from "./overdue.js";

/** One audit row (JSON lines: one of these per line; CSV: these columns in this order). */
export interface AuditRecord {
  requester: string;
  resource: string;
  path: string;
  kind: GrantLife["kind"];
  status: LifeStatus;
  reason: string | null;
  ticket: string | null;
  tier: string | null;
  approvers: string[];
  approvals_required: number | null;
  pr: number | null;
  requested_by: string[];
  break_glass: boolean;
  without_human: boolean;
  requested_at: string;
  granted_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoke_reason: string | null;
  revoke_pr: number | null;
  superseded_at: string | null;
  sha: string;
  revoke_sha: string | null;
  evidence: "complete" | "incomplete";
  /** Who wrote the trailers of the grant and its revoke (see core/provenance.ts). */
  provenance: "gitgrant" | "unverified" | "not-gitgrant";
  missing: string[];
  notes: string[];
  /** From the ownership receipts: "created" (gitgrant made it), "standing" (the person had it before), "revoked", or "none" (no receipt). */
  ownership: Access["ownership"];
  /** Access may still be live although git says it ended (see core/overdue.ts). */
  overdue: boolean;
  /** The status in words when overdue: "expired, not revoked: access may still be live". */
  status_words: string | null;
}

/** ISO 8601 to the second, "2026-03-02T10:00:00Z" (the same text as core's isoSeconds, without a regex per date). */
export function isoSeconds(d: Date): string {
  // A history repeats its instants (a commit's time is many lives' start or end): format each once.
  const t = d.getTime();
  let s = formatted.get(t);
  if (s === undefined) {
    if (formatted.size >= 100_000) formatted.clear();
    s = coreIsoSeconds(d);
    formatted.set(t, s);
  }
  return s;
}
const formatted = new Map<number, string>();

const iso = (d: Date | null | undefined) => (d ? isoSeconds(d) : null);

const NOTHING_AMISS: Access = { ownership: "none", overdue: false, words: null };

export function auditRecord(l: GrantLife, now: Date, access?: Access): AuditRecord {
  const revoked = l.end?.kind === "revoked" ? l.end : null;
  const a = access ?? NOTHING_AMISS;
  return {
    requester: l.requester,
    resource: l.resource,
    path: l.path,
    kind: l.kind,
    status: lifeStatus(l, now),
    reason: l.reason,
    ticket: l.ticket,
    tier: l.tier,
    approvers: l.approvers,
    approvals_required: l.approvalsRequired,
    pr: l.pr,
    requested_by: l.requestedBy,
    break_glass: l.breakGlass,
    without_human: l.withoutHuman,
    requested_at: isoSeconds(l.requestedAt),
    granted_at: isoSeconds(l.grantedAt),
    expires_at: iso(l.expiresAt),
    revoked_at: iso(revoked?.at),
    revoke_reason: revoked?.reason ?? null,
    revoke_pr: revoked?.pr ?? null,
    superseded_at: l.end?.kind === "superseded" ? isoSeconds(l.end.at) : null,
    sha: l.sha,
    revoke_sha: revoked?.sha ?? null,
    evidence: l.evidence.complete ? "complete" : "incomplete",
    provenance: l.provenance,
    missing: l.evidence.missing,
    notes: l.evidence.notes,
    ownership: a.ownership,
    overdue: a.overdue,
    status_words: a.words,
  };
}

export function jsonLines(lives: GrantLife[], now: Date, access?: ReadonlyMap<number, Access>): string {
  return lives.map((l) => JSON.stringify(auditRecord(l, now, access?.get(l.index)))).join("\n");
}

const CSV_COLUMNS: Array<keyof AuditRecord> = [
  "requester", "resource", "reason", "ticket", "tier", "approvers", "pr", "requested_at", "granted_at", "expires_at",
  "revoked_at", "revoke_reason", "revoke_pr", "superseded_at", "kind", "status", "break_glass", "without_human",
  "evidence", "provenance", "missing", "notes", "path", "sha", "revoke_sha", "ownership", "overdue",
];

export function auditCsv(lives: GrantLife[], now: Date, access?: ReadonlyMap<number, Access>): string {
  const cell = (v: unknown): string => (v === null || v === undefined ? "" : Array.isArray(v) ? v.join("; ") : String(v));
  return csv(CSV_COLUMNS, lives.map((l) => {
    const r = auditRecord(l, now, access?.get(l.index));
    return CSV_COLUMNS.map((c) => cell(r[c]));
  }));
}

/** "2026-01-01 10:00" (UTC): short enough for a table, exact to the minute. */
export function shortTime(d: Date | null | undefined): string {
  return d ? isoSeconds(d).slice(0, 16).replace("T", " ") : "";
}

/** With `access`, HOW says when access may still be live, and (when any receipt is known) an OWNERSHIP column shows created / standing. */
export function tableRows(lives: GrantLife[], now: Date, access?: ReadonlyMap<number, Access>): { headers: string[]; rows: string[][]; gaps: string[] } {
  const owned = access && [...access.values()].some((a) => a.ownership !== "none");
  const headers = ["REQUESTER", "RESOURCE", "TIER", "APPROVERS", "PR", "GRANTED (UTC)", "EXPIRES", "ENDED", "HOW", "EVIDENCE", ...(owned ? ["OWNERSHIP"] : [])];
  const gaps: string[] = [];
  const rows = lives.map((l) => {
    const ended = l.end ? shortTime(l.end.at) : "";
    const next = l.end?.kind === "superseded" ? lives.find((x) => x.index === (l.end as { by: number }).by) : undefined;
    const how =
      l.end?.kind === "revoked" ? `revoked: ${l.end.reason}${l.end.pr ? ` #${l.end.pr}` : ""}`
      : l.end?.kind === "superseded" ? `edited${next?.pr ? ` #${next.pr}` : ""}`
      : lifeStatus(l, now);
    const verdict = access?.get(l.index);
    if (!l.evidence.complete) gaps.push(`${l.path} @ ${l.sha.slice(0, 12)} (${shortTime(l.landedAt)}): ${l.evidence.missing.join("; ")}`);
    return [
      l.requester,
      l.resource,
      l.tier ?? "-",
      l.approvers.join(",") || "-",
      l.pr ? `#${l.pr}` : "-",
      shortTime(l.grantedAt),
      l.expiresAt ? shortTime(l.expiresAt) : "none",
      ended,
      verdict?.words ?? how,
      l.evidence.complete ? "complete" : "INCOMPLETE",
      ...(owned ? [verdict?.ownership ?? "none"] : []),
    ];
  });
  return { headers, rows, gaps };
}
