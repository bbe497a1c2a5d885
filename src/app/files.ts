// A pull request's changed files, from GET /repos/{o}/{r}/pulls/{n}/files (merge base to
// head, as the PR page shows them). GitHub lists at most PR_FILES_LIMIT; a larger PR is refused.
// The listing carries each file's patch, and the patch of an added file is the whole file:
// taking the text from it saves the round trip that reading the blob would cost.
import { MAX_FILES_PER_CHANGE } from "../core/evaluate.js";
import type { FileChange } from "../core/types.js";
import { githubFileChanges } from "../github/repo.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { PR_FILES_LIMIT, REST_PAGE_SIZE } from "../github/limits.js";

export interface PullFile {
  filename: string;
  status: string;
  previous_filename?: string;
  additions: number;
  patch?: string;
}

export async function listPullFiles(api: GitHub, where: RepoRef, number: number): Promise<PullFile[]> {
  return (await api.paginate(api.rest.pulls.listFiles, { ...where, pull_number: number, per_page: REST_PAGE_SIZE })) as PullFile[];
}

export function tooManyFiles(count: number): string | null {
  return count > Math.min(MAX_FILES_PER_CHANGE, PR_FILES_LIMIT)
    ? `This pull request changes ${count} files; GitHub lists at most ${PR_FILES_LIMIT} and gitgrant judges at most ${MAX_FILES_PER_CHANGE}. Split it into smaller pull requests.`
    : null;
}

/** A rename is a delete plus an add (the old file's grant ends, the new one is judged). */
export function toChanges(files: PullFile[]): FileChange[] {
  return githubFileChanges(files);
}

/**
 * The full text of an added file, rebuilt from its patch, or null when the patch cannot
 * prove it is whole: exactly one hunk "@@ -0,0 +1,N @@", N "+" lines, N = additions.
 * Anything else (no patch for a large or binary file, a renamed file) is read as a blob.
 */
export function addedText(f: PullFile): string | null {
  if (f.status !== "added" || typeof f.patch !== "string") return null;
  const lines = f.patch.split("\n");
  const m = /^@@ -0,0 \+1(?:,(\d+))? @@$/.exec(lines[0] ?? "");
  if (!m) return null;
  const n = m[1] === undefined ? 1 : Number(m[1]);
  let body = lines.slice(1);
  const noFinalNewline = body[body.length - 1] === "\\ No newline at end of file";
  if (noFinalNewline) body = body.slice(0, -1);
  if (n === 0 || body.length !== n || f.additions !== n || !body.every((l) => l.startsWith("+"))) return null;
  const text = body.map((l) => l.slice(1)).join("\n");
  return noFinalNewline ? text : `${text}\n`;
}
