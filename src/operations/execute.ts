// Apply-on-merge, step two: carry out a plan through the providers. `gitgrant plan` runs
// this same loop with dryRun, so what it prints is what apply would do; only the effect
// (the provider call) is switched off.
import { own } from "../core/own.js";
import type { ProviderName } from "../core/types.js";
import { toProviderError } from "../providers/errors.js";
import { withRetry, type Sleep } from "../providers/retry.js";
import type { Provider, ProviderOutcome } from "../providers/types.js";
import type { Action, ActionResult, Plan } from "./plan-types.js";
import { expiryNote, utc, who } from "../core/grant-words.js";

/** Where the loop finds each provider: a map, or a function (e.g. built lazily from the environment). */
export type ProviderLookup = Partial<Record<ProviderName, Provider>> | ((name: ProviderName) => Provider | undefined);

export interface ApplyOptions {
  /** Report what would be done; call no provider. */
  dryRun?: boolean;
  /** Tries per action, the first included (default 4). Build real providers with
   *  `retry: { attempts: 1 }` so this is the only retry loop (see providersForApply). */
  attempts?: number;
  /** Delay before the second try, doubling after (default 500 ms). */
  baseDelayMs?: number;
  /** Injected so tests never wait. */
  sleep?: Sleep;
  random?: () => number;
  /** Told about each retry, e.g. to log it. */
  onRetry?: (action: Action, message: string, attempt: number, delayMs: number) => void;
}

export function providerFor(providers: ProviderLookup, name: ProviderName): Provider | undefined {
  return typeof providers === "function" ? providers(name) : own(providers as Record<string, Provider | undefined>, name);
}

/**
 * One result per action, in plan order. Actions run one after another (the targets'
 * rate limits are per account, and the order matters for case-only renames), and a
 * failure is recorded and the loop moves on: one broken grant never blocks the others.
 */
export async function applyPlan(plan: Plan, providers: ProviderLookup, options: ApplyOptions = {}): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of plan.actions) results.push(await applyOne(action, providers, options));
  return results;
}

async function applyOne(action: Action, providers: ProviderLookup, options: ApplyOptions): Promise<ActionResult> {
  const resource = action.kind === "grant" ? action.grant.resource : action.ref.resource;
  let provider: Provider | undefined;
  try {
    provider = providerFor(providers, resource.provider);
  } catch (err) {
    // A provider that cannot even be built (missing credentials) fails its actions only.
    const error = toProviderError(err, `set up the ${resource.provider} provider`);
    return failed(action, error.kind, error.message, 0);
  }
  if (!provider) {
    return failed(action, "invalid", `no ${resource.provider} provider is configured, so ${who(resourceRef(action))} cannot be changed`, 0);
  }
  if (options.dryRun) return { action, status: "planned", detail: `would ${action.words}`, attempts: 0 };

  let attempts = 0;
  try {
    const outcome = await withRetry<ProviderOutcome>(
      () => {
        attempts++;
        return action.kind === "grant" ? provider.grant(action.grant) : provider.revoke(action.ref);
      },
      {
        attempts: options.attempts ?? 4,
        baseDelayMs: options.baseDelayMs ?? 500,
        sleep: options.sleep,
        random: options.random,
        // The provider's name, not the action's words: the failure sentence already has those.
        action: provider.name,
        onRetry: (error, attempt, delay) => options.onRetry?.(action, error.message, attempt, delay),
      },
    );
    return {
      action,
      status: outcome.status,
      detail: doneWords(action, outcome),
      attempts,
      // Carried for the ownership receipts (owned-apply.ts).
      ...(outcome.found ? { found: outcome.found } : {}),
      ...(outcome.principal ? { principal: outcome.principal } : {}),
    };
  } catch (err) {
    const error = toProviderError(err, provider.name);
    return { ...failed(action, error.kind, error.message, attempts), retryable: error.retryable };
  }
}

function resourceRef(action: Action) {
  return action.kind === "grant" ? action.grant : action.ref;
}

function failed(action: Action, kind: ActionResult["errorKind"], message: string, attempts: number): ActionResult {
  // A provider built with one try per call says so on every error; only this loop's count matters.
  const clean = message.replace(/ \(gave up after 1 try\)/g, "");
  return { action, status: "failed", detail: `could not ${action.words}: ${clean}`, errorKind: kind, attempts };
}

/** "granted alice → prod-db-read until 2026-11-29 14:30 UTC (native expiry)", plus the provider's own sentence. */
function doneWords(action: Action, outcome: ProviderOutcome): string {
  if (action.kind === "revoke") {
    const said =
      outcome.status === "unchanged"
        ? `${who(action.ref)} had already been revoked`
        : outcome.status === "kept"
          ? `kept ${who(action.ref)} (not gitgrant's to remove)`
          : `revoked ${who(action.ref)}`;
    return `${said}: ${outcome.detail}`;
  }
  const until = `until ${utc(action.grant.expiresAt)}`;
  const said =
    outcome.status === "unchanged"
      ? `${who(action.grant)} already held ${until}`
      : outcome.status === "pending"
        ? `pending ${who(action.grant)} ${until} (not in effect yet)`
        : `granted ${who(action.grant)} ${until}`;
  return `${said} (${expiryNote(action.nativeExpiry)}): ${outcome.detail}`;
}
