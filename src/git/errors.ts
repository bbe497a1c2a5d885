// Typed errors shared by both implementations of AccessRepo,
// so callers can tell "no such ref" from "git or the API failed".

/** A ref (branch, tag, SHA) that does not name a commit in the repository. */
export class UnknownRefError extends Error {
  constructor(readonly ref: string) {
    super(`unknown git ref "${ref}"`);
    this.name = "UnknownRefError";
  }
}

/** git itself failed (corrupt repo, not a repo, git missing). */
export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | string | undefined,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (exit ${exitCode ?? "?"}): ${stderr.trim() || "no error output"}`);
    this.name = "GitCommandError";
  }
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

