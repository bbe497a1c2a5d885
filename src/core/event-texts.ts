// The words of revokes that an event opens (a request's `until:` event came, or a code owner
// withdrew their approval): title, commit message and PR body. The trailers are the same as
// every revoke's, so `git log` and the audit say why access ended.
import { classifyPath } from "./paths.js";
import { formatTrailers, type RevokeReason } from "./trailers.js";
import { revokeTrailers } from "./revoke-texts.js";

export interface EventRevoke {
  path: string;
  reason: RevokeReason;
  /** What happened, as a sentence: "PagerDuty incident #1234 (PT4KHLK) was resolved at 2026-11-30T11:00:00Z." */
  why: string;
}

function grantOf(path: string): string {
  const where = classifyPath(path);
  return where.kind === "request" ? `${where.parsed.resourceId} for ${where.parsed.login}` : path;
}

const WHAT: Partial<Record<RevokeReason, string>> = {
  "incident-resolved": "the incident it was for is resolved",
  "shift-end": "the on-call shift it was for has ended",
  "approval-withdrawn": "an approver withdrew their approval",
};

export function eventTitle(e: EventRevoke): string {
  return `Revoke access: ${grantOf(e.path)} (${e.reason})`;
}

export function eventCommitMessage(e: EventRevoke): string {
  return `${eventTitle(e)}\n\n${oneLine(e.why)}\n\n${formatTrailers(revokeTrailers([e.path], e.reason))}\n`;
}

/** The PR body; its `Revoke-reason:` line is what the app's merge records. */
export function eventPrBody(e: EventRevoke): string {
  return [
    `gitgrant ends the grant of **${grantOf(e.path)}** early: ${WHAT[e.reason] ?? e.reason}.`,
    "",
    oneLine(e.why),
    "",
    `- File: \`${e.path}\``,
    "",
    "Merging applies the revoke in the target system. This PR is gitgrant's own revoke: self-service, merged by the app.",
    "To keep the access, merge a new request for it instead (judged again).",
    "",
    formatTrailers(revokeTrailers([e.path], e.reason)),
  ].join("\n");
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ").trim();
}
