// The shapes of the audit: what git history says about each grant, from landing to revoke.
// Pure data, shared by the reader (git), the metrics, the events and the report.
import type { ChatMentions } from "./chat.js";
import type { AccessConfig } from "./config.js";
import type { Provenance } from "./provenance.js";

/** One file changed by one first-parent commit, as `git log --raw` reports it. */
export interface RawEntry {
  /** A added, M modified, D deleted, T type changed (treated as modified). */
  status: "A" | "M" | "D" | "T";
  path: string;
  /** Full blob SHAs; all zeros on the side where the file does not exist. */
  oldBlob: string;
  newBlob: string;
}

/** One commit on the default branch (first parent only) that touched access/. */
export interface LogCommit {
  sha: string;
  parents: string[];
  /** Committer date: when it landed on the branch (a merge, a squash, a push). */
  committedAt: Date;
  /** Author date: when the change was written (earlier than landing for a PR's commits). */
  authoredAt: Date;
  author: string;
  message: string;
  entries: RawEntry[];
}

/** The app's trailers of one commit, read from its message (see core/trailers.ts). */
export interface CommitTrailers {
  /** Paths named by Grant: trailers. */
  grants: Set<string>;
  /** Paths named by Revoke: trailers. */
  revokes: Set<string>;
  requestedBy: string[];
  approvedBy: string[];
  tiers: string[];
  revokeReasons: string[];
  pr: number | null;
  breakGlass: boolean;
}

/** What the commit that landed (or deleted) a file tells the audit. */
export interface CommitInfo {
  sha: string;
  /** Landing time on the default branch (committer date of the first-parent commit). */
  landedAt: Date;
  /** Best time git knows for "requested": the earliest author date of the change's commits. */
  requestedAt: Date;
  /** Author of the landing commit (for a hand merge, the person who merged or pushed). */
  author: string;
  trailers: CommitTrailers;
  /** Whether gitgrant wrote this commit (its trailers count only then); absent: not judged, i.e. unverified. */
  provenance?: Provenance;
}

export interface Evidence {
  complete: boolean;
  /** What an auditor cannot find in git, in words: "no approver record", "no pull request". */
  missing: string[];
  /** Facts worth knowing that are not gaps: break-glass, auto-approval, a capped window. */
  notes: string[];
}

/** How a life ended, if it has. */
export type LifeEnd =
  | { kind: "revoked"; at: Date; sha: string; reason: string; pr: number | null; author: string; mentions?: ChatMentions }
  /** The file was edited: the edit is a new life (kind "extension" or "renewal") that replaces this one. */
  | { kind: "superseded"; at: Date; sha: string; by: number };

/**
 * One grant decision: a request file added (kind "new") or edited (kind "extension" when
 * the previous window was still open, "renewal" when it had run out) on the default branch,
 * until its file is deleted or edited again.
 */
export interface GrantLife {
  /** Position in history order; lives are numbered 0.. as they land. */
  index: number;
  kind: "new" | "extension" | "renewal";
  path: string;
  requester: string;
  resource: string;
  reason: string | null;
  ticket: string | null;
  tier: string | null;
  approvers: string[];
  /** Approvals the tier needed by the policy at the time (null when the tier is unknown). */
  approvalsRequired: number | null;
  pr: number | null;
  requestedBy: string[];
  breakGlass: boolean;
  /** Merged by the app with no approver: self-service, auto-approved or break-glass. */
  withoutHuman: boolean;
  sha: string;
  /** Author of the landing commit. */
  author: string;
  requestedAt: Date;
  /** Landing time: git's best record of "applied" (the apply check run is on GitHub, not in git). */
  landedAt: Date;
  /** Window start: landing time, or a later starts_at. */
  grantedAt: Date;
  /** Null when the window cannot be computed (see evidence). */
  expiresAt: Date | null;
  /** Start of an unbroken chain of extensions: how long the person has held this access. */
  heldSince: Date;
  end: LifeEnd | null;
  evidence: Evidence;
  /**
   * Who wrote the trailers of the grant's commit and of its revoke: "gitgrant" only when every
   * one of them is a verified gitgrant commit; "not-gitgrant" when one is proven not to be.
   */
  provenance: Provenance["kind"];
  /** The requester's chat handles (identities.yaml `slack` / `teams`) in the config the grant was judged by. */
  mentions?: ChatMentions;
}

export type LifeStatus = "active" | "expired" | "revoked" | "superseded";

export interface AuditResult {
  lives: GrantLife[];
  /** First-parent commits read that touched access/. */
  commits: number;
  /** The commit audited (the resolved ref). */
  head: string | null;
  /** Problems that did not stop the audit (a deletion of a file never seen added). */
  warnings: string[];
  /** Catalog, policy and identities at the head (settings such as standing_threshold come from here). */
  config: AccessConfig | null;
}
