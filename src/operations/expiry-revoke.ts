// The app's expiry timers end a grant at its expiry second on targets that cannot end it
// themselves. This is the effect: a revoke of the principal and target the tree granted,
// through applyOwned like every other change to a target (so ownership receipts decide
// what the revoke may remove). The file stays on the branch; the sweep's revoke PR removes
// it later, and stays the safety net when no app was running at that second.
import { revokeWords } from "../core/grant-words.js";
import type { Grant, GrantRef } from "../core/types.js";
import type { ReceiptStore } from "../git/types.js";
import type { ApplyOptions, ProviderLookup } from "./execute.js";
import { applyOwned } from "./owned-apply.js";
import type { ActionResult, Plan, RevokeAction } from "./plan-types.js";

export interface ExpiredGrant {
  path: string;
  grant: Grant;
}

/** The revoke the sweep's PR leads to when merged, built from the grant itself (the tree at `commit`). */
export function expiryRevokePlan(commit: string, expired: ExpiredGrant[]): Plan {
  const actions: RevokeAction[] = expired.map(({ path, grant }) => {
    const ref: GrantRef = { path, login: grant.login, resource: grant.resource, principal: grant.principal };
    return { kind: "revoke", path, change: "deleted", ref, words: revokeWords(ref) };
  });
  return { before: commit, after: commit, actions, skipped: [] };
}

/** Revokes the expired grants now; one result per grant, failures included (never thrown). */
export async function revokeExpired(
  commit: string,
  expired: ExpiredGrant[],
  providers: ProviderLookup,
  receipts: ReceiptStore | undefined,
  options: ApplyOptions & { now: Date },
): Promise<ActionResult[]> {
  if (!expired.length) return [];
  return applyOwned(expiryRevokePlan(commit, expired), providers, receipts, { ...options, commit });
}
