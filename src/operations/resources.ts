// What can be requested: each catalog resource with who approves it (CODEOWNERS, as GitHub
// reads it) and the tier a short request for it falls in.
import type { AccessConfig } from "../core/config.js";
import { ownersOf } from "../core/codeowners.js";
import { tierMatches } from "../core/decide.js";
import { formatDuration, parseDuration } from "../core/duration.js";
import { requestPath } from "../core/paths.js";

/** "A short request": an hour, or the resource's whole cap when that is shorter. */
export const SHORT_REQUEST = "1h";

export interface ResourceRow {
  id: string;
  description: string;
  sensitivity: string;
  provider: string;
  max_duration: string;
  /** The duration the tier below is for. */
  short: string;
  /** The tier a short request falls in (null: refused, no tier covers it). */
  tier: string | null;
  approvals: number | null;
  /** Code owners of access/requests/<id>/ (they approve when the tier needs it). */
  approvers: string[];
}

export function resourceRows(config: AccessConfig): ResourceRow[] {
  return Object.values(config.catalog.resources)
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => {
      const short = Math.min(parseDuration(SHORT_REQUEST), parseDuration(r.max_duration));
      const tier = config.policy.tiers.find((t) => tierMatches(t, r, short)) ?? null;
      return {
        id: r.id,
        description: r.description ?? "",
        sensitivity: r.sensitivity,
        provider: r.provider,
        max_duration: r.max_duration,
        short: formatDuration(short),
        tier: tier?.name ?? null,
        approvals: tier ? tier.approvals : null,
        approvers: ownersOf(config.codeowners, requestPath(r.id, "someone")).owners,
      };
    });
}
