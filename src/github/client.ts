// The CLI's GitHub connection: a GitHub (octokit.ts) from the environment, and the repository
// from --github or GITHUB_REPOSITORY. Credentials are either a token (GITHUB_TOKEN in
// Actions, or GH_TOKEN) or GitHub App credentials (GITGRANT_APP_ID and
// GITGRANT_APP_PRIVATE_KEY, with GITGRANT_APP_INSTALLATION_ID or the installation found for
// the repository). GITHUB_API_URL, which Actions sets on GitHub Enterprise Server, is the
// API's address. Secrets are passed to octokit and never logged or put in an error.
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { gitHub, type GitHub, type GitHubTarget } from "./octokit.js";

export class GitHubSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GitHubSetupError";
  }
}

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

// Failed requests are thrown and reported by the caller in words (a 422 for an existing
// branch is expected), so octokit's own request log stays quiet.
const log = { debug() {}, info() {}, warn: (m: string) => console.warn(m), error() {} };

type Env = Record<string, string | undefined>;

function baseUrl(env: Env): string {
  return (env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
}

/** The token, when one is given: gitgrant's own variable first, then Actions' and gh's. */
function tokenOf(env: Env): string | undefined {
  return env.GITGRANT_GITHUB_TOKEN || env.GITHUB_TOKEN || env.GH_TOKEN || undefined;
}

/**
 * octokit derives GHES's GraphQL address from /api/v3; an explicit GITHUB_GRAPHQL_URL (set by
 * Actions) wins. The defaults keep octokit's request, so its hooks and the error wrapping hold.
 */
function withGraphqlUrl(octokit: Octokit, env: Env): Octokit {
  const url = env.GITHUB_GRAPHQL_URL?.replace(/\/+$/, "").replace(/\/graphql$/, "");
  if (url) octokit.graphql = octokit.graphql.defaults({ baseUrl: url });
  return octokit;
}

interface AppCredentials {
  appId: number;
  privateKey: string;
  installationId?: number;
}

/** The App's credentials when GITGRANT_APP_ID is set; half of them is an error, not a fallback. */
function appCredentials(env: Env): AppCredentials | null {
  const id = env.GITGRANT_APP_ID?.trim();
  const key = env.GITGRANT_APP_PRIVATE_KEY;
  if (!id && !key) return null;
  if (!id) throw new GitHubSetupError("GITGRANT_APP_PRIVATE_KEY is set but GITGRANT_APP_ID is not");
  if (!key?.trim()) throw new GitHubSetupError("GITGRANT_APP_ID is set but GITGRANT_APP_PRIVATE_KEY is not");
  if (!/^\d+$/.test(id)) throw new GitHubSetupError(`GITGRANT_APP_ID must be the App's numeric id, not "${id}"`);
  const installation = env.GITGRANT_APP_INSTALLATION_ID?.trim();
  if (installation && !/^\d+$/.test(installation)) throw new GitHubSetupError(`GITGRANT_APP_INSTALLATION_ID must be a number, not "${installation}"`);
  // Secrets stores often keep a PEM with literal "\n".
  const privateKey = key.includes("\\n") && !key.includes("\n") ? key.replace(/\\n/g, "\n") : key;
  return { appId: Number(id), privateKey, ...(installation ? { installationId: Number(installation) } : {}) };
}

/** Whether the environment holds any GitHub credentials. */
export function hasGitHubCredentials(env: Env): boolean {
  return Boolean(tokenOf(env) || env.GITGRANT_APP_ID || env.GITGRANT_APP_PRIVATE_KEY);
}

/**
 * A GitHub from the environment, or null when it holds no credentials. App credentials
 * without an installation id need the repository whose installation to act as (`where`,
 * else GITHUB_REPOSITORY).
 */
export async function gitHubFromEnv(env: Env, where?: { owner: string; repo: string }): Promise<GitHub | null> {
  const app = appCredentials(env);
  if (app) {
    const common = { baseUrl: baseUrl(env), userAgent: "gitgrant", log };
    let installationId = app.installationId;
    if (installationId === undefined) {
      const repo = where ?? repoFrom(env.GITHUB_REPOSITORY);
      if (!repo) throw new GitHubSetupError("GITGRANT_APP_ID is set: say which installation with GITGRANT_APP_INSTALLATION_ID, or the repository with --github or GITHUB_REPOSITORY");
      // As the App itself (a JWT), find the installation on that repository.
      const asApp = gitHub(new Octokit({ ...common, authStrategy: createAppAuth, auth: { appId: app.appId, privateKey: app.privateKey } }));
      const { data } = await asApp.request("GET /repos/{owner}/{repo}/installation", { owner: repo.owner, repo: repo.repo });
      installationId = data.id;
    }
    return gitHub(withGraphqlUrl(new Octokit({ ...common, authStrategy: createAppAuth, auth: { appId: app.appId, privateKey: app.privateKey, installationId } }), env));
  }
  const token = tokenOf(env);
  if (!token) return null;
  return gitHub(withGraphqlUrl(new Octokit({ auth: token, baseUrl: baseUrl(env), userAgent: "gitgrant", log }), env));
}

function repoFrom(name: string | undefined): { owner: string; repo: string } | null {
  if (!name) return null;
  const m = REPO.exec(name);
  if (!m) throw new GitHubSetupError(`"${name}" is not owner/repo`);
  return { owner: m[1]!, repo: m[2]! };
}

/**
 * The GitHub repository to act on, or null for local mode (no credentials, or --local).
 * --github without credentials is an error: the user asked for GitHub and cannot get it.
 */
export async function githubTarget(env: Env, flags: { github?: string; local?: boolean }): Promise<GitHubTarget | null> {
  if (flags.local) return null;
  if (!hasGitHubCredentials(env)) {
    if (flags.github) throw new GitHubSetupError(`--github ${flags.github} needs a token in GITHUB_TOKEN (or GitHub App credentials in GITGRANT_APP_ID and GITGRANT_APP_PRIVATE_KEY)`);
    return null;
  }
  const where = repoFrom(flags.github ?? env.GITHUB_REPOSITORY);
  if (!where) return null;
  const octokit = await gitHubFromEnv(env, where);
  return octokit ? { octokit, ...where } : null;
}
