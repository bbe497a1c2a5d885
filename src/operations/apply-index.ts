/** Apply on merge: plan a push from git alone, then carry the plan out through the providers. */
export { planChange, type PlanInput } from "./plan.js";
export { applyPlan, providerFor, type ApplyOptions, type ProviderLookup } from "./execute.js";
export { applyOk, checkRunOutput, counts, headline, prComment, resultsJson } from "./apply-report.js";
export type { Action, ActionResult, GrantAction, Plan, ResultStatus, RevokeAction, Skipped } from "./plan-types.js";
export { grantWords, revokeWords, utc, who } from "../core/grant-words.js";
export { nativeExpiryFrom, providersForApply } from "./apply-providers.js";
