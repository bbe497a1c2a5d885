// Reviews as the core judges them: who reviewed what head, who may not approve (the PR
// author and everyone who authored or committed a commit in it), and which owner teams each
// reviewer is in. Fetched only when some file needs a person's approval.
import type { ApprovalInput, Review, ReviewState } from "../core/approvals.js";
import { latestReviews } from "../core/approvals.js";
import type { FileVerdict } from "../core/evaluate.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { describeError, statusOf } from "../github/errors.js";
import { REST_PAGE_SIZE } from "../github/limits.js";

/** GitHub itself commits web edits and merges as "web-flow"; it is nobody who could approve. */
const GITHUB_COMMITTER = "web-flow";

export interface ReviewFacts {
  reviews: Review[];
  /** Lower-cased logins that cannot approve this PR. */
  excluded: string[];
  /** Everyone a review was ever requested from on this PR, by anyone (users and team slugs). */
  requested: { users: string[]; teams: string[] };
  /** Short SHAs of commits whose author or committer is an email no GitHub account is linked to. */
  unlinked: string[];
  /** What the reviews could not prove, in words (an approval without a commit). */
  notes: string[];
}

export async function loadReviewFacts(api: GitHub, where: RepoRef, number: number, author: string): Promise<ReviewFacts> {
  const [reviews, commits, events] = await Promise.all([
    api.paginate(api.rest.pulls.listReviews, { ...where, pull_number: number, per_page: REST_PAGE_SIZE }),
    api.paginate(api.rest.pulls.listCommits, { ...where, pull_number: number, per_page: REST_PAGE_SIZE }),
    api.paginate(api.rest.issues.listEvents, { ...where, issue_number: number, per_page: REST_PAGE_SIZE }),
  ]);
  const excluded = new Set([author.toLowerCase()]);
  const unlinked: string[] = [];
  for (const c of commits) {
    for (const who of [c.author?.login, c.committer?.login]) {
      if (who && who !== GITHUB_COMMITTER) excluded.add(who.toLowerCase());
    }
    // No account behind the email: unknown, never "not a committer".
    if (!c.author?.login || !c.committer?.login) unlinked.push(c.sha.slice(0, 7));
  }
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const e of events as Array<{ event: string; requested_reviewer?: { login: string } | null; requested_team?: { slug: string } | null }>) {
    if (e.event !== "review_requested") continue;
    if (e.requested_reviewer?.login) users.add(e.requested_reviewer.login.toLowerCase());
    if (e.requested_team?.slug) teams.add(e.requested_team.slug.toLowerCase());
  }
  const notes: string[] = [];
  // An approval GitHub cannot tie to a commit proves nothing about the head: never counted.
  for (const r of reviews) if (r.user?.login && r.state === "APPROVED" && !r.commit_id) notes.push(`${r.user.login}'s approval names no commit, so it is not counted`);
  return {
    unlinked,
    notes,
    reviews: reviews
      .filter((r) => r.user?.login && (r.commit_id || r.state !== "APPROVED"))
      .map((r) => ({
        login: r.user!.login,
        state: r.state as ReviewState,
        ...(r.commit_id ? { commitId: r.commit_id } : {}),
        ...(r.submitted_at ? { submittedAt: r.submitted_at } : {}),
      })),
    excluded: [...excluded],
    requested: { users: [...users], teams: [...teams] },
  };
}

/**
 * "org/team" memberships of the reviewers whose review can matter: a code owner's
 * "changes requested" blocks, and an approval on the head from someone allowed to approve
 * counts. One GET /orgs/{org}/teams/{slug}/memberships/{user} per such (reviewer, owner
 * team) pair; GitHub counts child-team members there, as CODEOWNERS does.
 */
export async function reviewerTeams(api: GitHub, facts: ReviewFacts, headSha: string, files: FileVerdict[], notes: string[]): Promise<Record<string, string[]>> {
  const teams = new Set<string>();
  for (const f of files) {
    if (f.approvals_required === 0) continue;
    for (const o of f.approvers) if (/^@[^/]+\/.+$/.test(o)) teams.add(o.slice(1).toLowerCase());
  }
  const excluded = new Set(facts.excluded);
  const who = latestReviews(facts.reviews)
    .filter((r) => r.state === "CHANGES_REQUESTED" || (r.state === "APPROVED" && !excluded.has(r.login.toLowerCase()) && (!r.commitId || r.commitId === headSha)))
    .map((r) => r.login.toLowerCase());
  const pairs = who.flatMap((login) => [...teams].map((team) => ({ login, team })));
  const answers = await Promise.all(pairs.map((p) => isTeamMember(api, p.team, p.login, notes)));
  const out: Record<string, string[]> = {};
  for (const login of who) out[login] = [];
  pairs.forEach((p, i) => {
    if (answers[i]) out[p.login]!.push(p.team);
  });
  return out;
}

async function isTeamMember(api: GitHub, team: string, login: string, notes: string[]): Promise<boolean> {
  const [org, slug] = team.split("/") as [string, string];
  try {
    const { data } = await api.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login });
    // "pending": invited, not yet a member; GitHub does not count them as owners either.
    return data.state === "active";
  } catch (err) {
    if (statusOf(err) === 404) return false;
    notes.push(`could not read whether ${login} is in @${team} (${describeError(err)}); their review is not counted as the team's`);
    return false;
  }
}

export function approvalInput(facts: ReviewFacts, headSha: string, teamsOf: Record<string, string[]>): ApprovalInput {
  return { reviews: facts.reviews, headSha, excluded: facts.excluded, teamsOf };
}
