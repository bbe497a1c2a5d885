// Is a grant's evidence complete? What git alone proves about one grant and its revoke, and
// what an auditor would have to look for elsewhere, said in words.
import type { Tier } from "./types.js";
import type { CommitTrailers, Evidence } from "./audit-types.js";
import type { Provenance } from "./provenance.js";
import { hasNoEvidence } from "./commit-trailers.js";

export interface GrantEvidenceInput {
  path: string;
  requester: string;
  trailers: CommitTrailers;
  /** The tier named by the Policy-tier trailer (null when none or ambiguous). */
  tierName: string | null;
  /** That tier as the policy defined it when the grant landed (null if unknown). */
  tier: Tier | null;
  /** Why no expiry could be computed, if so. */
  windowError?: string;
  /** Set when a cap shortened the window (only a file that bypassed the check can be over a cap). */
  capped?: string;
  /** Who wrote the commit; without it the trailers are unverified. */
  provenance?: Provenance;
}

const UNJUDGED: Provenance = { kind: "unverified", why: "the commit's author and signature were not checked" };

export function grantEvidence(input: GrantEvidenceInput): Evidence {
  const { trailers: t, path, requester } = input;
  const missing: string[] = [];
  const notes: string[] = [];
  const provenance = input.provenance ?? UNJUDGED;
  if (provenance.kind === "not-gitgrant") {
    // Its trailers are whatever someone typed: none of them is evidence.
    missing.push(`trailers not written by gitgrant (${provenance.why})`);
    if (input.windowError) missing.push(`no expiry: ${input.windowError}`);
    return { complete: false, missing, notes };
  }
  if (provenance.kind === "unverified" && !hasNoEvidence(t)) notes.push(`unverified: ${provenance.why}`);
  if (!t.grants.has(path)) missing.push("no Grant trailer (merged by hand or pushed directly)");
  const onBehalf = t.requestedBy.length > 0 && !t.requestedBy.some((r) => r.toLowerCase() === requester);
  if (t.approvedBy.length === 0) {
    if (t.breakGlass) {
      notes.push("break-glass: granted before any review; the after-the-fact review is on the incident issue, not in git");
    } else if (onBehalf) {
      missing.push(`no approver record (requested by ${t.requestedBy.join(", ")} for ${requester}, which always needs an approval)`);
    } else if (!input.tier) {
      missing.push("no approver record");
    } else if (input.tier.approvals > 0 && input.tier.auto_approve_if) {
      notes.push(`no approver: auto-approved by tier "${input.tier.name}"'s auto_approve_if (its inputs, teams and incidents, are not in git)`);
    } else if (input.tier.approvals > 0) {
      missing.push(`no approver record (tier "${input.tier.name}" needs ${input.tier.approvals})`);
    }
  }
  if (t.approvedBy.length > 0) approverGaps(input, missing, notes);
  if (input.tierName === null) missing.push(t.tiers.length > 1 ? `policy tier ambiguous (${t.tiers.join(", ")})` : "no policy tier");
  else if (!input.tier) notes.push(`tier "${input.tierName}" is not in the policy of that time`);
  if (t.pr === null) missing.push("no pull request");
  if (input.windowError) missing.push(`no expiry: ${input.windowError}`);
  if (input.capped) notes.push(`window ${input.capped}`);
  return { complete: missing.length === 0, missing, notes };
}

/** The recorded approvers must exclude the requester and meet the tier's count. */
function approverGaps(input: GrantEvidenceInput, missing: string[], notes: string[]): void {
  const { trailers: t, requester } = input;
  const self = t.approvedBy.filter((a) => a.toLowerCase() === requester.toLowerCase());
  const others = t.approvedBy.filter((a) => a.toLowerCase() !== requester.toLowerCase());
  if (self.length) missing.push(`the requester ${requester} is recorded as an approver of their own request`);
  if (t.breakGlass || !input.tier) return;
  const needed = input.tier.approvals;
  if (others.length >= needed) return;
  if (input.tier.auto_approve_if) notes.push(`${others.length} of ${needed} approval(s) recorded: the rest auto-approved by tier "${input.tier.name}"'s auto_approve_if`);
  else missing.push(`${others.length} of ${needed} approval(s) recorded besides the requester (tier "${input.tier.name}" needs ${needed})`);
}

/** The revoke's own gaps, added to the grant's evidence. Returns the revoke reason git records. */
export function revokeEvidence(path: string, t: CommitTrailers, provenance: Provenance = UNJUDGED): { reason: string; missing: string[]; notes: string[] } {
  const missing: string[] = [];
  const notes: string[] = [];
  let reason = "unknown";
  if (provenance.kind === "not-gitgrant") {
    missing.push(`revoke trailers not written by gitgrant (${provenance.why})`);
    return { reason, missing, notes };
  }
  if (provenance.kind === "unverified" && !hasNoEvidence(t)) notes.push(`revoke unverified: ${provenance.why}`);
  if (!t.revokes.has(path)) {
    missing.push("revoke has no Revoke trailer (deleted by hand or pushed directly)");
  } else if (t.revokeReasons.length === 0) {
    missing.push("revoke has no Revoke-reason");
  } else {
    reason = t.revokeReasons.join(" or ");
    // One commit revoking several files for different reasons lists each reason once.
    if (t.revokeReasons.length > 1) notes.push(`the revoke commit gives several reasons (${reason}) without saying which file each is for`);
  }
  if (t.pr === null) missing.push("revoke has no pull request");
  return { reason, missing, notes };
}

export function mergeEvidence(e: Evidence, more: { missing: string[]; notes: string[] }): Evidence {
  const missing = [...e.missing, ...more.missing];
  return { complete: missing.length === 0, missing, notes: [...e.notes, ...more.notes] };
}
