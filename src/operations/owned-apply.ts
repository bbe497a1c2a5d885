// Apply with ownership: the apply loop (execute.ts) wrapped so that every grant and revoke
// reads and writes ownership receipts (core/receipts.ts): a revoke removes the principal
// and target that were granted, never standing access a person had before gitgrant.
// Every caller that changes a target goes through here: apply on merge, convergence,
// reconcile --fix and the app's expiry timers.
//
// CONTRACT ONLY for now (the receipts branch fills it in): it passes straight to applyPlan.
import type { ReceiptStore } from "../git/types.js";
import { applyPlan, type ApplyOptions, type ProviderLookup } from "./execute.js";
import type { ActionResult, Plan } from "./plan-types.js";

export interface OwnedApplyOptions extends ApplyOptions {
  /** The commit whose tree the plan came from; the receipts are recorded on it. */
  commit: string;
  /** When the effects happen (receipt times). */
  now: Date;
}

export async function applyOwned(plan: Plan, providers: ProviderLookup, receipts: ReceiptStore | undefined, options: OwnedApplyOptions): Promise<ActionResult[]> {
  void receipts;
  return applyPlan(plan, providers, options);
}
