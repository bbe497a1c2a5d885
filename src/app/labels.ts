// Tier labels on the PR: access:<tier> for each tier in it, access:break-glass when a file
// is break-glass. gitgrant owns the labels named after the policy's tiers; it adds the ones
// that apply and removes the ones that no longer do (a request edited into another tier).
import type { AccessConfig } from "../core/config.js";
import type { CheckResult } from "../core/evaluate.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { describeError, statusOf } from "../github/errors.js";

export const LABEL_PREFIX = "access:";
export const BREAK_GLASS_LABEL = "access:break-glass";

export function wantedLabels(result: CheckResult): string[] {
  const tiers = new Set(result.files.filter((f) => f.kind === "request" && f.tier).map((f) => `${LABEL_PREFIX}${f.tier}`));
  if (result.files.some((f) => f.break_glass)) tiers.add(BREAK_GLASS_LABEL);
  return [...tiers].sort();
}

export function labelChanges(config: AccessConfig, result: CheckResult, current: string[]): { add: string[]; remove: string[] } {
  const owned = new Set([...config.policy.tiers.map((t) => `${LABEL_PREFIX}${t.name}`), `${LABEL_PREFIX}revoke`, BREAK_GLASS_LABEL]);
  const want = wantedLabels(result);
  const have = new Set(current);
  return {
    add: want.filter((l) => !have.has(l)),
    remove: current.filter((l) => owned.has(l) && !want.includes(l)),
  };
}

/** POST .../issues/{n}/labels creates a missing label as it adds it. Returns a note on failure. */
export async function syncLabels(api: GitHub, where: RepoRef, number: number, change: { add: string[]; remove: string[] }): Promise<string | null> {
  try {
    await Promise.all([
      change.add.length ? api.rest.issues.addLabels({ ...where, issue_number: number, labels: change.add }) : null,
      ...change.remove.map((name) =>
        api.rest.issues.removeLabel({ ...where, issue_number: number, name }).catch((err: unknown) => {
          if (statusOf(err) !== 404) throw err; // already gone
        }),
      ),
    ]);
    return null;
  } catch (err) {
    return `could not update the labels: ${describeError(err)}`;
  }
}
