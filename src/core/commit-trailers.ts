// Reading the app's evidence trailers back from a commit message (the writer is core/trailers.ts).
import { parseTrailers } from "./trailers.js";
import type { CommitTrailers } from "./audit-types.js";

/** "#42", "42" or a pull request URL -> 42; anything else -> null. */
export function prNumber(value: string | undefined): number | null {
  if (!value) return null;
  const m = /^(?:#|.*\/pull\/)?(\d+)\s*$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

export function readCommitTrailers(message: string): CommitTrailers {
  const out: CommitTrailers = { grants: new Set(), revokes: new Set(), requestedBy: [], approvedBy: [], tiers: [], revokeReasons: [], pr: null, breakGlass: false };
  // One pass over the trailers (an audit reads one message per commit of the branch).
  const add = (list: string[], v: string) => {
    if (!list.includes(v)) list.push(v);
  };
  for (const { key, value } of parseTrailers(message)) {
    if (value === "") continue;
    switch (key.toLowerCase()) {
      case "grant": out.grants.add(value); break;
      case "revoke": out.revokes.add(value); break;
      case "requested-by": add(out.requestedBy, value.replace(/^@/, "")); break;
      case "approved-by": add(out.approvedBy, value.replace(/^@/, "")); break;
      case "policy-tier": add(out.tiers, value); break;
      case "revoke-reason": add(out.revokeReasons, value); break;
      case "pull-request": if (out.pr === null) out.pr = prNumber(value); break;
      case "break-glass": if (value.toLowerCase() === "true") out.breakGlass = true; break;
    }
  }
  return out;
}

/** No trailers at all: a commit written by hand, not by the app. */
export function hasNoEvidence(t: CommitTrailers): boolean {
  return t.grants.size === 0 && t.revokes.size === 0 && t.pr === null && t.tiers.length === 0 && t.approvedBy.length === 0;
}
