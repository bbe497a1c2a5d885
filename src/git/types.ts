import type { FileChange } from "../core/types.js";

/** When a request file last landed on a branch: the first-parent commit that last added or changed it. */
export interface Landing {
  path: string;
  sha: string;
  /** Committer date of that commit on the branch (when it landed). */
  time: Date;
}

/**
 * The one seam between gitgrant and wherever the access repository lives:
 * a local git checkout (CLI, tests, demo) or the GitHub API (the app, the sweep).
 */
export interface AccessRepo {
  /** Full SHA of a ref; throws a clear error when the ref does not exist. */
  resolve(ref: string): Promise<string>;
  /** A file's text at a ref, or null when it does not exist there. */
  readFile(ref: string, path: string): Promise<string | null>;
  /** Optional batch form of readFile, for implementations where one call per file is costly. */
  readFiles?(ref: string, paths: string[]): Promise<Map<string, string | null>>;
  /** Paths of all files under a folder at a ref (recursive, repository-relative, sorted). */
  listFiles(ref: string, folder: string): Promise<string[]>;
  /** Files that differ between base and head; a rename is a delete plus an add. */
  changedFiles(base: string, head: string): Promise<FileChange[]>;
  /**
   * For every file under `folder` that exists at `ref`, the first-parent commit that last
   * added or modified it. One pass over history, not one call per file.
   */
  landings(ref: string, folder: string): Promise<Map<string, Landing>>;
}
