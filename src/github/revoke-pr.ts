// One revoke PR per branch, never two: look up an open PR for the branch first; reuse (reset)
// a branch left over from a closed PR. One file is deleted through the contents API (two
// calls: the branch, the delete); more go in one commit through the git data API (three
// calls whatever the number: tree, commit, branch).
import type { RevokeChange, RevokeChangeResult } from "../git/types.js";
import { statusOf } from "./errors.js";
import type { GitHubTarget } from "./octokit.js";
import { TEXT_LIMIT, clip } from "./limits.js";

interface PullSummary {
  number: number;
  html_url: string;
  created_at: string;
  draft?: boolean;
  user?: { login: string } | null;
  head?: { ref: string; repo: { full_name: string } | null };
  base?: { ref: string };
}

/** Who gitgrant is on GitHub, asked once per writer: for telling its own revoke PRs from look-alikes. */
export type OwnIdentity = (login: string) => Promise<boolean>;

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
async function writeDeletion(gh: GitHubTarget, input: RevokeChange, branchExists: boolean): Promise<void> {
  const { owner, repo } = gh;
  if (input.files.length === 1) {
    if (branchExists) await moveBranch(gh, input.branch, input.baseSha);
    else await pointBranch(gh, input.branch, input.baseSha);
    const [f] = input.files;
    await gh.octokit.request(`DELETE /repos/{owner}/{repo}/contents/${segments(f!.path)}`, {
      owner,
      repo,
      message: input.message,
      sha: f!.blob,
      branch: input.branch,
    });
    return;
  }
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

/** The newest landing among the files: a PR opened before it removes an older version. */
function newestLanding(input: RevokeChange): number | undefined {
  const times = input.files.flatMap((f) => (f.landed ? [f.landed.at.getTime()] : []));
  return times.length ? Math.max(...times) : undefined;
}

/**
 * Why an open PR on the branch is not gitgrant's revoke, or null when it is: anyone who can
 * push a branch can open one named gitgrant/revoke/<resource>/<login>, turn the real one into
 * a draft, or push a commit that puts the file back; none of those may count as the revoke.
 */
async function notOurs(gh: GitHubTarget, open: PullSummary, input: RevokeChange, isOwn: OwnIdentity): Promise<string | null> {
  const author = open.user?.login ?? "";
  const fullName = `${gh.owner}/${gh.repo}`.toLowerCase();
  const extra = new Set((input.verifyOwn?.authors ?? []).map((a) => a.toLowerCase()));
  if (!author || !(extra.has(author.toLowerCase()) || (await isOwn(author)))) return `#${open.number} was opened by ${author || "an unknown user"}, not by gitgrant`;
  if (open.head && open.head.repo?.full_name.toLowerCase() !== fullName) return `#${open.number} comes from another repository's branch`;
  if (open.base && open.base.ref !== input.base) return `#${open.number} targets ${open.base.ref}, not ${input.base}`;
  if (open.draft) return `#${open.number} was turned into a draft, so it would never be merged`;
  return null;
}

/** Whether the PR deletes exactly the expected files and changes nothing else (a pushed commit may have restored one). */
async function deletesExactly(gh: GitHubTarget, number: number, input: RevokeChange): Promise<boolean> {
  const files = (await gh.octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { owner: gh.owner, repo: gh.repo, pull_number: number, per_page: 100 })) as Array<{
    filename: string;
    status?: string;
  }>;
  const want = new Set(input.files.map((f) => f.path));
  return files.length === want.size && files.every((f) => f.status === "removed" && want.has(f.filename));
}

async function closeWithComment(gh: GitHubTarget, number: number, why: string): Promise<void> {
  const body = `gitgrant closed this pull request: ${why}. Only gitgrant's own revoke counts; it opens the real one from this branch now.`;
  await gh.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: gh.owner, repo: gh.repo, issue_number: number, body });
  await gh.octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { owner: gh.owner, repo: gh.repo, pull_number: number, state: "closed" });
}

async function openPr(gh: GitHubTarget, input: RevokeChange, branchExists: boolean, replaced?: { number: number; why: string }): Promise<RevokeChangeResult> {
  await writeDeletion(gh, input, branchExists);
  const { data: pr } = await gh.octokit.request("POST /repos/{owner}/{repo}/pulls", {
    owner: gh.owner,
    repo: gh.repo,
    title: input.title,
    head: input.branch,
    base: input.base,
    body: clip(input.body, TEXT_LIMIT),
  });
  const { number, html_url } = pr as PullSummary;
  const why = replaced ? ` (closed #${replaced.number}: ${replaced.why})` : "";
  return { status: "opened", number, url: html_url, detail: `opened revoke PR #${number}${why}` };
}

/** Opens, finds or refreshes the PR; labelling a new one is the caller's next step. */
export async function ensureRevokePr(gh: GitHubTarget, input: RevokeChange, isOwn: OwnIdentity = async () => true): Promise<RevokeChangeResult> {
  const open = await findOpenPr(gh, input.branch);
  if (open && input.verifyOwn) {
    const why = await notOurs(gh, open, input, isOwn);
    if (why) {
      if (input.dryRun) return { status: "planned", number: open.number, url: open.html_url, detail: `would close #${open.number} (${why}) and open the real revoke PR` };
      await closeWithComment(gh, open.number, why);
      return openPr(gh, input, true, { number: open.number, why });
    }
    if (!(await deletesExactly(gh, open.number, input))) {
      if (input.dryRun) return { status: "planned", number: open.number, url: open.html_url, detail: `would reset ${input.branch}: #${open.number} no longer deletes exactly ${input.files.map((f) => f.path).join(", ")}` };
      await writeDeletion(gh, input, true);
      return { status: "refreshed", number: open.number, url: open.html_url, detail: `reset revoke PR #${open.number}: its branch no longer deleted exactly the expired file(s)` };
    }
  }
  if (open) {
    const landed = newestLanding(input);
    const stale = input.refresh === "always" || (landed !== undefined && Date.parse(open.created_at) < landed);
    if (!stale) return { status: "exists", number: open.number, url: open.html_url, detail: `revoke PR #${open.number} is already open` };
    if (input.dryRun) return { status: "planned", number: open.number, url: open.html_url, detail: `would refresh revoke PR #${open.number}` };
    await writeDeletion(gh, input, true);
    return { status: "refreshed", number: open.number, url: open.html_url, detail: `refreshed revoke PR #${open.number} on the current ${input.base}` };
  }
  if (input.dryRun) return { status: "planned", detail: `would open a revoke PR from ${input.branch}` };
  return openPr(gh, input, false);
}
