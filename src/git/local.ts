/**
 * AccessRepo over a local git checkout, through the git CLI (used by the CLI, the sweep
 * in GitHub Actions, the demo and the tests).
 *
 * git is run through run.ts (argument arrays, never a shell, pinned settings), and every
 * listing uses -z so that odd file names (spaces, quotes, non-ASCII) come back byte for byte.
 */
import type { ChangeKind, FileChange } from "../core/types.js";
import type { AccessRepo, BlobEntry, Landing } from "./types.js";

/** The "before" SHA of a push that created a branch. */
export const ZERO_SHA = "0000000000000000000000000000000000000000";
/** git's well-known empty tree: diffing against it lists every file as added. */
export const EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/** True for the all-zero SHA that GitHub sends as `before` when a push creates a branch. */
export function isZeroSha(sha: string): boolean {
  return /^(0{40}|0{64})$/.test(sha);
}

/** The base to diff against: the empty tree for a branch-creating push, else the ref itself. */
export function diffBase(base: string): string {
  return isZeroSha(base) ? EMPTY_TREE_SHA : base;
}

export { GitCommandError, NotAGitRepositoryError, RepoLimitError, ShallowCloneError, UnknownRefError, UnsupportedOperationError } from "./errors.js";
import { GitOutputError, NotAGitRepositoryError, ShallowCloneError, UnknownRefError, isNotARepository } from "./errors.js";
import { readBlobs } from "./catfile.js";
import { streamLog } from "./log.js";
import { Git, literalPath, type GitRunOptions } from "./run.js";

export type LocalGitRepoOptions = GitRunOptions;

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class LocalGitRepo implements AccessRepo {
  private readonly git: Git;

  /** @param dir the repository's top level (a work tree or a bare repository). */
  constructor(
    readonly dir: string,
    private readonly options: LocalGitRepoOptions = {},
  ) {
    this.git = new Git(dir, options);
  }

  async resolve(ref: string): Promise<string> {
    // A ref starting with "-" would be read as an option by git.
    if (!ref || ref.startsWith("-") || ref.includes("\0")) throw new UnknownRefError(ref);
    const r = await this.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { allowFailure: true });
    // Outside a repository every ref is "unknown": say what is really wrong.
    if (r.exitCode !== 0) throw isNotARepository(r.stderr) ? new NotAGitRepositoryError(this.dir) : new UnknownRefError(ref);
    return r.stdout.toString("utf8").trim();
  }

  async treeId(ref: string): Promise<string> {
    const sha = await this.resolve(ref);
    return (await this.run(["rev-parse", `${sha}^{tree}`])).stdout.toString("utf8").trim();
  }

  async readFile(ref: string, path: string): Promise<string | null> {
    const sha = await this.resolve(ref);
    const r = await this.run(["cat-file", "blob", `${sha}:${normalizePath(path)}`], { allowFailure: true });
    // Missing path, or a folder rather than a file: both are "no such file" to callers.
    if (r.exitCode !== 0) return null;
    return utf8.decode(r.stdout);
  }

  /**
   * The best common ancestor of two refs: what a pull request's "files changed" is measured
   * from (GitHub's three-dot diff). Null when they share no history.
   */
  async mergeBase(a: string, b: string): Promise<string | null> {
    const [x, y] = await Promise.all([this.resolve(a), this.resolve(b)]);
    const r = await this.run(["merge-base", x, y], { allowFailure: true });
    return r.exitCode === 0 ? r.stdout.toString("utf8").trim() : null;
  }

  /** Many files at one ref through one git process; null for each that is missing or a folder. */
  async readFiles(ref: string, paths: string[]): Promise<Map<string, string | null>> {
    const sha = await this.resolve(ref);
    const out = new Map<string, string | null>();
    // cat-file --batch reads one name per line: a path with a newline goes the slow way.
    const batchable = paths.filter((p) => !p.includes("\n"));
    const texts = await readBlobs(this.dir, batchable.map((p) => `${sha}:${normalizePath(p)}`), this.options);
    for (const p of batchable) out.set(p, texts.get(`${sha}:${normalizePath(p)}`) ?? null);
    for (const p of paths) if (!out.has(p)) out.set(p, await this.readFile(ref, p));
    return out;
  }

  readBlobs(ids: string[]): Promise<Map<string, string>> {
    return readBlobs(this.dir, ids, this.options);
  }

  async listFiles(ref: string, folder: string): Promise<string[]> {
    const sha = await this.resolve(ref);
    const r = await this.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", sha, "--", ...pathspec(folder)]);
    return splitZ(r.stdout).sort(byPath);
  }

  async listBlobs(ref: string, folder: string): Promise<BlobEntry[]> {
    const sha = await this.resolve(ref);
    const r = await this.run(["ls-tree", "-r", "-z", "--full-tree", sha, "--", ...pathspec(folder)]);
    const out: BlobEntry[] = [];
    for (const line of splitZ(r.stdout)) {
      // "<mode> <type> <id>\t<path>"; a submodule is a "commit" entry and has no text to read.
      const tab = line.indexOf("\t");
      const [, type, id] = line.slice(0, tab).split(" ");
      if (type === "blob") out.push({ path: line.slice(tab + 1), sha: id! });
    }
    return out.sort((a, b) => byPath(a.path, b.path));
  }

  async changedFiles(base: string, head: string): Promise<FileChange[]> {
    const baseSha = isZeroSha(base) ? EMPTY_TREE_SHA : await this.resolve(base);
    const headSha = await this.resolve(head);
    // --raw, not --name-status: it carries each side's mode, and a symlink or submodule
    // under access/ must be refused, not read as if it were a file.
    const r = await this.run([
      "diff", "--raw", "--no-abbrev", "--no-renames", "-z", "--no-relative", "--no-ext-diff", baseSha, headSha, "--",
    ]);
    const tokens = splitZ(r.stdout);
    const changes: FileChange[] = [];
    for (let i = 0; i + 1 < tokens.length; i += 2) {
      // ":<old mode> <new mode> <old sha> <new sha> <status>", then the path
      const [, newMode, , , status] = tokens[i].slice(1).split(" ");
      const path = tokens[i + 1];
      const change = changeKind(status ?? "", path);
      changes.push(change === "deleted" ? { path, change } : { path, change, mode: newMode });
    }
    return changes.sort((a, b) => byPath(a.path, b.path));
  }

  async landings(ref: string, folder: string): Promise<Map<string, Landing>> {
    const sha = await this.resolve(ref);
    const shallow = await this.run(["rev-parse", "--is-shallow-repository"]);
    if (shallow.stdout.toString("utf8").trim() === "true") {
      // In a shallow clone the oldest commit would look like it added every file.
      throw new ShallowCloneError("reading when each request landed");
    }
    // One pass, newest first, along the branch itself (--first-parent): a merge commit's
    // changes are shown against its first parent, so a file brought in by a merge lands
    // at the merge commit, with the merge's committer date.
    const landings = new Map<string, Landing>();
    const seen = new Set<string>(); // the newest event decides: a later D hides an earlier A/M
    for await (const batch of streamLog({ ...this.options, dir: this.dir, head: sha, paths: folderPaths(folder), newestFirst: true })) {
      for (const commit of batch) {
        for (const e of commit.entries) {
          if (seen.has(e.path)) continue;
          seen.add(e.path);
          if (e.status !== "D") landings.set(e.path, { path: e.path, sha: commit.sha, time: commit.committedAt });
        }
      }
    }
    return new Map([...landings.entries()].sort(([a], [b]) => byPath(a, b)));
  }

  private run(args: string[], options: { allowFailure?: boolean } = {}) {
    return this.git.run(args, options);
  }
}

function changeKind(status: string, path: string): ChangeKind {
  switch (status) {
    case "A":
      return "added";
    case "M":
    case "T": // type change (file <-> symlink): the path still exists, so it is a modification
      return "modified";
    case "D":
      return "deleted";
    default:
      throw new GitOutputError(["diff"], `change status "${status}" for ${path}`);
  }
}

/** Repository-relative path without "./" or a leading or trailing "/". */
function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/** A folder as a path limit: none for "" or ".", the whole repository. */
function folderPaths(folder: string): string[] {
  const f = normalizePath(folder);
  return f === "" || f === "." ? [] : [f];
}

function pathspec(folder: string): string[] {
  return folderPaths(folder).map(literalPath);
}

function splitZ(buf: Buffer): string[] {
  return buf.toString("utf8").split("\0").filter((s) => s !== "");
}

/** The one path order both implementations use (plain code-unit order, like git's for ASCII). */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
