// What apply-on-merge works with: a plan (pure, from git alone) and the results of
// carrying it out (or of pretending to, for `gitgrant plan`).
import type { Grant, GrantRef } from "../core/types.js";
import type { ProviderErrorKind } from "../providers/types.js";

export interface GrantAction {
  kind: "grant";
  path: string;
  /** "modified" is an extension or a new reason: the provider replaces the old grant. */
  change: "added" | "modified";
  grant: Grant;
  /** When the change landed on the default branch (the window's start unless starts_at is later). */
  landedAt: Date;
  /** Set when a cap shortened the window (a file that reached the branch without the check). */
  capped?: string;
  /** Whether the target ends the grant itself at expiresAt; otherwise the sweep's revoke PR does. */
  nativeExpiry: boolean;
  /** "grant alice → prod-db-read until 2026-11-29 14:30 UTC (native expiry)" */
  words: string;
}

export interface RevokeAction {
  kind: "revoke";
  path: string;
  /** "deleted": the file is gone. "postponed": an edit moved starts_at later, so the running
   *  window ends now and the sweep grants the new one when it starts. "converge": the target
   *  holds gitgrant's access that no active window covers (operations/converge.ts). */
  change: "deleted" | "postponed" | "converge";
  ref: GrantRef;
  /** "revoke alice → prod-db-read" */
  words: string;
  /** "postponed": the new, later window (granted by the sweep at its start; the app's timer ends it). */
  pending?: Grant;
}

export type Action = GrantAction | RevokeAction;

/**
 * A request file apply leaves alone, and why. `problem` is true when it means access may be
 * wrong (a file on the branch that grants nothing, a deletion that cannot be revoked);
 * false when waiting is right (a later starts_at, a window already over).
 */
export interface Skipped {
  path: string;
  reason: string;
  problem: boolean;
  /** A later starts_at: the grant the file will be once its window starts (the app's expiry timer ends it). */
  pending?: Grant;
}

export interface Plan {
  before: string;
  after: string;
  /** Revokes first, then grants, each sorted by path (see plan.ts for why). */
  actions: Action[];
  skipped: Skipped[];
}

/** `pending`: asked for, in effect once someone else acts (an organisation invitation);
 *  `kept`: a revoke that left access gitgrant cannot remove (a maintainer, an organisation owner). */
export type ResultStatus = "granted" | "revoked" | "unchanged" | "pending" | "kept" | "failed" | "planned";

export interface ActionResult {
  action: Action;
  status: ResultStatus;
  /** A sentence for the check run, the PR comment and the terminal. */
  detail: string;
  /** Set when status is "failed". */
  errorKind?: ProviderErrorKind;
  /** Tries made (0 in a dry run). */
  attempts: number;
  /** From the provider's outcome: whose access a grant found already there (see ProviderOutcome.found). */
  found?: "own" | "standing";
  /** From the provider's outcome: the principal the call changed, when it says. */
  principal?: string;
  /** On a failure: whether another try later in the same run may succeed (false after a long
   *  Retry-After, which the next run honours by coming back later). */
  retryable?: boolean;
}
