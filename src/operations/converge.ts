// Convergence: make every target match the tree. For the resources concerned (all, or those
// a push touched), one provider listing each (actual) against the request files on the
// default branch whose windows are active now (desired), judged by core/converge.ts; every
// change goes out through applyOwned, so ownership receipts are read and written exactly as
// on merge. What fails is tried again, for a bounded number of rounds; what still fails is
// reported (and a failing revoke becomes a revoke_failed event, see converge-events.ts), and
// the next run starts from the tree again, so nothing is lost.
//
// Cost: one list() page set per resource plus one provider call per change (and per retry).
// `gitgrant plan --converge` runs this same code with dryRun: it lists, and changes nothing.
import { convergeResource, type ConvergeStep } from "../core/converge.js";
import type { ExpiryReport } from "../core/expiry.js";
import { grantWords, revokeWords } from "../core/grant-words.js";
import { ownershipOf, type Ownership } from "../core/receipts.js";
import type { AccessRepo, ReceiptStore } from "../git/types.js";
import { toProviderError } from "../providers/errors.js";
import type { Resource } from "../core/types.js";
import type { ExistingGrant } from "../providers/types.js";
import { nativeExpiryFrom } from "./apply-providers.js";
import { providerFor, type ApplyOptions, type ProviderLookup } from "./execute.js";
import { expiryReport } from "./expiry.js";
import { applyOwned } from "./owned-apply.js";
import type { Action, ActionResult, Plan } from "./plan-types.js";

export interface ConvergeOptions extends Omit<ApplyOptions, "dryRun"> {
  repo: AccessRepo;
  /** The default branch (or the pushed commit): the access that should exist. */
  ref: string;
  now: Date;
  providers: ProviderLookup;
  /** Ownership receipts; without a store only the targets' own markers say what is gitgrant's. */
  receipts?: ReceiptStore;
  /** Only these resources (default: every one in the catalog). */
  resources?: string[];
  /** The branch already judged at `now` (the sweep has it); read from `repo` otherwise. */
  report?: ExpiryReport;
  dryRun?: boolean;
  /** Passes over what failed, the first included (default 3). */
  rounds?: number;
  /**
   * The branch's tip on the host now. Asked once the targets are listed, before any change:
   * when the branch has moved past the tree being converged, a merge landed meanwhile that
   * another writer may be applying, and changing the targets from the older tree could revoke
   * its grant (or regrant what it revoked), so nothing is changed and the run says so.
   */
  tipNow?: () => Promise<string>;
}

export interface LeftInPlace {
  resource: string;
  principal: string;
  detail: string;
}

/** One change convergence made (or would make), with the reason it was needed. */
export interface ConvergeOutcome extends ActionResult {
  why: string;
}

export interface ConvergeResult {
  sha: string;
  dryRun: boolean;
  /** Resources whose target was listed. */
  checked: string[];
  /** The last result of every change convergence made (or would make), in plan order. */
  results: ConvergeOutcome[];
  /** Resources that could not be listed but no request file or receipt names: nothing of
   *  gitgrant's can be there, so it is a note, not a problem. */
  unchecked: Array<{ resource: string; detail: string }>;
  /** Access no active window covers that is not gitgrant's: left alone, said why. */
  left: LeftInPlace[];
  /** Changes still failing after every round. */
  failed: ConvergeOutcome[];
  /** Rounds run (0 when there was nothing to change). */
  rounds: number;
  /** Provider calls made: listings, and grant/revoke tries. */
  calls: { list: number; change: number };
  /** What a person must look at, in words (the sweep and apply exit 1 when any). */
  problems: string[];
  /** Changes left for the next run because the branch moved while listing (see tipNow). */
  deferred?: number;
}

/** Kinds worth another round in the same run; a missing credential or a refusal is not. */
const AGAIN: ReadonlySet<string> = new Set(["throttled", "transient", "conflict"]);

export async function converge(options: ConvergeOptions): Promise<ConvergeResult> {
  const report = options.report ?? (await expiryReport(options.repo, { ref: options.ref, now: options.now }));
  const dryRun = options.dryRun ?? false;
  const result: ConvergeResult = { sha: report.sha, dryRun, checked: [], unchecked: [], results: [], left: [], failed: [], rounds: 0, calls: { list: 0, change: 0 }, problems: [] };
  // Fail closed: with a broken catalog or identities, no window and no principal can be trusted.
  if (report.configProblems.length) {
    result.problems.push(`convergence skipped: the access configuration at ${report.sha.slice(0, 7)} has problems (${report.configProblems[0]})`);
    return result;
  }
  for (const u of report.unreadable) result.problems.push(`${u.path}: ${u.reason} (convergence leaves its access as it is)`);

  const owned = await readOwnership(options.receipts, result);
  const { config } = report;
  const ids = Object.keys(config.catalog.resources)
    .sort()
    .filter((id) => !options.resources || options.resources.includes(id));
  const steps: ConvergeStep[] = [];
  for (const id of ids) {
    const resource = config.catalog.resources[id]!;
    const listed = await listResource(options.providers, resource, result, concerns(report, owned, id));
    if (!listed) continue;
    result.checked.push(id);
    steps.push(...convergeResource(config, resource, report, listed, owned));
  }

  const actions: Action[] = [];
  const why = new Map<Action, string>();
  const native = nativeExpiryFrom(options.providers);
  for (const s of steps) {
    if (s.kind === "leave") result.left.push({ resource: s.resource, principal: s.principal, detail: s.why });
    else if (s.kind === "revoke") {
      const action: Action = { kind: "revoke", path: s.ref.path, change: "converge", ref: s.ref, words: `${revokeWords(s.ref)} (${s.why})` };
      why.set(action, s.why);
      actions.push(action);
    } else {
      const nativeExpiry = native(s.state.grant.resource);
      const action: Action = {
        kind: "grant",
        path: s.state.path,
        change: s.change,
        grant: s.state.grant,
        landedAt: s.state.landedAt,
        nativeExpiry,
        words: `${grantWords(s.state.grant, nativeExpiry)} (${s.why})`,
        ...(s.state.capped ? { capped: s.state.capped } : {}),
      };
      why.set(action, s.why);
      actions.push(action);
    }
  }
  if (!actions.length) return result;
  if (options.tipNow && !dryRun) {
    const tip = await options.tipNow().catch((err: Error) => `unknown (${err.message})`);
    if (tip !== report.sha) {
      result.problems.push(
        `convergence changed nothing: the branch moved from ${report.sha.slice(0, 7)} to ${tip.slice(0, 7)} while its targets were listed, and a merge applied meanwhile must not be undone from the older tree; the next run converges at the new tip (${actions.length} change(s) waiting)`,
      );
      result.deferred = actions.length;
      return result;
    }
  }

  const last = new Map<Action, ActionResult>();
  let todo = actions;
  const rounds = Math.max(1, options.rounds ?? 3);
  const { repo: _repo, ref: _ref, providers, receipts, resources: _only, report: _report, rounds: _rounds, tipNow: _tip, now, ...apply } = options;
  while (todo.length && result.rounds < rounds) {
    result.rounds++;
    const plan: Plan = { before: report.sha, after: report.sha, actions: todo, skipped: [] };
    const results = await applyOwned(plan, providers, receipts, { ...apply, dryRun, commit: report.sha, now });
    for (const r of results) {
      last.set(r.action, r);
      result.calls.change += r.attempts;
    }
    // A long Retry-After is honoured by leaving the action to the next run, never by asking again now.
    todo = results.filter((r) => r.status === "failed" && r.errorKind && AGAIN.has(r.errorKind) && r.retryable !== false).map((r) => r.action);
  }
  result.results = actions.map((a) => ({ ...last.get(a)!, why: why.get(a)! }));
  result.failed = result.results.filter((r) => r.status === "failed");
  for (const f of result.failed) result.problems.push(`${f.action.path}: ${f.detail}${result.rounds > 1 ? ` (still failing after ${result.rounds} rounds)` : ""}`);
  return result;
}

async function readOwnership(store: ReceiptStore | undefined, result: ConvergeResult): Promise<Map<string, Ownership>> {
  if (!store) return new Map();
  try {
    const { receipts, problems } = await store.read();
    result.problems.push(...problems.map((p) => `receipts: ${p}`));
    return ownershipOf(receipts);
  } catch (err) {
    // Without receipts nothing looks gitgrant's but what carries a marker: convergence then
    // revokes less, never more. Said, so a person knows the revokes are incomplete.
    result.problems.push(`receipts could not be read (${(err as Error).message}); only access the targets mark as gitgrant's is revoked this run`);
    return new Map();
  }
}

/** Whether anything of gitgrant's may be on this resource: a request file on the branch, or a receipt of access it created. */
function concerns(report: ExpiryReport, owned: Map<string, Ownership>, id: string): boolean {
  const prefix = `access/requests/${id}/`;
  if (report.grants.some((g) => g.grant.resource.id === id) || report.unreadable.some((u) => u.path.startsWith(prefix))) return true;
  for (const o of owned.values()) if (o.kind === "created" && o.receipt.resource === id) return true;
  return false;
}

async function listResource(providers: ProviderLookup, resource: Resource, result: ConvergeResult, concerned: boolean): Promise<ExistingGrant[] | null> {
  const fail = (detail: string) => {
    if (concerned) result.problems.push(`${resource.id}: ${detail}`);
    else result.unchecked.push({ resource: resource.id, detail: `${detail}; no request file or receipt names it, so nothing of gitgrant's can be there` });
    return null;
  };
  try {
    const provider = providerFor(providers, resource.provider);
    if (!provider) return fail(`no ${resource.provider} provider is configured, so it was not converged`);
    result.calls.list++;
    return await provider.list(resource);
  } catch (err) {
    return fail(`not converged: ${toProviderError(err, `list ${resource.id} (${resource.provider})`).message}`);
  }
}

/**
 * The resources a push concerns: every one its request files name. Convergence on them
 * costs one listing each; the workflow converges every resource, so a cancelled run's
 * resources are covered by the next.
 */
export function touchedResources(plan: Pick<Plan, "actions" | "skipped">): string[] {
  const ids = new Set<string>();
  for (const a of plan.actions) ids.add(a.kind === "grant" ? a.grant.resource.id : a.ref.resource.id);
  for (const s of plan.skipped) {
    const [, , id] = s.path.split("/");
    if (id) ids.add(id);
  }
  return [...ids].sort();
}
