// The CLI's GitHub connection for opening and closing PRs: a token from the environment
// (GITHUB_TOKEN in Actions) and the repository from --github or GITHUB_REPOSITORY.
import { Octokit } from "@octokit/rest";

/** What the operations use of an octokit: @octokit/rest's or Probot's context.octokit. */
export type GitHubApi = Pick<Octokit, "request" | "paginate">;

export interface GitHubTarget {
  octokit: GitHubApi;
  owner: string;
  repo: string;
}

export class GitHubSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GitHubSetupError";
  }
}

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

/**
 * The GitHub repository to act on, or null for local mode (no token, or --local).
 * --github without a token is an error: the user asked for GitHub and cannot get it.
 */
export function githubTarget(env: NodeJS.ProcessEnv, flags: { github?: string; local?: boolean }): GitHubTarget | null {
  if (flags.local) return null;
  const token = env.GITHUB_TOKEN ?? env.GH_TOKEN;
  const name = flags.github ?? env.GITHUB_REPOSITORY;
  if (!token) {
    if (flags.github) throw new GitHubSetupError(`--github ${flags.github} needs a token in GITHUB_TOKEN`);
    return null;
  }
  if (!name) return null;
  const m = REPO.exec(name);
  if (!m) throw new GitHubSetupError(`"${name}" is not owner/repo`);
  // GITHUB_API_URL is set by Actions on GitHub Enterprise Server; the token is never logged.
  const octokit = new Octokit({
    auth: token,
    baseUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    userAgent: "gitgrant",
    // Failed requests are thrown and reported by the caller in words (a 422 for an existing
    // branch is expected), so octokit's own request log stays quiet.
    log: { debug() {}, info() {}, warn: (m: string) => console.warn(m), error() {} },
  });
  return { octokit, owner: m[1]!, repo: m[2]! };
}

/** The HTTP status of an octokit error, if it has one. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === "number" ? s : undefined;
}
