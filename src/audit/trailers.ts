// Reading the app's evidence trailers back from a commit message (the writer is core/trailers.ts).
import { parseTrailers, trailerValues } from "../core/trailers.js";
import type { CommitTrailers } from "./types.js";

/** "#42", "42" or a pull request URL -> 42; anything else -> null. */
export function prNumber(value: string | undefined): number | null {
  if (!value) return null;
  const m = /^(?:#|.*\/pull\/)?(\d+)\s*$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

export function readCommitTrailers(message: string): CommitTrailers {
  const trailers = parseTrailers(message);
  const values = (key: string) => trailerValues(trailers, key).filter((v) => v !== "");
  const unique = (xs: string[]) => [...new Set(xs)];
  return {
    grants: new Set(values("Grant")),
    revokes: new Set(values("Revoke")),
    requestedBy: unique(values("Requested-by").map((v) => v.replace(/^@/, ""))),
    approvedBy: unique(values("Approved-by").map((v) => v.replace(/^@/, ""))),
    tiers: unique(values("Policy-tier")),
    revokeReasons: unique(values("Revoke-reason")),
    pr: prNumber(values("Pull-request")[0]),
    breakGlass: values("Break-glass").some((v) => v.toLowerCase() === "true"),
  };
}

/** No trailers at all: a commit written by hand, not by the app. */
export function hasNoEvidence(t: CommitTrailers): boolean {
  return t.grants.size === 0 && t.revokes.size === 0 && t.pr === null && t.tiers.length === 0 && t.approvedBy.length === 0;
}
