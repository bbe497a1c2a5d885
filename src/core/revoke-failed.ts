// The loud end of a revoke that did not happen: an event for the SIEM and chat, said in words
// a person acts on. Pure: the caller says what failed, when, and on which tree.
import type { AccessEvent } from "./events.js";
import { makeEvent } from "./event-derive.js";
import { isoSeconds } from "./time.js";
import type { GrantRef } from "./types.js";

export interface FailedRevoke {
  ref: GrantRef;
  /** The sentence of the failure ("could not revoke alice → ops-team: ..."). */
  detail: string;
  errorKind?: string;
  attempts: number;
  /** Why the revoke was needed (convergence's reason, or "its file was deleted"). */
  why?: string;
}

/**
 * One event per failed revoke and tree: the same failure on the same commit is the same event
 * (a consumer drops the duplicate), so a revoke failing run after run alerts once per change
 * of the branch, and again when the branch moves on without it being fixed.
 */
export function revokeFailedEvent(f: FailedRevoke, at: { now: Date; sha: string }): AccessEvent {
  const { ref } = f;
  return makeEvent({
    type: "revoke_failed",
    time: isoSeconds(at.now),
    actor: "gitgrant",
    requester: ref.login,
    resource: ref.resource.id,
    tier: null,
    pr: null,
    path: ref.path,
    sha: at.sha,
    discriminator: ref.principal.toLowerCase(),
    details: {
      principal: ref.principal,
      provider: ref.resource.provider,
      error_kind: f.errorKind ?? null,
      attempts: f.attempts,
      ...(f.why ? { why: f.why } : {}),
      detail: f.detail,
    },
    message: `not revoked: access may still be live. ${ref.login}'s ${ref.resource.id} (${ref.resource.provider}, ${ref.principal}) could not be revoked after ${f.attempts} tries: ${f.detail}`,
  });
}
