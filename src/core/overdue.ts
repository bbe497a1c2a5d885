// Whether access may still be live although git says it ended: a file past its expiry on a
// target that does not end grants itself (the sweep has not revoked it yet, or its revoke
// keeps failing), or a grant whose file is gone but whose receipt still says gitgrant created
// it and nothing removed it. Audit, report and metrics say so instead of a quiet "expired".
import { lifeStatus } from "./lives.js";
import { receiptKey, type Ownership } from "./receipts.js";
import type { GrantLife } from "./audit-types.js";

export interface AccessJudge {
  /** Whether the resource's target ends grants itself; undefined when unknown (not in the catalog). */
  nativeExpiry(resourceId: string): boolean | undefined;
  /** ownershipOf(receipts); empty without a receipt store. */
  ownership: ReadonlyMap<string, Ownership>;
}

export interface Access {
  ownership: Ownership["kind"];
  overdue: boolean;
  /** "expired, not revoked: access may still be live", or null when nothing is amiss. */
  words: string | null;
}

export const EXPIRED_NOT_REVOKED = "expired, not revoked: access may still be live";
export const REVOKED_NOT_REMOVED = "revoked in git, not in the target: access may still be live";

/** The judge when nothing is known of the targets: every expiry is treated as needing a revoke (the cautious reading). */
export const UNKNOWN_TARGETS: AccessJudge = { nativeExpiry: () => undefined, ownership: new Map() };

/** Each life's access verdict; receipts speak only for the latest life of each grant. */
export function judgeAccess(lives: readonly GrantLife[], now: Date, judge: AccessJudge): Map<number, Access> {
  const latest = new Map<string, number>();
  for (const l of lives) latest.set(receiptKey(l.resource, l.requester), l.index);
  const out = new Map<number, Access>();
  for (const l of lives) {
    const key = receiptKey(l.resource, l.requester);
    const own = latest.get(key) === l.index ? judge.ownership.get(key) : undefined;
    const ownership = own?.kind ?? "none";
    const status = lifeStatus(l, now);
    const native = judge.nativeExpiry(l.resource) === true;
    let words: string | null = null;
    if (status === "expired" && !native) words = EXPIRED_NOT_REVOKED;
    else if (own?.kind === "created" && l.end?.kind === "revoked" && l.end.at <= now && Date.parse(own.receipt.at) <= l.end.at.getTime()) {
      // A native target ended it anyway once the window ran out.
      const ended = native && l.expiresAt !== null && l.expiresAt <= now;
      if (!ended) words = REVOKED_NOT_REMOVED;
    }
    out.set(l.index, { ownership, overdue: words !== null, words });
  }
  return out;
}
