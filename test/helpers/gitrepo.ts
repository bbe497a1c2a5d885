/**
 * Real, throw-away git repositories for tests.
 *
 *   const repo = await makeRepo();
 *   await repo.write("access/requests/prod-db/alice.yaml", "reason: x\nduration: 1h\n");
 *   const sha = await repo.commit("request prod-db", { date: "2026-01-01T10:00:00Z", author: "alice" });
 *   ...
 *   afterEach(cleanupRepos);
 *
 * Every git call runs with a private HOME, no system config and fixed GIT_AUTHOR_* /
 * GIT_COMMITTER_* names and dates, so the same test gives the same SHAs on any machine
 * (this machine's global identity is not on CI).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm as rmPath, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CommitOptions {
  /** Author and committer date (ISO 8601). Default: the repo's clock, one minute after the previous commit. */
  date?: string;
  /** Committer date when it differs from the author date (e.g. a rebase or a squash by the app). */
  committerDate?: string;
  /** GitHub login used as author name; email is <login>@users.noreply.github.com. Default "tester". */
  author?: string;
  /** Committer login. Default: the author. */
  committer?: string;
  /** Record a commit even if nothing is staged. */
  allowEmpty?: boolean;
}

export interface MergeOptions extends CommitOptions {
  message?: string;
}

export interface TestRepo {
  /** Absolute path of the work tree (also the repository's top level). */
  dir: string;
  /** Default branch name ("main"). */
  defaultBranch: string;
  /** Run git in the repo with the hermetic env; resolves to stdout (untrimmed). */
  git(...args: string[]): Promise<string>;
  /** Write a file (creating folders) without staging it. */
  write(path: string, text: string): Promise<void>;
  /** Write several files at once. */
  writeAll(files: Record<string, string>): Promise<void>;
  /** Remove a file from the work tree and the index. */
  rm(path: string): Promise<void>;
  /** Stage everything and commit; returns the new commit's full SHA. */
  commit(message: string, options?: CommitOptions): Promise<string>;
  /** Create a branch at `from` (default HEAD) and switch to it. */
  branch(name: string, from?: string): Promise<void>;
  /** Switch to an existing branch. */
  checkout(name: string): Promise<void>;
  /** `git merge --no-ff` of `branch` into the current branch; returns the merge commit's SHA. */
  merge(branch: string, options?: MergeOptions): Promise<string>;
  /** GitHub-style squash merge: one ordinary commit with the branch's combined changes. */
  squashMerge(branch: string, options?: MergeOptions): Promise<string>;
  /** Full SHA of a ref (default HEAD). */
  sha(ref?: string): Promise<string>;
  /** Delete the repository from disk. */
  cleanup(): Promise<void>;
}

const created: TestRepo[] = [];

/** Remove every repo made by makeRepo so far; use as `afterEach(cleanupRepos)`. */
export async function cleanupRepos(): Promise<void> {
  const all = created.splice(0);
  await Promise.all(all.map((r) => r.cleanup()));
}

/** The identity a login gets in test commits. */
export function identity(login: string): { name: string; email: string } {
  return { name: login, email: `${login}@users.noreply.github.com` };
}

export async function makeRepo(options: { defaultBranch?: string; startDate?: string } = {}): Promise<TestRepo> {
  const defaultBranch = options.defaultBranch ?? "main";
  // realpath: on some systems tmpdir is a symlink and git reports the resolved path.
  const root = await realpath(await mkdtemp(join(tmpdir(), "gitgrant-test-")));
  const home = join(root, "home");
  const dir = join(root, "repo");
  await mkdir(home, { recursive: true });
  await mkdir(dir, { recursive: true });

  // Deterministic clock for commits that do not give a date.
  let clock = Date.parse(options.startDate ?? "2026-01-01T00:00:00Z");
  const nextDate = (): string => {
    const d = new Date(clock).toISOString();
    clock += 60_000;
    return d;
  };

  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    TZ: "UTC",
    ...envFor(identity("tester"), identity("tester"), "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
  };

  const gitWith = async (env: NodeJS.ProcessEnv, args: string[]): Promise<string> => {
    try {
      const { stdout } = await run("git", args, { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`git ${args.join(" ")} failed: ${e.stderr?.trim() || e.message}`);
    }
  };
  const git = (...args: string[]) => gitWith(baseEnv, args);

  const commitEnv = (o: CommitOptions): NodeJS.ProcessEnv => {
    const date = o.date ?? nextDate();
    if (o.date) clock = Math.max(clock, Date.parse(o.date) + 60_000);
    const author = identity(o.author ?? "tester");
    const committer = identity(o.committer ?? o.author ?? "tester");
    return { ...baseEnv, ...envFor(author, committer, date, o.committerDate ?? date) };
  };

  await git("init", "--quiet", `--initial-branch=${defaultBranch}`);
  // Settings that keep test output stable whatever git defaults to.
  await git("config", "commit.gpgsign", "false");
  await git("config", "core.autocrlf", "false");

  const sha = async (ref = "HEAD") => (await git("rev-parse", "--verify", `${ref}^{commit}`)).trim();

  const write = async (path: string, text: string) => {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, text, "utf8");
  };

  const repo: TestRepo = {
    dir,
    defaultBranch,
    git,
    write,
    async writeAll(files) {
      for (const [path, text] of Object.entries(files)) await write(path, text);
    },
    async rm(path) {
      await git("rm", "--quiet", "-r", "--", path);
    },
    async commit(message, o = {}) {
      await git("add", "--all");
      const args = ["commit", "--quiet", "--no-verify", "-m", message];
      if (o.allowEmpty) args.push("--allow-empty");
      await gitWith(commitEnv(o), args);
      return sha();
    },
    async branch(name, from) {
      await git("checkout", "--quiet", "-b", name, ...(from ? [from] : []));
    },
    async checkout(name) {
      await git("checkout", "--quiet", name);
    },
    async merge(branch, o = {}) {
      const message = o.message ?? `Merge branch '${branch}'`;
      await gitWith(commitEnv(o), ["merge", "--quiet", "--no-ff", "--no-edit", "-m", message, branch]);
      return sha();
    },
    async squashMerge(branch, o = {}) {
      await git("merge", "--quiet", "--squash", branch);
      await gitWith(commitEnv(o), ["commit", "--quiet", "--no-verify", "-m", o.message ?? `Squashed '${branch}'`]);
      return sha();
    },
    sha,
    async cleanup() {
      await rmPath(root, { recursive: true, force: true });
    },
  };
  created.push(repo);
  return repo;
}

const homes: string[] = [];

export async function cleanupHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((h) => rmPath(h, { recursive: true, force: true })));
}

/** Environment for the git calls the code under test makes (no global identity, fixed HOME). */
export async function gitEnv(date = "2026-03-01T00:00:00Z"): Promise<NodeJS.ProcessEnv> {
  const home = await realpath(await mkdtemp(join(tmpdir(), "gitgrant-home-")));
  homes.push(home);
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "gitgrant-test",
    GIT_AUTHOR_EMAIL: "gitgrant-test@example.com",
    GIT_COMMITTER_NAME: "gitgrant-test",
    GIT_COMMITTER_EMAIL: "gitgrant-test@example.com",
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

function envFor(
  author: { name: string; email: string },
  committer: { name: string; email: string },
  authorDate: string,
  committerDate: string,
): NodeJS.ProcessEnv {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_AUTHOR_DATE: authorDate,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
    GIT_COMMITTER_DATE: committerDate,
  };
}
