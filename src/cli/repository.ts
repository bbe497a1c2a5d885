// The one place the lifecycle commands (sweep, revoke, reconcile) choose where changes go:
// GitHub when a token and a repository are given (GITHUB_TOKEN + GITHUB_REPOSITORY, or
// --github), else the local clone. Reads always come from the clone: the sweep needs its
// full history, and reading what is already on disk costs no API call.
import { localRepository } from "../git/changes.js";
import { LocalGitRepo } from "../git/local.js";
import type { Repository } from "../git/types.js";
import { githubRepository } from "../github/changes.js";
import { GitHubSetupError, githubTarget } from "../github/client.js";
import { UsageError, type Io } from "./io.js";

export interface RepositoryFlags {
  github?: string;
  local?: boolean;
}

export interface ChosenRepository {
  repo: Repository;
  /** "owner/repo" when changes go to GitHub. */
  github?: string;
}

/** The GitHub target the flags and environment name, or undefined for local; a setup mistake is a usage error. */
export async function githubFrom(io: Io, flags: RepositoryFlags) {
  try {
    return await githubTarget(io.env, flags);
  } catch (err) {
    if (err instanceof GitHubSetupError) throw new UsageError(err.message);
    throw err;
  }
}

export async function repositoryFor(io: Io, flags: RepositoryFlags, dir: string, options: { commitDate?: Date } = {}): Promise<ChosenRepository> {
  const target = await githubFrom(io, flags);
  if (!target) return { repo: localRepository(dir, options) };
  // The same list the app reads: the logins whose gitgrant/revoke/ PRs are gitgrant's own.
  const ownLogins = (io.env.GITGRANT_SWEEP_LOGINS ?? "").split(",").map((l) => l.trim()).filter(Boolean);
  return { repo: githubRepository(target, new LocalGitRepo(dir), { ownLogins }), github: `${target.owner}/${target.repo}` };
}
