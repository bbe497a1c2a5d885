// Unmanaged access goes to people, not to a script: one open issue labelled access:drift,
// updated in place by each reconcile run (never a new issue per run).
import { DRIFT_LABEL } from "../core/revoke-texts.js";
import type { DriftIssueResult } from "../git/types.js";
import type { GitHubTarget } from "./octokit.js";
import { TEXT_LIMIT, clip } from "./limits.js";

export async function reportDriftIssue(gh: GitHubTarget, title: string, body: string, options: { dryRun?: boolean } = {}): Promise<DriftIssueResult> {
  const { data } = await gh.octokit.request("GET /repos/{owner}/{repo}/issues", {
    owner: gh.owner,
    repo: gh.repo,
    labels: DRIFT_LABEL,
    state: "open",
    per_page: 10,
  });
  // The issues list includes pull requests; only a real issue is ours to update.
  const open = (data as Array<{ number: number; html_url: string; pull_request?: unknown }>).find((i) => !i.pull_request);
  if (options.dryRun) return { status: "planned", ...(open ? { number: open.number, url: open.html_url } : {}) };
  if (open) {
    await gh.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", { owner: gh.owner, repo: gh.repo, issue_number: open.number, title, body: clip(body, TEXT_LIMIT) });
    return { status: "updated", number: open.number, url: open.html_url };
  }
  const { data: created } = await gh.octokit.request("POST /repos/{owner}/{repo}/issues", { owner: gh.owner, repo: gh.repo, title, body: clip(body, TEXT_LIMIT), labels: [DRIFT_LABEL] });
  const c = created as { number: number; html_url: string };
  return { status: "opened", number: c.number, url: c.html_url };
}
