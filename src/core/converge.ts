// Convergence, the pure part: for one resource, compare the access that should exist (the
// request files on the default branch whose window is active now) with what its target
// holds (one provider listing), and say what to do about each difference, with the reason.
// Level-triggered: the answer depends only on the tree, the listing and the receipts, never
// on which push or run came before, so a lost webhook, a failed call or a cancelled
// workflow run is repaired by the next run.
//
// gitgrant-managed means the target carries gitgrant's marker (`managedByGitgrant`) or a
// receipt says gitgrant created it; anything else (standing access a person had before
// gitgrant, access added by hand) is left in place, whatever the tree says.
import type { AccessConfig } from "./config.js";
import { loginFor } from "./drift.js";
import type { ExpiryReport, GrantState } from "./expiry.js";
import { classifyPath, requestPath } from "./paths.js";
import type { Ownership, Receipt } from "./receipts.js";
import { principalFor } from "./request.js";
import { isoSeconds as iso } from "./time.js";
import type { GrantRef, Resource } from "./types.js";

/** A grant as a provider's list() found it (the fields convergence reads). */
export interface ListedGrant {
  principal: string;
  expiresAt?: Date;
  managedByGitgrant: boolean;
}

export type ConvergeStep =
  /** An active window whose grant the target lacks (or ends at another time, on a marked grant). */
  | { kind: "grant"; state: GrantState; change: "added" | "modified"; why: string }
  /** gitgrant's own access that no active window covers. */
  | { kind: "revoke"; ref: GrantRef; why: string }
  /** Access no active window covers that is not gitgrant's (or cannot be judged): never touched. */
  | { kind: "leave"; resource: string; principal: string; why: string };

const lower = (s: string) => s.toLowerCase();

/**
 * The latest ownership per principal of one resource, from every grant's receipts. Two
 * logins mapped to one principal: "created" wins, since only it can make a revoke happen
 * and it was the last thing gitgrant did to that principal for one of them.
 */
export function ownershipByPrincipal(owned: ReadonlyMap<string, Ownership>, resourceId: string): Map<string, Ownership & { receipt: Receipt }> {
  const out = new Map<string, Ownership & { receipt: Receipt }>();
  for (const o of owned.values()) {
    if (o.kind === "none" || o.receipt.resource !== resourceId) continue;
    const key = lower(o.receipt.principal);
    const known = out.get(key);
    if (!known || o.kind === "created") out.set(key, o);
  }
  return out;
}

function sameTarget(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/**
 * What convergence does on one resource. `listed` is the target's whole listing for it;
 * `owned` the receipts' verdict per grant (ownershipOf). Windows are judged at report.now.
 */
export function convergeResource(config: AccessConfig, resource: Resource, report: ExpiryReport, listed: readonly ListedGrant[], owned: ReadonlyMap<string, Ownership>): ConvergeStep[] {
  const steps: ConvergeStep[] = [];
  const states = report.grants.filter((g) => g.grant.resource.id === resource.id);
  // Several files can name one principal (BOB.yaml and bob.yaml, or two logins mapped to one
  // identity): the one ending last stands for them all.
  const active = new Map<string, GrantState>();
  for (const g of states) {
    if (g.status !== "active") continue;
    const key = lower(g.grant.principal);
    const known = active.get(key);
    if (!known || known.grant.expiresAt < g.grant.expiresAt) active.set(key, g);
  }
  const notActive = new Map<string, GrantState>();
  for (const g of states) if (g.status !== "active" && !active.has(lower(g.grant.principal))) notActive.set(lower(g.grant.principal), g);
  // A file that cannot be judged neither grants nor revokes: a person must read it (the run reports it).
  const unreadable = new Set<string>();
  for (const u of report.unreadable) {
    const where = classifyPath(u.path);
    if (where.kind !== "request" || where.parsed.resourceId !== resource.id) continue;
    unreadable.add(lower(principalFor(config, where.parsed.login, resource) ?? where.parsed.login));
  }
  const byPrincipal = ownershipByPrincipal(owned, resource.id);
  const seen = new Set<string>();

  for (const e of listed) {
    const key = lower(e.principal);
    seen.add(key);
    const want = active.get(key);
    if (want) {
      const drifted = e.managedByGitgrant && e.expiresAt && Math.abs(e.expiresAt.getTime() - want.grant.expiresAt.getTime()) >= 1000;
      if (drifted) {
        steps.push({ kind: "grant", state: want, change: "modified", why: `${resource.provider} ends ${e.principal}'s grant at ${iso(e.expiresAt!)}, but ${want.path} says ${iso(want.grant.expiresAt)}` });
      }
      continue;
    }
    if (unreadable.has(key)) {
      steps.push({ kind: "leave", resource: resource.id, principal: e.principal, why: `${e.principal}'s request file for ${resource.id} cannot be read; left as it is until a person fixes the file` });
      continue;
    }
    const own = byPrincipal.get(key);
    const created = own?.kind === "created";
    if (!e.managedByGitgrant && !created) {
      const why =
        own?.kind === "standing"
          ? `${e.principal} already had standing access to ${resource.id} before gitgrant; gitgrant leaves it`
          : `${e.principal} holds ${resource.id} and gitgrant did not create it; left in place`;
      steps.push({ kind: "leave", resource: resource.id, principal: e.principal, why });
      continue;
    }
    const login = own?.receipt.login ?? loginFor(config, resource, e.principal);
    const ref: GrantRef = { path: own?.receipt.path ?? requestPath(resource.id, login), login, resource, principal: e.principal };
    const file = notActive.get(key);
    const why = file
      ? file.status === "expired"
        ? `${file.path} expired at ${iso(file.grant.expiresAt)}, but ${resource.provider} still grants ${e.principal}`
        : `${file.path} starts at ${iso(file.grant.startsAt)}; the running grant of ${e.principal} ends until then`
      : `no request file on the branch covers ${e.principal}'s ${resource.id} access, which gitgrant ${created ? "created (receipt)" : "marked as its own"}`;
    steps.push({ kind: "revoke", ref, why });
  }

  for (const [key, want] of active) {
    if (seen.has(key)) continue;
    steps.push({ kind: "grant", state: want, change: "added", why: `${want.path} is active until ${iso(want.grant.expiresAt)}, but ${resource.provider} has no grant for ${want.grant.principal}` });
  }

  // Receipts of access gitgrant created on a target the catalog no longer names (a renamed
  // team, a moved role): the listing of today's target cannot see it, the receipt can.
  for (const o of byPrincipal.values()) {
    if (o.kind !== "created" || sameTarget(o.receipt.target, resource.target) || o.receipt.provider !== resource.provider) continue;
    const old: Resource = { ...resource, target: o.receipt.target };
    const ref: GrantRef = { path: o.receipt.path, login: o.receipt.login, resource: old, principal: o.receipt.principal };
    steps.push({ kind: "revoke", ref, why: `gitgrant granted ${o.receipt.principal} on ${resource.id}'s earlier target ${JSON.stringify(o.receipt.target)}; the catalog names another now` });
  }
  return steps;
}
