// Ask the code owners of each file that still needs approval, once: nobody who was ever
// asked on this PR (by gitgrant, by GitHub's own CODEOWNERS request, or by a person), has
// already reviewed, or may not approve (author, committers, the requester) is asked again.
import type { CheckResult } from "../core/evaluate.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { describeError } from "../github/errors.js";
import type { ReviewFacts } from "./reviews.js";

export interface ReviewRequest {
  reviewers: string[];
  team_reviewers: string[];
}

export function reviewRequest(result: CheckResult, facts: ReviewFacts, org: string): ReviewRequest {
  const skipUsers = new Set([...facts.excluded, ...facts.requested.users, ...facts.reviews.map((r) => r.login.toLowerCase())]);
  const skipTeams = new Set(facts.requested.teams);
  const users = new Map<string, string>();
  const teams = new Map<string, string>();
  for (const f of result.files) {
    if (f.approvals_required === 0 || f.approved_by.length >= f.approvals_required) continue;
    const requester = f.requester?.toLowerCase();
    for (const owner of f.approvers) {
      if (!owner.startsWith("@")) continue; // an email owner cannot be requested by login
      const name = owner.slice(1);
      const slash = name.indexOf("/");
      if (slash < 0) {
        const login = name.toLowerCase();
        if (!skipUsers.has(login) && login !== requester) users.set(login, name);
      } else {
        // Only teams of the repository's own organisation can be asked to review it.
        if (name.slice(0, slash).toLowerCase() !== org.toLowerCase()) continue;
        const slug = name.slice(slash + 1);
        if (!skipTeams.has(slug.toLowerCase())) teams.set(slug.toLowerCase(), slug);
      }
    }
  }
  return { reviewers: [...users.values()].sort(), team_reviewers: [...teams.values()].sort() };
}

/** POST .../requested_reviewers; a refusal (say, a team without access) is reported, not thrown. */
export async function requestReviews(api: GitHub, where: RepoRef, number: number, req: ReviewRequest): Promise<string | null> {
  if (!req.reviewers.length && !req.team_reviewers.length) return null;
  try {
    await api.rest.pulls.requestReviewers({
      ...where,
      pull_number: number,
      ...(req.reviewers.length ? { reviewers: req.reviewers } : {}),
      ...(req.team_reviewers.length ? { team_reviewers: req.team_reviewers } : {}),
    });
    return null;
  } catch (err) {
    const who = [...req.reviewers.map((u) => `@${u}`), ...req.team_reviewers.map((t) => `@${where.owner}/${t}`)].join(", ");
    return `could not request review from ${who}: ${describeError(err)}`;
  }
}
