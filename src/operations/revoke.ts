// Early and bulk revoke: one change removing every request file of a person (offboarding),
// of a resource (incident containment), or a list of files. One PR on GitHub (one commit,
// through the git data API, whatever the number of files), one commit on a branch locally.
// Running the same revoke again refreshes its PR instead of opening another.
import { REQUESTS_DIR } from "../core/config.js";
import { classifyPath } from "../core/paths.js";
import type { RevokeReason } from "../core/trailers.js";
import type { GitHubTarget } from "../github/octokit.js";
import { ensureRevokePr } from "../github/revoke-pr.js";
import { LocalGitRepo } from "../git/local.js";
import { commitRemoval, git, setBranch, treeEntries, type GitOptions } from "../git/write.js";
import { bulkBranch, bulkCommitMessage, bulkPrBody, bulkTitle, type RevokeSelector } from "../core/revoke-texts.js";

/** Reasons a person may give; "expired" belongs to the sweep. */
export const MANUAL_REVOKE_REASONS: RevokeReason[] = ["offboarding", "incident", "relinquished", "other"];

export interface RevokeOptions extends GitOptions {
  dir: string;
  /** The default branch: files are selected there, and the PR targets it. */
  branch: string;
  selector: RevokeSelector;
  reason: RevokeReason;
  /** A sentence for the commit and PR (e.g. the incident number). */
  note?: string;
  dryRun?: boolean;
  github?: GitHubTarget | null;
  commitDate?: Date;
}

export interface RevokeResult {
  mode: "github" | "local";
  reason: RevokeReason;
  branch: string;
  /** The request files removed (or that would be). */
  files: string[];
  /** FILE arguments that are not on the branch. */
  notFound: string[];
  status: "opened" | "refreshed" | "exists" | "committed" | "planned" | "nothing";
  pr?: number;
  url?: string;
  commit?: string;
  detail: string;
}

/** The request files on the branch that the selector names. */
export function selectFiles(onBranch: string[], selector: RevokeSelector): { files: string[]; notFound: string[] } {
  if ("files" in selector) {
    const present = new Set(onBranch);
    const wanted = [...new Set(selector.files.map((f) => f.replace(/^\.\//, "")))];
    return { files: wanted.filter((f) => present.has(f)).sort(), notFound: wanted.filter((f) => !present.has(f)) };
  }
  const files = onBranch.filter((path) => {
    const where = classifyPath(path);
    if (where.kind !== "request") return false;
    return "user" in selector ? where.parsed.login === selector.user.toLowerCase() : where.parsed.resourceId === selector.resource;
  });
  return { files: files.sort(), notFound: [] };
}

export async function revoke(options: RevokeOptions): Promise<RevokeResult> {
  const repo = new LocalGitRepo(options.dir, { env: options.env });
  const sha = await repo.resolve(options.branch);
  const entries = await treeEntries(options.dir, sha, REQUESTS_DIR, options);
  const { files, notFound } = selectFiles(entries.map((e) => e.path), options.selector);
  const branch = bulkBranch(options.selector);
  const result = { mode: options.github ? ("github" as const) : ("local" as const), reason: options.reason, branch, files, notFound };
  if (!files.length) return { ...result, status: "nothing", detail: `no request file on ${options.branch} matches; nothing to revoke` };

  const message = bulkCommitMessage(options.selector, options.reason, files, options.note);
  if (options.github) {
    const tree = (await git(options.dir, ["rev-parse", `${sha}^{tree}`], options)).stdout.trim();
    const blobs = new Map(entries.map((e) => [e.path, e.sha]));
    const r = await ensureRevokePr(options.github, {
      base: options.branch,
      baseSha: sha,
      baseTree: tree,
      branch,
      files: files.map((path) => ({ path, blobSha: blobs.get(path)! })),
      message,
      title: bulkTitle(options.selector, options.reason),
      body: bulkPrBody(options.selector, options.reason, files, options.note),
      mode: "tree",
      refresh: "always",
      dryRun: options.dryRun,
    });
    return { ...result, status: r.status, ...(r.number ? { pr: r.number } : {}), ...(r.url ? { url: r.url } : {}), detail: r.detail };
  }
  if (options.dryRun) return { ...result, status: "planned", detail: `would commit the removal of ${files.length} file(s) on ${branch}` };
  const commit = await commitRemoval(options.dir, { parent: sha, remove: files, message, date: options.commitDate }, options);
  await setBranch(options.dir, branch, commit, options);
  return { ...result, status: "committed", commit, detail: `committed the removal of ${files.length} file(s) on ${branch} at ${commit.slice(0, 7)}: merge it to revoke` };
}
