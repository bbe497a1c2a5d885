// Apply with ownership: the apply loop (execute.ts) wrapped so that every grant and revoke
// reads and writes ownership receipts (core/receipts.ts): a revoke removes the principal
// and target that were granted, never standing access a person had before gitgrant.
// Every caller that changes a target goes through here: apply on merge, convergence,
// reconcile --fix and the app's expiry timers. A dry run (plan) reads the receipts, so it
// says what apply would do, and writes none.
import { ownershipOf, receiptKey, type Ownership, type Receipt } from "../core/receipts.js";
import type { GrantRef } from "../core/types.js";
import { ReceiptsNotTrustedError } from "../git/notes.js";
import type { ReceiptStore } from "../git/types.js";
import { applyPlan, type ApplyOptions, type ProviderLookup } from "./execute.js";
import type { Action, ActionResult, GrantAction, Plan, RevokeAction } from "./plan-types.js";

export interface OwnedApplyOptions extends ApplyOptions {
  /** The commit whose tree the plan came from; the receipts are recorded on it. */
  commit: string;
  /** When the effects happen (receipt times). */
  now: Date;
  /**
   * Told about every receipt problem, in words: notes that cannot be trusted or read, and
   * receipts that could not be recorded. Callers print them (check run, terminal); the
   * results themselves also say so where it changes what happened.
   */
  onProblem?: (message: string) => void;
}

interface Run {
  index: number;
  /** What the provider is asked to do (a revoke aimed at the recorded principal and target). */
  action: Action;
  original: Action;
  ownership: Ownership;
}

export async function applyOwned(plan: Plan, providers: ProviderLookup, receipts: ReceiptStore | undefined, options: OwnedApplyOptions): Promise<ActionResult[]> {
  const problem = (message: string) => options.onProblem?.(message);
  const owners = await readOwnership(receipts, problem);
  const ownershipFor = (ref: Pick<GrantRef, "resource" | "login">): Ownership => owners.get(receiptKey(ref.resource.id, ref.login)) ?? { kind: "none" };

  const results: ActionResult[] = new Array(plan.actions.length);
  const runs: Run[] = [];
  plan.actions.forEach((action, index) => {
    const ownership = ownershipFor(action.kind === "grant" ? action.grant : action.ref);
    if (action.kind === "revoke" && ownership.kind === "standing") {
      results[index] = leaveStanding(action, ownership.receipt, !!options.dryRun);
      return;
    }
    const aimed = action.kind === "revoke" && ownership.kind === "created" ? { ...action, ref: recordedRef(action.ref, ownership.receipt) } : action;
    runs.push({ index, action: aimed, original: action, ownership });
  });

  const ran = await applyPlan({ ...plan, actions: runs.map((r) => r.action) }, providers, options);
  ran.forEach((result, i) => {
    const run = runs[i]!;
    results[run.index] = { ...result, action: run.original, detail: withOwnershipWords(run, result) };
  });
  if (options.dryRun) return results;

  // One note write per run: every receipt of this apply goes on the plan's commit at once.
  const pending: Array<{ index: number; receipt: Receipt }> = [];
  const stamp = { v: 1 as const, at: options.now.toISOString(), commit: options.commit };
  results.forEach((result, index) => {
    const run = runs.find((r) => r.index === index);
    const receipt = receiptFor(result, run?.ownership ?? ownershipFor(refOf(result.action)), stamp);
    if (receipt) pending.push({ index, receipt });
  });
  if (!pending.length) return results;
  if (!receipts) {
    problem(`no receipt store is configured: ${pending.length} ownership receipt(s) of this apply were not recorded, so later revokes cannot tell gitgrant's access from standing access`);
    return results;
  }
  try {
    await receipts.record(options.commit, pending.map((p) => p.receipt));
  } catch (err) {
    // Nothing could trust them (no settings.evidence): by configuration, receipts are neither
    // written nor read, as the README says; not a problem to repeat on every apply.
    if (err instanceof ReceiptsNotTrustedError) {
      // This writer is not the trusted one (the app is): said, since those grants have no record.
      if (err.writerOnly) problem(err.message);
      return results;
    }
    const why = (err as Error).message;
    problem(`could not record ${pending.length} ownership receipt(s) on ${options.commit.slice(0, 7)}: ${why}`);
    for (const { index, receipt } of pending) results[index] = notRecorded(results[index]!, receipt, why);
  }
  return results;
}

/** Ownership per grant from the trusted receipts; a store that cannot be read counts as no receipts, said loudly. */
async function readOwnership(store: ReceiptStore | undefined, problem: (m: string) => void): Promise<Map<string, Ownership>> {
  if (!store) return new Map();
  try {
    const { receipts, problems } = await store.read();
    problems.forEach(problem);
    return ownershipOf(receipts);
  } catch (err) {
    // Failing towards the revoke the tree asks for, the same as an untrusted receipt: access
    // ends; what may be lost is standing access, which a person can restore.
    problem(`could not read the ownership receipts (${(err as Error).message}): every grant is treated as having none`);
    return new Map();
  }
}

function refOf(action: Action): GrantRef {
  return action.kind === "grant" ? action.grant : action.ref;
}

/** The principal and target that were granted, whatever identities.yaml and the catalog say now. */
function recordedRef(ref: GrantRef, receipt: Receipt): GrantRef {
  return { ...ref, principal: receipt.principal, resource: { ...ref.resource, target: receipt.target } };
}

function leaveStanding(action: RevokeAction, receipt: Receipt, dryRun: boolean): ActionResult {
  const words = `${action.ref.login} already had standing access to ${action.ref.resource.id} before gitgrant`;
  if (dryRun) return { action, status: "planned", detail: `would leave it in place: ${words} (receipt of ${receipt.at}, commit ${receipt.commit.slice(0, 7)})`, attempts: 0 };
  return { action, status: "kept", detail: `${words}; left in place (receipt of ${receipt.at}, commit ${receipt.commit.slice(0, 7)})`, attempts: 0 };
}

function sameTarget(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function withOwnershipWords(run: Run, result: ActionResult): string {
  const { original, action, ownership } = run;
  if (original.kind === "revoke" && action.kind === "revoke") {
    if (ownership.kind === "created") {
      const moved = action.ref.principal !== original.ref.principal || !sameTarget(action.ref.resource.target, original.ref.resource.target);
      return moved ? `${result.detail} (the principal ${action.ref.principal} and target granted on ${ownership.receipt.at}, as its receipt records; identities.yaml or the catalog have changed since)` : result.detail;
    }
    if (result.status === "failed") return result.detail;
    return `${result.detail} (no ownership receipt says who made this access, so it was ${result.status === "planned" ? "planned" : "done"} as identities.yaml and the catalog name it now)`;
  }
  if (original.kind !== "grant" || result.status !== "unchanged") return result.detail;
  const kind = grantFinding(original, result, ownership);
  if (kind === "standing") return `${result.detail}; ${original.grant.login} already had standing access to ${original.grant.resource.id}; gitgrant will leave it`;
  return result.detail;
}

/**
 * Whose the access a grant found already there is: the provider's marker when it has one,
 * else the receipts. A re-applied (modified) file whose earlier version gitgrant applied
 * before receipts existed counts as gitgrant's: calling it standing would keep it forever.
 */
function grantFinding(action: GrantAction, result: ActionResult, ownership: Ownership): "created" | "standing" {
  if (result.found === "standing") return "standing";
  if (result.found === "own") return "created";
  if (ownership.kind === "created") return "created";
  if (ownership.kind === "none" && action.change === "modified") return "created";
  return "standing";
}

function receiptFor(result: ActionResult, ownership: Ownership, stamp: Pick<Receipt, "v" | "at" | "commit">): Receipt | null {
  const { action } = result;
  if (result.status === "failed" || result.status === "planned") return null;
  if (action.kind === "grant") {
    const g = action.grant;
    const base = { ...stamp, path: g.path, login: g.login.toLowerCase(), resource: g.resource.id, provider: g.resource.provider, principal: result.principal ?? g.principal, target: g.resource.target };
    if (result.status === "granted" || result.status === "pending") return { ...base, event: "created", expiresAt: g.expiresAt.toISOString() };
    if (result.status !== "unchanged") return null;
    const finding = grantFinding(action, result, ownership);
    const last = ownership.kind === finding ? ownership.receipt : undefined;
    const expiresAt = finding === "created" ? g.expiresAt.toISOString() : undefined;
    // Already recorded exactly so: no second line for a redelivered or re-converged grant.
    if (last && last.principal === base.principal && sameTarget(last.target, base.target) && last.expiresAt === expiresAt) return null;
    return { ...base, event: finding, ...(expiresAt ? { expiresAt } : {}) };
  }
  const r = action.ref;
  if (result.status === "kept") {
    if (ownership.kind !== "standing") return null; // the provider kept it (a maintainer): nothing changed hands
    return { ...stamp, event: "left", path: r.path, login: r.login.toLowerCase(), resource: r.resource.id, provider: r.resource.provider, principal: ownership.receipt.principal, target: ownership.receipt.target };
  }
  if (result.status !== "revoked" && result.status !== "unchanged") return null;
  const aimed = ownership.kind === "created" ? recordedRef(r, ownership.receipt) : r;
  return { ...stamp, event: "revoked", path: r.path, login: r.login.toLowerCase(), resource: r.resource.id, provider: r.resource.provider, principal: aimed.principal, target: aimed.resource.target };
}

function notRecorded(result: ActionResult, receipt: Receipt, why: string): ActionResult {
  const detail = `${result.detail}; but its ownership receipt (${receipt.event}) could not be recorded: ${why}`;
  // A grant whose receipt is lost would be misjudged at revoke: fail it, so the check run is
  // red and the next run (convergence, a redelivery) grants it again and records it.
  if (receipt.event === "created" || receipt.event === "standing") return { ...result, status: "failed", errorKind: "transient", detail };
  return { ...result, detail };
}
