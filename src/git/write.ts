// The few git plumbing calls the local write side needs beyond AccessRepo: commits made
// without touching the user's work tree or index, and the branch checks around them.
import { rm } from "node:fs/promises";
import { Git, literalPath } from "./run.js";

export interface GitOptions {
  /** Extra environment for git (identity, dates, HOME in tests), merged over process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function git(dir: string, args: string[], options: GitOptions & { allowFailure?: boolean } = {}): Promise<{ stdout: string; exitCode: number }> {
  const r = await new Git(dir, options).run(args, options);
  return { stdout: r.stdout.toString("utf8"), exitCode: r.exitCode };
}

export interface CommitInput {
  /** The commit the change is made on (its tree is the starting point). */
  parent: string;
  /** Files to remove from the parent's tree. */
  remove: string[];
  message: string;
  /** Committer and author date; default git's clock. */
  date?: Date;
}

/**
 * A commit that removes files from `parent`, built with plumbing (a private index file,
 * write-tree, commit-tree) so the user's checkout, index and current branch are untouched.
 */
export async function commitRemoval(dir: string, input: CommitInput, options: GitOptions = {}): Promise<string> {
  const gitDir = (await git(dir, ["rev-parse", "--absolute-git-dir"], options)).stdout.trim();
  const index = `${gitDir}/gitgrant-index-${process.pid}-${Date.now()}`;
  const env: NodeJS.ProcessEnv = { ...options.env, GIT_INDEX_FILE: index, ...(await identityEnv(dir, options)) };
  if (input.date) {
    const at = `${Math.floor(input.date.getTime() / 1000)} +0000`;
    env.GIT_AUTHOR_DATE = at;
    env.GIT_COMMITTER_DATE = at;
  }
  try {
    await git(dir, ["read-tree", input.parent], { env });
    await git(dir, ["rm", "--cached", "--quiet", "--", ...input.remove.map(literalPath)], { env });
    const tree = (await git(dir, ["write-tree"], { env })).stdout.trim();
    return (await git(dir, ["commit-tree", tree, "-p", input.parent, "-m", input.message], { env })).stdout.trim();
  } finally {
    await rm(index, { force: true });
  }
}

/**
 * The identity for commits gitgrant makes: whatever git is configured with (env or
 * config), else "gitgrant" - a scheduled runner usually has no identity at all.
 */
async function identityEnv(dir: string, options: GitOptions): Promise<NodeJS.ProcessEnv> {
  const out: NodeJS.ProcessEnv = {};
  for (const who of ["AUTHOR", "COMMITTER"] as const) {
    // useConfigOnly: an identity git would guess from the host name (root@runner) does not count.
    const r = await git(dir, ["-c", "user.useConfigOnly=true", "var", `GIT_${who}_IDENT`], { ...options, allowFailure: true });
    if (r.exitCode !== 0) {
      out[`GIT_${who}_NAME`] = "gitgrant";
      out[`GIT_${who}_EMAIL`] = "gitgrant@users.noreply.github.com";
    }
  }
  return out;
}

/** Point a branch at a commit (creating or moving it). */
export async function setBranch(dir: string, branch: string, commit: string, options: GitOptions = {}): Promise<void> {
  await git(dir, ["update-ref", `refs/heads/${branch}`, commit], options);
}

/** The branch's commit, or null when there is no such branch. */
export async function branchCommit(dir: string, branch: string, options: GitOptions = {}): Promise<string | null> {
  const r = await git(dir, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`], { ...options, allowFailure: true });
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

export async function isAncestor(dir: string, ancestor: string, of: string, options: GitOptions = {}): Promise<boolean> {
  return (await git(dir, ["merge-base", "--is-ancestor", ancestor, of], { ...options, allowFailure: true })).exitCode === 0;
}

/** Whether a path exists at a commit. */
export async function pathExists(dir: string, commit: string, path: string, options: GitOptions = {}): Promise<boolean> {
  return (await git(dir, ["cat-file", "-e", `${commit}:${path}`], { ...options, allowFailure: true })).exitCode === 0;
}

/**
 * The branch to read when none is given: the remote's default (origin/HEAD), else the
 * checked-out branch, else "main".
 */
export async function defaultBranch(dir: string, options: GitOptions = {}): Promise<string> {
  const remote = await git(dir, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], { ...options, allowFailure: true });
  if (remote.exitCode === 0 && remote.stdout.trim().startsWith("origin/")) return remote.stdout.trim().slice("origin/".length);
  const head = await git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"], { ...options, allowFailure: true });
  if (head.exitCode === 0 && head.stdout.trim()) return head.stdout.trim();
  return "main";
}

/** What `tip` changes since it left `base` (their merge base): status letter and path, renames as delete + add. */
export async function changesSince(dir: string, base: string, tip: string, options: GitOptions = {}): Promise<Array<{ status: string; path: string }>> {
  const fork = (await git(dir, ["merge-base", base, tip], { ...options, allowFailure: true })).stdout.trim();
  if (!fork) return [{ status: "?", path: "(no common history with the base)" }];
  const out = (await git(dir, ["diff", "--name-status", "-z", "--no-renames", fork, tip], options)).stdout;
  const parts = out.split("\0").filter(Boolean);
  const changes: Array<{ status: string; path: string }> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) changes.push({ status: parts[i]!, path: parts[i + 1]! });
  return changes;
}
