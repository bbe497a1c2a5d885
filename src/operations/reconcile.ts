// Reconcile: list each resource's grants in its target and compare them with the request
// files on the default branch (core/drift.ts). --fix re-applies missing and window drift
// through the apply loop (the providers' grant). Unmanaged access is never deleted
// silently: only a grant the target marks as gitgrant's own (a revoke that did not
// complete after its file was deleted) is revoked; the rest goes to a person, through the
// repository's drift issue where it has one.
import { nativeExpiryFrom } from "./apply-providers.js";
import { providerFor, type ProviderLookup } from "./execute.js";
import { applyOwned } from "./owned-apply.js";
import type { Action, Plan } from "./plan-types.js";
import { compare, loginFor, type Drift, type DriftKind } from "../core/drift.js";
import type { ExpiryReport, GrantState } from "../core/expiry.js";
import { grantWords, revokeWords } from "../core/grant-words.js";
import { requestPath } from "../core/paths.js";
import { DRIFT_LABEL, driftIssueBody } from "../core/revoke-texts.js";
import type { GrantRef } from "../core/types.js";
import type { DriftIssueResult, ReceiptStore, Repository } from "../git/types.js";
import { toProviderError } from "../providers/errors.js";
import type { ExistingGrant } from "../providers/types.js";
import { expiryReport } from "./expiry.js";

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

export interface FixOptions {
  dryRun?: boolean;
  /** Ownership receipts: the revoke hits what was granted, and standing access is left. */
  receipts?: ReceiptStore;
  /** When the fixes happen (receipt times); default the report's time. */
  now?: Date;
  onProblem?: (message: string) => void;
}

export async function fixDrift(report: ExpiryReport, drift: Drift[], providers: ProviderLookup, options: FixOptions = {}): Promise<FixOutcome[]> {
  const { config } = report;
  const byPath = new Map<string, GrantState>(report.grants.map((g) => [g.path, g]));
  const actions: Action[] = [];
  const outcomes: FixOutcome[] = [];
  const drifts: Drift[] = [];
  for (const d of drift) {
    if (d.kind !== "unmanaged") {
      const state = byPath.get(d.path!)!;
      const native = nativeExpiryFrom(providers)(state.grant.resource);
      actions.push({ kind: "grant", path: d.path!, change: "modified", grant: state.grant, landedAt: state.landedAt, nativeExpiry: native, words: grantWords(state.grant, native) });
      drifts.push(d);
    } else if (d.managedByGitgrant) {
      const resource = config.catalog.resources[d.resource]!;
      const login = loginFor(config, resource, d.principal);
      const ref: GrantRef = { path: requestPath(resource.id, login), login, resource, principal: d.principal };
      actions.push({ kind: "revoke", path: ref.path, change: "deleted", ref, words: revokeWords(ref) });
      drifts.push(d);
    } else {
      outcomes.push({ kind: d.kind, resource: d.resource, principal: d.principal, status: "reported", detail: `${d.words}; left in place for a person to decide` });
    }
  }
  const plan: Plan = { before: report.sha, after: report.sha, actions, skipped: [] };
  const results = await applyOwned(plan, providers, options.receipts, {
    dryRun: options.dryRun,
    commit: report.sha,
    now: options.now ?? report.now,
    ...(options.onProblem ? { onProblem: options.onProblem } : {}),
  });
  results.forEach((r, i) => {
    const d = drifts[i]!;
    outcomes.push({ kind: d.kind, resource: d.resource, principal: d.principal, status: r.status, detail: r.detail });
  });
  return outcomes;
}

export interface ReconcileOptions {
  /** Read from a clone with full history; the drift issue goes to its write side. */
  repo: Repository;
  branch: string;
  now: Date;
  providers: ProviderLookup;
  /** Only these resources (default: every one in the catalog). */
  resources?: string[];
  fix?: boolean;
  dryRun?: boolean;
}

export interface ReconcileResult extends DriftReport {
  report: ExpiryReport;
  fixes: FixOutcome[];
  issue?: DriftIssueResult;
  /** Drift this run did not repair (unmanaged access stays until a person acts). */
  remaining: Drift[];
  problems: string[];
  /** What the ownership receipts said (untrusted notes, receipts not written), in words. */
  receiptNotes: string[];
}

const FIXED: ReadonlyArray<FixOutcome["status"]> = ["granted", "revoked", "unchanged"];

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const report = await expiryReport(options.repo.read, { ref: options.branch, now: options.now });
  const problems = [...report.configProblems];
  const found: DriftReport = problems.length ? { checked: [], drift: [], errors: [] } : await findDrift(report, options.providers, { resources: options.resources });
  let fixes: FixOutcome[] = [];
  const receiptNotes: string[] = [];
  let issue: DriftIssueResult | undefined;
  if (options.fix && found.drift.length) {
    fixes = await fixDrift(report, found.drift, options.providers, {
      dryRun: options.dryRun,
      now: options.now,
      ...(options.repo.receipts ? { receipts: options.repo.receipts } : {}),
      // Said, never a finding on its own: a fix whose receipt could not be recorded fails itself.
      onProblem: (message) => receiptNotes.push(message),
    });
    const reported = found.drift.filter((d) => d.kind === "unmanaged" && !d.managedByGitgrant);
    if (reported.length) {
      const title = `Access drift: ${reported.length} grant(s) without a request file`;
      issue = await options.repo.write.reportDrift(title, driftIssueBody(reported, options.now, report.sha), { dryRun: options.dryRun }).then(
        (r) => r ?? undefined,
        (err: Error) => {
          problems.push(`could not open or update the ${DRIFT_LABEL} issue: ${err.message}`);
          return undefined;
        },
      );
    }
  }
  const fixedOk = (d: Drift) => fixes.some((f) => f.kind === d.kind && f.principal === d.principal && f.resource === d.resource && FIXED.includes(f.status));
  return { ...found, report, fixes, ...(issue ? { issue } : {}), remaining: found.drift.filter((d) => !fixedOk(d)), problems, receiptNotes };
}
