// Early and bulk revoke: one change removing every request file of a person (offboarding),
// of a resource (incident containment), or a list of files: one PR on GitHub, one commit on
// a branch in a local clone, whatever the number of files. Running the same revoke again
// refreshes its change instead of opening another.
import { REQUESTS_DIR } from "../core/config.js";
import { classifyPath } from "../core/paths.js";
import type { RevokeReason } from "../core/trailers.js";
import type { Repository, RevokeChangeResult } from "../git/types.js";
import { bulkBranch, bulkCommitMessage, bulkPrBody, bulkTitle, type RevokeSelector } from "../core/revoke-texts.js";

/** Reasons a person may give; "expired" belongs to the sweep. */
export const MANUAL_REVOKE_REASONS: RevokeReason[] = ["offboarding", "incident", "relinquished", "other"];

export interface RevokeOptions {
  repo: Repository;
  /** The default branch: files are selected there, and the change targets it. */
  branch: string;
  selector: RevokeSelector;
  reason: RevokeReason;
  /** A sentence for the commit and PR (e.g. the incident number). */
  note?: string;
  dryRun?: boolean;
}

export interface RevokeResult {
  mode: "github" | "local";
  reason: RevokeReason;
  branch: string;
  /** The request files removed (or that would be). */
  files: string[];
  /** FILE arguments that are not on the branch. */
  notFound: string[];
  status: RevokeChangeResult["status"] | "nothing";
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
  const { read, write } = options.repo;
  const sha = await read.resolve(options.branch);
  const entries = await read.listBlobs(sha, REQUESTS_DIR);
  const { files, notFound } = selectFiles(entries.map((e) => e.path), options.selector);
  const branch = bulkBranch(options.selector);
  const result = { mode: write.kind, reason: options.reason, branch, files, notFound };
  if (!files.length) return { ...result, status: "nothing", detail: `no request file on ${options.branch} matches; nothing to revoke` };

  const blobs = new Map(entries.map((e) => [e.path, e.sha]));
  const r = await write.ensureRevoke({
    base: options.branch,
    baseSha: sha,
    baseTree: await read.treeId(sha),
    branch,
    files: files.map((path) => ({ path, blob: blobs.get(path)! })),
    message: bulkCommitMessage(options.selector, options.reason, files, options.note),
    title: bulkTitle(options.selector, options.reason),
    body: bulkPrBody(options.selector, options.reason, files, options.note),
    refresh: "always",
    dryRun: options.dryRun,
  });
  return { ...result, ...changeOutcome(r) };
}

/** A revoke change's result as the sweep and revoke report it (pr/url on GitHub, commit locally). */
export function changeOutcome(r: RevokeChangeResult): { status: RevokeChangeResult["status"]; pr?: number; url?: string; commit?: string; detail: string } {
  return {
    status: r.status,
    ...(r.number ? { pr: r.number } : {}),
    ...(r.url ? { url: r.url } : {}),
    ...(r.commit ? { commit: r.commit } : {}),
    detail: r.detail,
  };
}
