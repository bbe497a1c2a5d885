/**
 * AccessRepo over a local git checkout, through the git CLI (used by the CLI, the sweep
 * in GitHub Actions, the demo and the tests).
 *
 * git is run with execFile and argument arrays, never a shell, and every listing uses -z
 * so that odd file names (spaces, quotes, non-ASCII) come back byte for byte.
 */
import { execFile } from "node:child_process";
import type { ChangeKind, FileChange } from "../core/types.js";
import type { AccessRepo, Landing } from "./types.js";

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

export { GitCommandError, RepoLimitError, UnknownRefError, UnsupportedOperationError } from "./errors.js";
import { GitCommandError, RepoLimitError, UnknownRefError } from "./errors.js";
import { readBlobs } from "./batch.js";

export interface LocalGitRepoOptions {
  /** git executable; default "git" on PATH. */
  gitBinary?: string;
  /** Extra environment for git (merged over process.env). */
  env?: NodeJS.ProcessEnv;
}

interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

// Config that could change the shape of what we parse, pinned whatever the user's gitconfig says.
const GLOBAL_ARGS = [
  "-c", "core.quotepath=off",
  "-c", "log.follow=false",
  "-c", "log.showSignature=false",
  "-c", "diff.renames=false",
];

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class LocalGitRepo implements AccessRepo {
  private readonly gitBinary: string;
  private readonly env: NodeJS.ProcessEnv;

  /** @param dir the repository's top level (a work tree or a bare repository). */
  constructor(
    readonly dir: string,
    options: LocalGitRepoOptions = {},
  ) {
    this.gitBinary = options.gitBinary ?? "git";
    // Never prompt for credentials; read-only commands must not take the index lock.
    this.env = { ...process.env, ...options.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
  }

  async resolve(ref: string): Promise<string> {
    // A ref starting with "-" would be read as an option by git.
    if (!ref || ref.startsWith("-") || ref.includes("\0")) throw new UnknownRefError(ref);
    const r = await this.run(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { allowFailure: true });
    if (r.exitCode !== 0) throw new UnknownRefError(ref);
    return r.stdout.toString("utf8").trim();
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
    const texts = await readBlobs(this.dir, batchable.map((p) => `${sha}:${normalizePath(p)}`), { env: this.env, gitBinary: this.gitBinary });
    for (const p of batchable) out.set(p, texts.get(`${sha}:${normalizePath(p)}`) ?? null);
    for (const p of paths) if (!out.has(p)) out.set(p, await this.readFile(ref, p));
    return out;
  }

  async listFiles(ref: string, folder: string): Promise<string[]> {
    const sha = await this.resolve(ref);
    const r = await this.run(["ls-tree", "-r", "-z", "--name-only", "--full-tree", sha, "--", ...pathspec(folder)]);
    return splitZ(r.stdout).sort(byPath);
  }

  async changedFiles(base: string, head: string): Promise<FileChange[]> {
    const baseSha = isZeroSha(base) ? EMPTY_TREE_SHA : await this.resolve(base);
    const headSha = await this.resolve(head);
    const r = await this.run([
      "diff", "--name-status", "--no-renames", "-z", "--no-relative", "--no-ext-diff", baseSha, headSha, "--",
    ]);
    const tokens = splitZ(r.stdout);
    const changes: FileChange[] = [];
    for (let i = 0; i + 1 < tokens.length; i += 2) {
      changes.push({ path: tokens[i + 1], change: changeKind(tokens[i], tokens[i + 1]) });
    }
    return changes.sort((a, b) => byPath(a.path, b.path));
  }

  async landings(ref: string, folder: string): Promise<Map<string, Landing>> {
    const sha = await this.resolve(ref);
    const shallow = await this.run(["rev-parse", "--is-shallow-repository"]);
    if (shallow.stdout.toString("utf8").trim() === "true") {
      // In a shallow clone the oldest commit would look like it added every file.
      throw new RepoLimitError(
        "landings need full history, but this is a shallow clone: fetch with fetch-depth: 0",
      );
    }
    // One pass, newest first, along the branch itself (--first-parent): a merge commit's
    // changes are shown against its first parent, so a file brought in by a merge lands
    // at the merge commit, with the merge's committer date.
    const r = await this.run([
      "log", "-z", "--first-parent", "--diff-merges=first-parent", "--root", "--no-renames",
      "--name-status", "--no-relative", "--format=%x01%H%x00%ct", sha, "--", ...pathspec(folder),
    ]);
    const landings = new Map<string, Landing>();
    const seen = new Set<string>(); // the newest event decides: a later D hides an earlier A/M
    let commit: { sha: string; time: Date } | undefined;
    const tokens = r.stdout.toString("utf8").split("\0");
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i].replace(/^\n+/, "");
      if (token === "") continue;
      if (token.startsWith("\x01")) {
        commit = { sha: token.slice(1), time: new Date(Number(tokens[++i]) * 1000) };
        continue;
      }
      const path = tokens[++i];
      if (!commit || path === undefined) throw new GitCommandError(["log"], 0, `unexpected git log output near "${token}"`);
      const kind = changeKind(token, path);
      if (seen.has(path)) continue;
      seen.add(path);
      if (kind !== "deleted") landings.set(path, { path, sha: commit.sha, time: commit.time });
    }
    return new Map([...landings.entries()].sort(([a], [b]) => byPath(a, b)));
  }

  private run(args: string[], options: { allowFailure?: boolean } = {}): Promise<GitResult> {
    const fullArgs = [...GLOBAL_ARGS, ...args];
    return new Promise((resolve, reject) => {
      execFile(
        this.gitBinary,
        fullArgs,
        { cwd: this.dir, env: this.env, encoding: "buffer", maxBuffer: 512 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const stderrText = stderr.toString("utf8");
          if (!error) return resolve({ stdout, stderr: stderrText, exitCode: 0 });
          const code = (error as NodeJS.ErrnoException).code;
          // A number is git's exit status; a string (ENOENT, ERR_CHILD_PROCESS_STDIO_MAXBUFFER) is not git's answer.
          if (typeof code === "number" && options.allowFailure) {
            return resolve({ stdout, stderr: stderrText, exitCode: code });
          }
          reject(new GitCommandError(args, code, stderrText || error.message));
        },
      );
    });
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
      throw new GitCommandError(["diff"], 0, `unexpected change status "${status}" for ${path}`);
  }
}

/** Repository-relative path without "./" or a leading or trailing "/". */
function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/**
 * The pathspec for a folder; "" or "." means the whole repository. `top` makes it relative
 * to the repository root even when dir is a subfolder; `literal` keeps "*" or "?" in a
 * name from acting as a glob.
 */
function pathspec(folder: string): string[] {
  const f = normalizePath(folder);
  return f === "" || f === "." ? [] : [`:(top,literal)${f}`];
}

function splitZ(buf: Buffer): string[] {
  return buf.toString("utf8").split("\0").filter((s) => s !== "");
}

/** The one path order both implementations use (plain code-unit order, like git's for ASCII). */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
