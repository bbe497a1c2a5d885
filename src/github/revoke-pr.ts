// One revoke PR per branch, never two: look up an open PR for the branch first; reuse (reset)
// a branch left over from a closed PR. The sweep deletes its one file through the contents
// API; a bulk revoke writes one commit for all its files through the git data API.
import { REVOKE_LABEL } from "../core/revoke-texts.js";
import { statusOf } from "./errors.js";
import type { GitHubTarget } from "./octokit.js";
import { TEXT_LIMIT, clip } from "./limits.js";

export interface RevokePrInput {
  /** The branch the PR targets (the default branch). */
  base: string;
  /** The commit the revoke is made on: the one whose tree the sweep judged. */
  baseSha: string;
  /** Tree of baseSha; needed in "tree" mode. */
  baseTree?: string;
  branch: string;
  files: Array<{ path: string; blobSha: string }>;
  message: string;
  title: string;
  body: string;
  /** "contents": one DELETE per file (the sweep, one file). "tree": one commit for all files (bulk). */
  mode: "contents" | "tree";
  /**
   * When to rewrite an open PR's branch. "if-stale": only when the file landed again after
   * the PR was opened (the PR would delete an older version). "always": bulk revokes, whose
   * selection may have grown.
   */
  refresh: "if-stale" | "always";
  /** The newest landing among the files (for "if-stale"). */
  landedAt?: Date;
  dryRun?: boolean;
}

export interface RevokePrResult {
  status: "opened" | "exists" | "refreshed" | "planned";
  number?: number;
  url?: string;
  detail: string;
}

interface PullSummary {
  number: number;
  html_url: string;
  created_at: string;
}

/** A path for octokit's request() with each segment encoded and the slashes kept, as GitHub's docs write it. */
export function segments(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export async function findOpenPr(gh: GitHubTarget, branch: string): Promise<PullSummary | undefined> {
  const { data } = await gh.octokit.request("GET /repos/{owner}/{repo}/pulls", {
    owner: gh.owner,
    repo: gh.repo,
    head: `${gh.owner}:${branch}`,
    state: "open",
    per_page: 10,
  });
  return (data as PullSummary[])[0];
}

/** Create the branch at `sha`, or move an existing one there (a leftover of a closed PR). */
async function pointBranch(gh: GitHubTarget, branch: string, sha: string): Promise<void> {
  try {
    await gh.octokit.request("POST /repos/{owner}/{repo}/git/refs", { owner: gh.owner, repo: gh.repo, ref: `refs/heads/${branch}`, sha });
  } catch (err) {
    if (statusOf(err) !== 422) throw err; // 422: "Reference already exists"
    await moveBranch(gh, branch, sha);
  }
}

async function moveBranch(gh: GitHubTarget, branch: string, sha: string): Promise<void> {
  await gh.octokit.request(`PATCH /repos/{owner}/{repo}/git/refs/heads/${segments(branch)}`, { owner: gh.owner, repo: gh.repo, sha, force: true });
}

/** Put the deletion on the branch: its head becomes baseSha minus the files. */
async function writeDeletion(gh: GitHubTarget, input: RevokePrInput, branchExists: boolean): Promise<void> {
  const { owner, repo } = gh;
  if (input.mode === "contents") {
    if (branchExists) await moveBranch(gh, input.branch, input.baseSha);
    else await pointBranch(gh, input.branch, input.baseSha);
    // One at a time: GitHub documents that parallel contents writes conflict.
    for (const f of input.files) {
      await gh.octokit.request(`DELETE /repos/{owner}/{repo}/contents/${segments(f.path)}`, {
        owner,
        repo,
        message: input.message,
        sha: f.blobSha,
        branch: input.branch,
      });
    }
    return;
  }
  if (!input.baseTree) throw new Error("tree mode needs baseTree");
  // sha: null deletes the entry (GitHub's "Create a tree").
  const { data: tree } = await gh.octokit.request("POST /repos/{owner}/{repo}/git/trees", {
    owner,
    repo,
    base_tree: input.baseTree,
    tree: input.files.map((f) => ({ path: f.path, mode: "100644" as const, type: "blob" as const, sha: null })),
  });
  const { data: commit } = await gh.octokit.request("POST /repos/{owner}/{repo}/git/commits", {
    owner,
    repo,
    message: input.message,
    tree: (tree as { sha: string }).sha,
    parents: [input.baseSha],
  });
  const sha = (commit as { sha: string }).sha;
  if (branchExists) await moveBranch(gh, input.branch, sha);
  else await pointBranch(gh, input.branch, sha);
}

export async function ensureRevokePr(gh: GitHubTarget, input: RevokePrInput): Promise<RevokePrResult> {
  const open = await findOpenPr(gh, input.branch);
  if (open) {
    const stale = input.refresh === "always" || (input.landedAt !== undefined && Date.parse(open.created_at) < input.landedAt.getTime());
    if (!stale) return { status: "exists", number: open.number, url: open.html_url, detail: `revoke PR #${open.number} is already open` };
    if (input.dryRun) return { status: "planned", number: open.number, url: open.html_url, detail: `would refresh revoke PR #${open.number}` };
    await writeDeletion(gh, input, true);
    return { status: "refreshed", number: open.number, url: open.html_url, detail: `refreshed revoke PR #${open.number} on the current ${input.base}` };
  }
  if (input.dryRun) return { status: "planned", detail: `would open a revoke PR from ${input.branch}` };
  await writeDeletion(gh, input, false);
  const { data: pr } = await gh.octokit.request("POST /repos/{owner}/{repo}/pulls", {
    owner: gh.owner,
    repo: gh.repo,
    title: input.title,
    head: input.branch,
    base: input.base,
    body: clip(input.body, TEXT_LIMIT),
  });
  const { number, html_url } = pr as PullSummary;
  // Adding a label that does not exist yet creates it.
  await gh.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", {
    owner: gh.owner,
    repo: gh.repo,
    issue_number: number,
    labels: [REVOKE_LABEL],
  });
  return { status: "opened", number, url: html_url, detail: `opened revoke PR #${number}` };
}
