// Drift between git (the access that should exist) and a target (the access that does),
// for one resource, judged from the branch's expiry report and the target's listing:
// - missing:   an active request file whose grant is not in the target;
// - window:    the target ends a grant at another time than git says (an extension not applied);
// - unmanaged: a grant in the target with no request file on the branch.
import type { AccessConfig } from "./config.js";
import type { ExpiryReport } from "./expiry.js";
import { classifyPath } from "./paths.js";
import { principalFor } from "./request.js";
import { isoSeconds as iso } from "./time.js";
import type { ProviderName, Resource } from "./types.js";
import { grantRefFor } from "./window.js";

export type DriftKind = "missing" | "window" | "unmanaged";

export interface Drift {
  kind: DriftKind;
  resource: string;
  provider: ProviderName;
  principal: string;
  /** The request file (missing, window). */
  path?: string;
  /** For unmanaged grants: whether the target marks it as created by gitgrant. */
  managedByGitgrant?: boolean;
  words: string;
}

/** What the comparison needs of a grant a provider listed. */
export interface HeldGrant {
  principal: string;
  expiresAt?: Date;
  managedByGitgrant: boolean;
}

const lower = (s: string) => s.toLowerCase();

/** The drift of one resource between its files on the branch and its grants in the target. */
export function compare(config: AccessConfig, resource: Resource, report: ExpiryReport, existing: HeldGrant[]): Drift[] {
  const drift: Drift[] = [];
  const states = report.grants.filter((g) => g.grant.resource.id === resource.id);
  // Anyone with a file on the branch (active, expired awaiting its revoke PR, not started
  // yet, or unreadable) is accounted for: their grant is not unmanaged.
  const covered = new Set(states.map((g) => lower(g.grant.principal)));
  for (const u of report.unreadable) {
    const where = classifyPath(u.path);
    if (where.kind !== "request" || where.parsed.resourceId !== resource.id) continue;
    const ref = grantRefFor(config, u.path);
    if (ref.ok) covered.add(lower(ref.ref.principal));
  }
  // One principal can hold several grants of a resource (a standing binding beside
  // gitgrant's conditional one): every one is kept, and the request's own grant is judged.
  const byPrincipal = new Map<string, HeldGrant[]>();
  for (const e of existing) byPrincipal.set(lower(e.principal), [...(byPrincipal.get(lower(e.principal)) ?? []), e]);
  const base = { resource: resource.id, provider: resource.provider };
  for (const g of states.filter((s) => s.status === "active")) {
    const found = requestGrant(byPrincipal.get(lower(g.grant.principal)) ?? [], g.grant.expiresAt);
    if (!found) {
      drift.push({ ...base, kind: "missing", principal: g.grant.principal, path: g.path, words: `${g.path} is active until ${iso(g.grant.expiresAt)}, but ${resource.provider} has no grant for ${g.grant.principal}` });
    } else if (found.expiresAt && Math.abs(found.expiresAt.getTime() - g.grant.expiresAt.getTime()) >= 1000) {
      drift.push({ ...base, kind: "window", principal: g.grant.principal, path: g.path, words: `${resource.provider} ends ${g.grant.principal}'s grant at ${iso(found.expiresAt)}, but ${g.path} says ${iso(g.grant.expiresAt)}` });
    }
  }
  for (const e of existing) {
    if (covered.has(lower(e.principal))) continue;
    drift.push({
      ...base,
      kind: "unmanaged",
      principal: e.principal,
      managedByGitgrant: e.managedByGitgrant,
      words: e.managedByGitgrant
        ? `${e.principal} holds ${resource.id} with no request file: left by gitgrant (a revoke that did not complete)`
        : `${e.principal} holds ${resource.id} with no request file, and gitgrant did not create it`,
    });
  }
  return drift;
}

/**
 * The grant that stands for a request among a principal's grants of one resource: gitgrant's
 * own where the target marks them (a standing grant of the same role is someone else's), the
 * one ending when the request says if there is one, else one with an end (so a window drift
 * shows), else any.
 */
function requestGrant(grants: HeldGrant[], expiresAt: Date): HeldGrant | undefined {
  const managed = grants.filter((e) => e.managedByGitgrant);
  const pool = managed.length ? managed : grants;
  const onTime = pool.find((e) => e.expiresAt && Math.abs(e.expiresAt.getTime() - expiresAt.getTime()) < 1000);
  return onTime ?? pool.find((e) => e.expiresAt) ?? pool[0];
}

/** The GitHub login whose identity for this resource is `principal` (for a revoke's ref). */
export function loginFor(config: AccessConfig, resource: Resource, principal: string): string {
  for (const login of Object.keys(config.identities.users)) {
    if (lower(principalFor(config, login, resource) ?? "") === lower(principal)) return login;
  }
  return lower(principal);
}
