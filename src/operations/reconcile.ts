// Drift between git (the access that should exist) and each target (the access that does):
// - missing:   an active request file whose grant is not in the target;
// - window:    the target ends a grant at another time than git says (an extension not applied);
// - unmanaged: a grant in the target with no request file on the branch.
// --fix re-applies missing and window drift through the apply loop (the providers' grant).
// Unmanaged access is never deleted silently: only a grant the target marks as gitgrant's own
// (a revoke that did not complete after its file was deleted) is revoked; the rest is reported.
import { applyPlan, providerFor, type ProviderLookup } from "./execute.js";
import type { Action, Plan } from "./plan-types.js";
import { grantWords, revokeWords } from "../core/grant-words.js";
import type { AccessConfig } from "../core/config.js";
import { classifyPath } from "../core/paths.js";
import { principalFor } from "../core/request.js";
import type { GrantRef, ProviderName, Resource } from "../core/types.js";
import { grantRefFor } from "../core/window.js";
import { toProviderError } from "../providers/errors.js";
import type { ExistingGrant } from "../providers/types.js";
import type { ExpiryReport, GrantState } from "./expiry.js";

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

export interface FixOutcome {
  kind: DriftKind;
  resource: string;
  principal: string;
  status: "granted" | "revoked" | "unchanged" | "pending" | "kept" | "failed" | "planned" | "reported";
  detail: string;
}

export interface DriftReport {
  /** Resources whose target was listed. */
  checked: string[];
  drift: Drift[];
  /** Resources that could not be listed, in words. */
  errors: Array<{ resource: string; message: string }>;
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");
const lower = (s: string) => s.toLowerCase();

export async function findDrift(report: ExpiryReport, providers: ProviderLookup, options: { resources?: string[] } = {}): Promise<DriftReport> {
  const { config } = report;
  const out: DriftReport = { checked: [], drift: [], errors: [] };
  const ids = Object.keys(config.catalog.resources).sort().filter((id) => !options.resources || options.resources.includes(id));
  for (const id of ids) {
    const resource = config.catalog.resources[id]!;
    let existing: ExistingGrant[];
    try {
      const provider = providerFor(providers, resource.provider);
      if (!provider) {
        out.errors.push({ resource: id, message: `${id}: no ${resource.provider} provider is configured, so it was not checked` });
        continue;
      }
      existing = await provider.list(resource);
    } catch (err) {
      out.errors.push({ resource: id, message: toProviderError(err, `list ${id} (${resource.provider})`).message });
      continue;
    }
    out.checked.push(id);
    out.drift.push(...compare(config, resource, report, existing));
  }
  return out;
}

/** Pure: the drift of one resource between its files on the branch and its grants in the target. */
export function compare(config: AccessConfig, resource: Resource, report: ExpiryReport, existing: ExistingGrant[]): Drift[] {
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
  const byPrincipal = new Map<string, ExistingGrant[]>();
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
function requestGrant(grants: ExistingGrant[], expiresAt: Date): ExistingGrant | undefined {
  const managed = grants.filter((e) => e.managedByGitgrant);
  const pool = managed.length ? managed : grants;
  const onTime = pool.find((e) => e.expiresAt && Math.abs(e.expiresAt.getTime() - expiresAt.getTime()) < 1000);
  return onTime ?? pool.find((e) => e.expiresAt) ?? pool[0];
}

/** The GitHub login whose identity for this resource is `principal` (for a revoke's ref). */
function loginFor(config: AccessConfig, resource: Resource, principal: string): string {
  for (const login of Object.keys(config.identities.users)) {
    if (lower(principalFor(config, login, resource) ?? "") === lower(principal)) return login;
  }
  return lower(principal);
}

export async function fixDrift(report: ExpiryReport, drift: Drift[], providers: ProviderLookup, options: { dryRun?: boolean } = {}): Promise<FixOutcome[]> {
  const { config } = report;
  const byPath = new Map<string, GrantState>(report.grants.map((g) => [g.path, g]));
  const actions: Action[] = [];
  const outcomes: FixOutcome[] = [];
  const drifts: Drift[] = [];
  for (const d of drift) {
    if (d.kind !== "unmanaged") {
      const state = byPath.get(d.path!)!;
      const native = providerFor(providers, state.grant.resource.provider)?.nativeExpiry(state.grant.resource) ?? false;
      actions.push({ kind: "grant", path: d.path!, change: "modified", grant: state.grant, landedAt: state.landedAt, nativeExpiry: native, words: grantWords(state.grant, native) });
      drifts.push(d);
    } else if (d.managedByGitgrant) {
      const resource = config.catalog.resources[d.resource]!;
      const login = loginFor(config, resource, d.principal);
      const ref: GrantRef = { path: `access/requests/${resource.id}/${login}.yaml`, login, resource, principal: d.principal };
      actions.push({ kind: "revoke", path: ref.path, change: "deleted", ref, words: revokeWords(ref) });
      drifts.push(d);
    } else {
      outcomes.push({ kind: d.kind, resource: d.resource, principal: d.principal, status: "reported", detail: `${d.words}; left in place for a person to decide` });
    }
  }
  const plan: Plan = { before: report.sha, after: report.sha, actions, skipped: [] };
  const results = await applyPlan(plan, providers, { dryRun: options.dryRun });
  results.forEach((r, i) => {
    const d = drifts[i]!;
    outcomes.push({ kind: d.kind, resource: d.resource, principal: d.principal, status: r.status, detail: r.detail });
  });
  return outcomes;
}
