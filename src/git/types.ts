import type { Receipt } from "../core/receipts.js";
import type { FileChange } from "../core/types.js";

/** When a request file last landed on a branch: the first-parent commit that last added or changed it. */
export interface Landing {
  path: string;
  sha: string;
  /** Committer date of that commit on the branch (when it landed). */
  time: Date;
}

/** A file in a tree with its blob id: what GitHub's contents API asks for as `sha` to delete it. */
export interface BlobEntry {
  path: string;
  sha: string;
}

/**
 * The read side of the repository seam: the access tree and its history, from a local
 * git checkout (CLI, tests, demo, the sweep in Actions) or the GitHub API (the app).
 */
export interface AccessRepo {
  /** Full SHA of a ref; throws a clear error when the ref does not exist. */
  resolve(ref: string): Promise<string>;
  /** The id of a commit's root tree (what a new commit built on it starts from). */
  treeId(ref: string): Promise<string>;
  /** A file's text at a ref, or null when it does not exist there. */
  readFile(ref: string, path: string): Promise<string | null>;
  /** Optional batch form of readFile, for implementations where one call per file is costly. */
  readFiles?(ref: string, paths: string[]): Promise<Map<string, string | null>>;
  /** The texts of blobs by id (from listBlobs): no path to resolve, each distinct blob read once. */
  readBlobs(ids: string[]): Promise<Map<string, string>>;
  /** Paths of all files under a folder at a ref (recursive, repository-relative, sorted). */
  listFiles(ref: string, folder: string): Promise<string[]>;
  /** The blobs under a folder at a ref with their ids, sorted by path (a submodule is not a blob). */
  listBlobs(ref: string, folder: string): Promise<BlobEntry[]>;
  /** Files that differ between base and head; a rename is a delete plus an add. */
  changedFiles(base: string, head: string): Promise<FileChange[]>;
  /**
   * For every file under `folder` that exists at `ref`, the first-parent commit that last
   * added or modified it. One pass over history, not one call per file.
   */
  landings(ref: string, folder: string): Promise<Map<string, Landing>>;
}

/**
 * A proposed change to the access repository: a pull request on GitHub, a branch in a
 * local clone. `number` and `url` exist only where there is a pull request.
 */
export interface ChangeRef {
  branch: string;
  number?: number;
  url?: string;
}

/** A change waiting to be merged, as the pending-request pass sees it. */
export interface OpenChange extends ChangeRef {
  number: number;
  url: string;
  title: string;
  createdAt: Date;
  draft: boolean;
  /** False when the branch lives in a fork (a fork's branch is never one of gitgrant's own). */
  fromThisRepo: boolean;
  /** Who opened it, when known. */
  author?: string;
}

/** A file a change touches; `status` as GitHub words it ("added", "removed", ...), when known. */
export interface ChangeFile {
  path: string;
  status?: string;
}

/** A revoke to propose: remove these files from the base, on one branch, in one change. */
export interface RevokeChange {
  /** The branch the change targets (the default branch). */
  base: string;
  /** The commit the revoke is made on: the one whose tree was judged. */
  baseSha: string;
  /** baseSha's root tree (a writer that builds trees starts from it). */
  baseTree: string;
  branch: string;
  files: Array<{
    path: string;
    /** The file's blob id at baseSha. */
    blob: string;
    /** When and in which commit this version of the file landed (for "if-stale"). */
    landed?: { sha: string; at: Date };
  }>;
  message: string;
  title: string;
  body: string;
  /**
   * When to rewrite a change that is already waiting on the branch. "if-stale": only when
   * it removes an older version of a file than the one on the base (the sweep). "always":
   * bulk revokes, whose selection may have grown.
   */
  refresh: "if-stale" | "always";
  /** Find out and say what would happen; write nothing. */
  dryRun?: boolean;
  /**
   * Count a change already waiting on the branch only if it is gitgrant's own: opened by one
   * of these logins (besides those the writer was configured with), from this repository's
   * branch, not a draft, deleting exactly `files` and nothing else. Otherwise the branch is
   * reset and the real change opened. Set by the sweep, whose branch name anyone can push.
   */
  verifyOwn?: { authors: string[] };
}

export interface RevokeChangeResult {
  status: "opened" | "exists" | "refreshed" | "committed" | "planned";
  /** The pull request (GitHub). */
  number?: number;
  url?: string;
  /** The commit at the branch's tip (local clone). */
  commit?: string;
  detail: string;
}

/** What a write did, in words; `done` false when this repository has nowhere to do it. */
export interface WriteOutcome {
  done: boolean;
  detail: string;
}

export interface DriftIssueResult {
  status: "opened" | "updated" | "planned";
  number?: number;
  url?: string;
}

/**
 * The write side of the repository seam: where revokes, closures, labels and comments go.
 * Over the GitHub API they are pull requests and issues; in a local clone a change is a
 * branch, and what a branch cannot carry (labels, comments, a closed state) is a no-op
 * whose outcome says so.
 */
export interface ChangeWriter {
  readonly kind: "github" | "local";
  /** Open the revoke change, or find it waiting, or refresh it; never a second one per branch. */
  ensureRevoke(change: RevokeChange): Promise<RevokeChangeResult>;
  /** Changes waiting for review, in the order the host lists them. */
  openChanges(): Promise<OpenChange[]>;
  /** The files a waiting change touches. */
  changeFiles(change: OpenChange): Promise<ChangeFile[]>;
  /** Close a change for good, saying why (the comment is left first). */
  close(change: ChangeRef, comment: string): Promise<WriteOutcome>;
  label(change: ChangeRef, labels: string[]): Promise<WriteOutcome>;
  comment(change: ChangeRef, body: string): Promise<WriteOutcome>;
  /**
   * One open drift issue, updated in place by every run. Null where there is no issue
   * tracker (a local clone): the reconcile report is then the only record.
   */
  reportDrift(title: string, body: string, options?: { dryRun?: boolean }): Promise<DriftIssueResult | null>;
  /**
   * The branch's tip on the host now, where other writers (the app, a workflow) move it
   * while this run works from its clone. Absent for a local clone: nobody else applies there.
   */
  branchTip?(branch: string): Promise<string>;
}

/**
 * The repository seam the use cases take: what they read and where their changes go. The
 * sweep reads from a clone with full history whichever way it writes, so the two halves
 * are chosen separately (see localRepository and githubRepository).
 */
export interface Repository {
  readonly read: AccessRepo;
  readonly write: ChangeWriter;
  /** Where ownership receipts are read and recorded (refs/notes/gitgrant); absent where none is set up. */
  readonly receipts?: ReceiptStore;
}

/**
 * Where ownership receipts live (core/receipts.ts): git notes under refs/notes/gitgrant, one
 * note per applied commit, in a local clone or over the GitHub API. Readable by the app and
 * the workflow alike; the app keeps no state of its own.
 */
export interface ReceiptStore {
  /** Every trusted receipt, oldest first; notes that cannot be trusted or read are problems, in words. */
  read(): Promise<{ receipts: Receipt[]; problems: string[] }>;
  /** Add receipts to `commit`'s note (appending to what is there); safe against a concurrent writer. */
  record(commit: string, receipts: Receipt[]): Promise<void>;
}
