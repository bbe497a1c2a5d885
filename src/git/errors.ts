// Typed errors shared by both implementations of AccessRepo,
// so callers can tell "no such ref" from "git or the API failed".

/** A ref (branch, tag, SHA) that does not name a commit in the repository. */
export class UnknownRefError extends Error {
  constructor(readonly ref: string) {
    super(`unknown git ref "${ref}"`);
    this.name = "UnknownRefError";
  }
}

/**
 * git failed, or printed what we cannot read: the one error type of every git process
 * (see run.ts). `args` are the caller's arguments (without the pinned `-c` settings),
 * `exitCode` git's exit status or the reason it has none (ENOENT, a signal), `stderr` what
 * git said.
 */
export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | undefined,
    readonly stderr: string,
    message?: string,
  ) {
    super(message ?? `git ${commandLine(args)} failed (exit ${exitCode ?? "?"}): ${stderr.trim() || "no error output"}`);
    this.name = "GitCommandError";
  }
}

/** git's output did not have the shape we asked for (a bug, or a git we do not know). */
export class GitOutputError extends GitCommandError {
  constructor(args: readonly string[], detail: string) {
    super(args, 0, "", `unexpected git ${args[0] ?? ""} output: ${detail}`);
    this.name = "GitOutputError";
  }
}

/** Arguments as a reader can copy them into a shell: odd ones quoted, control characters escaped. */
export function commandLine(args: readonly string[]): string {
  return args.map((a) => (/^[\w@%+=:,./^{}~-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/** The repository is too large or too shallow for the operation to give a complete answer. */
export class RepoLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepoLimitError";
  }
}

/** The operation cannot be done by this implementation (e.g. landings over the API). */
export class UnsupportedOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedOperationError";
  }
}


/**
 * A shallow clone: its oldest commit would look like it added every file, so history
 * readers refuse it. A usage error: the fix is on the caller's side.
 */
export class ShallowCloneError extends RepoLimitError {
  constructor(what: string) {
    super(`${what} needs the full history, but this is a shallow clone: run \`git fetch --unshallow\` (in GitHub Actions, check out with fetch-depth: 0)`);
    this.name = "ShallowCloneError";
  }
}

/** The folder gitgrant was pointed at (the current one, or --repo) is not inside a git repository. */
export class NotAGitRepositoryError extends Error {
  constructor(readonly dir: string) {
    super(`${dir} is not inside a git repository: run gitgrant in a clone of your access repository, or pass --repo DIR`);
    this.name = "NotAGitRepositoryError";
  }
}

/** git's own words for "not a repository" (any locale git ships with English fallbacks for this one). */
export function isNotARepository(stderr: string): boolean {
  return /not a git repository/i.test(stderr);
}
