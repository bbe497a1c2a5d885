// Git trailers: the evidence an auditor reads from `git log` alone.
// Grant:, Requested-by:, Approved-by:, Policy-tier:, Pull-request:, Revoke:, Revoke-reason:.

/**
 * Why access ended. expired: the window; incident-resolved / shift-end: the request's `until:`
 * event; approval-withdrawn: a code owner who approved it took the approval back.
 */
export type RevokeReason = "expired" | "relinquished" | "offboarding" | "incident" | "incident-resolved" | "shift-end" | "approval-withdrawn" | "other";
export const REVOKE_REASONS: RevokeReason[] = ["expired", "relinquished", "offboarding", "incident", "incident-resolved", "shift-end", "approval-withdrawn", "other"];
/** The reasons of revokes gitgrant opens on an event (not a person's choice on the command line). */
export const EVENT_REVOKE_REASONS: RevokeReason[] = ["incident-resolved", "shift-end", "approval-withdrawn"];

export interface Trailer {
  key: string;
  value: string;
}

/** A trailer value must stay on one line; anything after a newline would forge another trailer. */
function clean(value: string): string {
  return value.replace(/[\r\n]+/g, " ").trim();
}

export function formatTrailers(trailers: Trailer[]): string {
  return trailers.map((t) => `${t.key}: ${clean(t.value)}`).join("\n");
}

export interface GrantEvidence {
  grants: Array<{ path: string; requester: string; tier: string }>;
  revokes: Array<{ path: string; reason: RevokeReason }>;
  approvedBy: string[];
  pullRequest: number;
  breakGlass?: boolean;
}

/** The squash commit message the app writes: a title, a body, then the trailers. */
export function evidenceMessage(title: string, body: string, e: GrantEvidence): string {
  const trailers: Trailer[] = [];
  for (const g of e.grants) trailers.push({ key: "Grant", value: g.path });
  for (const r of e.revokes) trailers.push({ key: "Revoke", value: r.path });
  const requesters = [...new Set(e.grants.map((g) => g.requester))];
  for (const r of requesters) trailers.push({ key: "Requested-by", value: r });
  for (const a of e.approvedBy) trailers.push({ key: "Approved-by", value: a });
  const tiers = [...new Set(e.grants.map((g) => g.tier))];
  for (const t of tiers) trailers.push({ key: "Policy-tier", value: t });
  for (const reason of [...new Set(e.revokes.map((r) => r.reason))]) trailers.push({ key: "Revoke-reason", value: reason });
  if (e.breakGlass) trailers.push({ key: "Break-glass", value: "true" });
  trailers.push({ key: "Pull-request", value: `#${e.pullRequest}` });
  return `${clean(title)}\n\n${body.trim() ? `${body.trim()}\n\n` : ""}${formatTrailers(trailers)}\n`;
}

/** Trailers of a commit message: the last paragraph, if every line in it is `Key: value`. */
export function parseTrailers(message: string): Trailer[] {
  const paragraphs = message.trim().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? "";
  if (paragraphs.length < 2) return [];
  const lines = last.split("\n").filter((l) => l.trim() !== "");
  const out: Trailer[] = [];
  for (const line of lines) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m) return [];
    out.push({ key: m[1]!, value: m[2]!.trim() });
  }
  return out;
}

export function trailerValues(trailers: Trailer[], key: string): string[] {
  return trailers.filter((t) => t.key.toLowerCase() === key.toLowerCase()).map((t) => t.value);
}
