// Which reviews count. Only a code owner's approval on the current head counts, and never
// one from the requester, the PR author or anyone who authored or committed to the PR.
import { isOwner } from "./codeowners.js";
import { own } from "./own.js";

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "DISMISSED" | "COMMENTED" | "PENDING";

export interface Review {
  login: string;
  state: ReviewState;
  /** The head SHA the review was given on; absent means "the current head" (CLI --approved-by). */
  commitId?: string;
  /** Submission order; later reviews by the same person supersede earlier ones. */
  submittedAt?: string;
}

export interface ApprovalInput {
  reviews: Review[];
  headSha?: string;
  /** Logins that may not approve this PR: the author and every commit author/committer. */
  excluded: string[];
  /** "org/team" slugs (lower-case) each reviewer belongs to, for team owners. */
  teamsOf: Record<string, string[]>;
}

export interface FileApproval {
  approvedBy: string[];
  blockedBy: string[];
  /** Why a review did not count, in words. */
  notes: string[];
  satisfied: boolean;
}

/** The latest APPROVED / CHANGES_REQUESTED / DISMISSED review of each person, as GitHub shows it. */
export function latestReviews(reviews: Review[]): Review[] {
  const latest = new Map<string, Review>();
  const ordered = [...reviews].sort((a, b) => (a.submittedAt ?? "").localeCompare(b.submittedAt ?? ""));
  for (const r of ordered) {
    if (r.state === "COMMENTED" || r.state === "PENDING") continue;
    latest.set(r.login.toLowerCase(), r);
  }
  return [...latest.values()];
}

export function judgeApprovals(
  input: ApprovalInput,
  file: { requester: string; owners: string[]; required: number; path: string },
): FileApproval {
  const approvedBy: string[] = [];
  const blockedBy: string[] = [];
  const notes: string[] = [];
  const excluded = new Set(input.excluded.map((l) => l.toLowerCase()));
  for (const r of latestReviews(input.reviews)) {
    const login = r.login.toLowerCase();
    const owner = isOwner(file.owners, login, own(input.teamsOf, login) ?? []);
    if (r.state === "CHANGES_REQUESTED") {
      if (owner) blockedBy.push(r.login);
      continue;
    }
    if (r.state !== "APPROVED") continue;
    if (login === file.requester.toLowerCase()) {
      notes.push(`${r.login} cannot approve their own request`);
    } else if (excluded.has(login)) {
      notes.push(`${r.login} authored or pushed to this pull request, so their approval does not count`);
    } else if (input.headSha && r.commitId && r.commitId !== input.headSha) {
      notes.push(`${r.login}'s approval was given on ${r.commitId.slice(0, 7)}, before the last push to ${input.headSha.slice(0, 7)}`);
    } else if (!owner) {
      notes.push(`${r.login} is not a code owner of ${file.path} (${file.owners.join(", ") || "nobody"})`);
    } else approvedBy.push(r.login);
  }
  const satisfied = blockedBy.length === 0 && approvedBy.length >= file.required;
  return { approvedBy, blockedBy, notes, satisfied };
}
