// Events from the audit of git history: what happened to each grant, as structured events
// with a stable id (the same history always gives the same ids, so re-running after every
// push re-emits nothing new to a consumer that drops duplicates by id).
import { createHash } from "node:crypto";
import { formatDuration } from "./duration.js";
import { isoSeconds } from "./audit-format.js";
import type { GrantLife } from "./audit-types.js";
import type { AccessEvent, EventType } from "./events.js";
import { hasMentions, mentionsFor, type ChatMentions } from "./chat.js";
import type { AccessConfig } from "./config.js";

/** sha256 of type, path and commit SHA (and the approver, for approvals): stable across runs. */
export function eventId(type: EventType, path: string, sha: string, extra?: string): string {
  return createHash("sha256").update(`${type}\n${path}\n${sha}${extra ? `\n${extra}` : ""}`).digest("hex");
}

const APP = "gitgrant";

/**
 * An event from outside the history (the app or apply reporting a provider failure, say),
 * with the same id scheme: the same (type, path, commit) is the same event however often it is sent.
 */
export function makeEvent(e: Omit<AccessEvent, "id" | "details"> & { path: string; sha: string; details?: Record<string, unknown>; discriminator?: string }): AccessEvent {
  const { path, sha, discriminator, details, ...rest } = e;
  return { id: eventId(e.type, path, sha, discriminator), ...rest, details: { path, sha, ...details } };
}

function windowText(l: GrantLife): string {
  return l.expiresAt ? formatDuration(l.expiresAt.getTime() - l.grantedAt.getTime()) : "no known expiry";
}

function base(l: GrantLife, type: EventType, time: Date, actor: string | null, sha: string, message: string, details: Record<string, unknown>, extra?: string): AccessEvent {
  return {
    id: eventId(type, l.path, sha, extra),
    type,
    time: isoSeconds(time),
    actor,
    requester: l.requester,
    resource: l.resource,
    tier: l.tier,
    pr: l.pr,
    details: { path: l.path, sha, ...details },
    message,
  };
}

function approvedText(l: GrantLife): string {
  if (l.approvers.length) return `approved by ${l.approvers.join(" and ")}`;
  if (l.breakGlass) return "break-glass, to be reviewed after the fact";
  if (l.withoutHuman) return `no approval needed (tier ${l.tier ?? "unknown"})`;
  return `merged by ${l.author} with no approval on record`;
}

/** The requester's chat handles in an event's details (core/chat.ts mentions them), when there are any. */
function told(m: ChatMentions | undefined): { mentions?: ChatMentions } {
  return hasMentions(m) ? { mentions: m } : {};
}

/** Every event one grant life gives, oldest first. */
export function lifeEvents(l: GrantLife): AccessEvent[] {
  const appMerged = l.pr !== null && l.tier !== null;
  const mergedBy = appMerged ? APP : l.author;
  const evidence = { evidence: l.evidence.complete ? "complete" : "incomplete", missing: l.evidence.missing };
  const out: AccessEvent[] = [];
  const asked = l.kind === "new" ? `asked for ${l.resource} for ${windowText(l)}` : `asked to ${l.kind === "extension" ? "extend" : "renew"} ${l.resource} (${windowText(l)})`;
  out.push(base(l, "request", l.requestedAt, l.requestedBy[0] ?? l.requester, l.sha, `${l.requestedBy[0] ?? l.requester} ${asked}${l.requestedBy.length && !l.requestedBy.includes(l.requester) ? ` for ${l.requester}` : ""}: ${l.reason ?? "no reason on record"}`, { kind: l.kind, reason: l.reason, ticket: l.ticket }));
  const decided = l.breakGlass
    ? "break-glass, granted at once"
    : l.tier === null
      ? "no policy decision on record (merged without the app)"
      : l.approvalsRequired
        ? `tier ${l.tier}, ${l.approvalsRequired} approval${l.approvalsRequired === 1 ? "" : "s"} needed`
        : `tier ${l.tier}, merged at once`;
  out.push(base(l, "decision", l.landedAt, mergedBy, l.sha, `${l.requester}'s request for ${l.resource}: ${decided}`, { approvals_required: l.approvalsRequired, break_glass: l.breakGlass, without_human: l.withoutHuman }));
  for (const a of l.approvers) {
    // git records that they approved, not when: the landing time is the latest it can have been.
    out.push(base(l, "approval", l.landedAt, a, l.sha, `${a} approved ${l.requester}'s request for ${l.resource}`, {}, a));
  }
  const windowError = l.evidence.missing.find((m) => m.startsWith("no expiry: "));
  if (windowError) {
    out.push(base(l, "failure", l.landedAt, mergedBy, l.sha, `${l.requester}'s request for ${l.resource} landed but cannot be granted: ${windowError.slice("no expiry: ".length)}`, evidence));
  } else {
    const msg = `${l.requester} was granted ${l.resource} for ${windowText(l)}, ${approvedText(l)}${l.evidence.complete ? "" : " (evidence incomplete)"}`;
    out.push(base(l, "grant", l.grantedAt, mergedBy, l.sha, msg, { expires_at: l.expiresAt ? isoSeconds(l.expiresAt) : null, approvers: l.approvers, ...evidence, ...told(l.mentions) }));
  }
  if (l.end?.kind === "revoked") {
    const e = l.end;
    const how = e.pr ? ` in #${e.pr}` : ` by ${e.author} without a pull request`;
    out.push({
      ...base(l, "revoke", e.at, e.author, e.sha, `${l.requester}'s access to ${l.resource} was revoked (${e.reason})${how}`, { reason: e.reason, granted_in: l.sha, ...evidence, ...told(e.mentions) }),
      pr: e.pr,
    });
  }
  return out;
}

/** Events of every life, in time order, optionally only those at or after `since`. */
export function eventsFromLives(lives: GrantLife[], opts: { since?: Date; until?: Date } = {}): AccessEvent[] {
  const since = opts.since ? isoSeconds(opts.since) : null;
  const until = opts.until ? isoSeconds(opts.until) : null;
  const all = lives.flatMap(lifeEvents).filter((e) => (!since || e.time >= since) && (!until || e.time <= until));
  // Stable sort: same-second events keep their natural order (request, decision, approval, grant).
  return all.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => (a.time < b.time ? -1 : a.time > b.time ? 1 : i - j)).map(([e]) => e);
}

/**
 * Notices for grants that expire within `leadMs` of `now` and are still on the branch: the
 * sweep (or `gitgrant events`) calls this on its schedule. The id is per grant, so a notice
 * sent by one run is a duplicate in the next. A notice is about now, so it mentions the
 * requester by the chat handles of `current` (the identities at the commit being reported),
 * else by those the grant was judged with.
 */
export function expiryNotices(lives: GrantLife[], now: Date, leadMs: number, current?: Pick<AccessConfig, "identities"> | null): AccessEvent[] {
  const out: AccessEvent[] = [];
  for (const l of lives) {
    if (!l.expiresAt || (l.end && l.end.at <= now)) continue;
    const left = l.expiresAt.getTime() - now.getTime();
    if (left <= 0 || left > leadMs) continue;
    const at = isoSeconds(l.expiresAt).slice(0, 16).replace("T", " ");
    out.push(base(l, "expiry_notice", now, APP, l.sha, `${l.requester}'s access to ${l.resource} expires in ${formatDuration(left)} (at ${at} UTC)`, { expires_at: isoSeconds(l.expiresAt), ...told(current ? mentionsFor(current, [l.requester]) : l.mentions) }));
  }
  return out;
}
