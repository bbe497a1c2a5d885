// The one place the lifecycle commands (sweep, revoke, reconcile) choose where changes go:
// GitHub when a token and a repository are given (GITHUB_TOKEN + GITHUB_REPOSITORY, or
// --github), else the local clone. Reads always come from the clone: the sweep needs its
// full history, and reading what is already on disk costs no API call.
import { localRepository } from "../git/changes.js";
import { LocalGitRepo } from "../git/local.js";
import type { Repository } from "../git/types.js";
import { githubRepository } from "../github/changes.js";
import { githubTarget } from "../github/client.js";
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

export function repositoryFor(io: Io, flags: RepositoryFlags, dir: string, options: { commitDate?: Date } = {}): ChosenRepository {
  let target;
  try {
    target = githubTarget(io.env, flags);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!target) return { repo: localRepository(dir, options) };
  return { repo: githubRepository(target, new LocalGitRepo(dir)), github: `${target.owner}/${target.repo}` };
}
