/** Reading the access repository: a local checkout or the GitHub API, behind one interface. */
export type { AccessRepo, Landing } from "./types.js";
export {
  EMPTY_TREE_SHA,
  GitCommandError,
  LocalGitRepo,
  RepoLimitError,
  UnknownRefError,
  UnsupportedOperationError,
  ZERO_SHA,
  byPath,
  diffBase,
  isZeroSha,
} from "./local.js";
export type { LocalGitRepoOptions } from "./local.js";
export { COMPARE_FILES_LIMIT, GitHubRepo, LANDINGS_NEED_CLONE } from "../github/repo.js";
export type { GitHubClient, GitHubRepoOptions } from "../github/repo.js";
