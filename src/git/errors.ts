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

