// The sweep's pass over open PRs (GitHub mode):
// - request PRs (adding or editing request files, nothing else) open longer than
//   settings.pending_ttl are closed with a comment, so an old approval can never grant late.
//   Age counts from the PR's creation; drafts count too (a draft marked ready later would
//   carry the same stale approvals). PRs that only delete files are revokes: never closed.
// - gitgrant's own revoke PRs whose file landed again after they were opened (an
//   extension) or is already gone are closed, so they can never delete a newer grant.
// Only PRs older than the TTL cost a files lookup, so the calls scale with stale PRs.
import { REQUESTS_DIR } from "../core/config.js";
import { formatDuration, parseDuration } from "../core/duration.js";
import type { GitHubTarget } from "../github/octokit.js";
import type { ExpiryReport } from "./expiry.js";
import { BULK_BRANCH_PREFIX, pathOfRevokeBranch } from "../core/revoke-texts.js";

export interface OpenPull {
  number: number;
  title: string;
  html_url: string;
  created_at: string;
  draft?: boolean;
  head: { ref: string; repo: { full_name: string } | null };
}

export interface PullOutcome {
  number: number;
  url: string;
  kind: "stale-request" | "obsolete-revoke";
  status: "closed" | "planned";
  detail: string;
}

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

export function staleRequestComment(pr: OpenPull, ttl: string, now: Date): string {
  const age = formatDuration(now.getTime() - Date.parse(pr.created_at));
  return [
    `gitgrant closed this request: it has been open for ${age}, longer than the policy's pending_ttl of ${ttl} (settings.pending_ttl in access/policy.yaml).`,
    "",
    "Requests that wait too long are closed so that an old approval can never grant access much later than it was given.",
    "If you still need the access, open a new pull request with the same file; it will be judged afresh.",
  ].join("\n");
}

async function close(gh: GitHubTarget, pr: OpenPull, comment: string): Promise<void> {
  // The comment first: if closing fails, the PR still says why it is about to be closed.
  await gh.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: gh.owner, repo: gh.repo, issue_number: pr.number, body: comment });
  await gh.octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { owner: gh.owner, repo: gh.repo, pull_number: pr.number, state: "closed" });
}

export interface OpenPrPassOptions {
  now: Date;
  /** settings.pending_ttl, e.g. "7d". */
  pendingTtl: string;
  dryRun?: boolean;
}

export async function sweepOpenPulls(gh: GitHubTarget, report: ExpiryReport, options: OpenPrPassOptions): Promise<PullOutcome[]> {
  const ttlMs = parseDuration(options.pendingTtl);
  const pulls = (await gh.octokit.paginate("GET /repos/{owner}/{repo}/pulls", { owner: gh.owner, repo: gh.repo, state: "open", per_page: 100 })) as OpenPull[];
  const byPath = new Map(report.grants.map((g) => [g.path, g]));
  const onBranch = new Set([...report.grants.map((g) => g.path), ...report.unreadable.map((u) => u.path)]);
  const out: PullOutcome[] = [];
  const fullName = `${gh.owner}/${gh.repo}`.toLowerCase();
  for (const pr of pulls) {
    const created = new Date(pr.created_at);
    const revokes = pr.head.repo?.full_name.toLowerCase() === fullName ? pathOfRevokeBranch(pr.head.ref) : null;
    if (revokes) {
      const state = byPath.get(revokes);
      let why: string | null = null;
      if (!onBranch.has(revokes)) why = `${revokes} is no longer on the default branch; nothing is left to revoke.`;
      else if (state && state.status !== "expired" && state.landedAt > created) {
        why = `${revokes} was changed after this PR was opened (landed ${iso(state.landedAt)}) and is ${state.status} until ${iso(state.grant.expiresAt)}; this revoke would remove the newer grant. The sweep opens a fresh one when it expires.`;
      }
      if (!why) continue;
      if (!options.dryRun) await close(gh, pr, `gitgrant closed this revoke: ${why}`);
      out.push({ number: pr.number, url: pr.html_url, kind: "obsolete-revoke", status: options.dryRun ? "planned" : "closed", detail: why });
      continue;
    }
    if (options.now.getTime() - created.getTime() < ttlMs) continue;
    if (pr.head.ref.startsWith(BULK_BRANCH_PREFIX)) continue; // a revoke: it grants nothing
    const files = (await gh.octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: gh.owner,
      repo: gh.repo,
      pull_number: pr.number,
      per_page: 100,
    })) as Array<{ filename: string; status?: string }>;
    // A request PR touches request files only; anything else is a normal change, not ours to
    // close. A PR that only deletes files grants nothing late, so a pending revoke (someone
    // else's file, a bulk revoke awaiting approval) is never closed.
    if (files.length === 0 || !files.every((f) => f.filename.startsWith(`${REQUESTS_DIR}/`))) continue;
    if (files.every((f) => f.status === "removed")) continue;
    const detail = `open since ${iso(created)}, longer than pending_ttl ${options.pendingTtl}`;
    if (!options.dryRun) await close(gh, pr, staleRequestComment(pr, options.pendingTtl, options.now));
    out.push({ number: pr.number, url: pr.html_url, kind: "stale-request", status: options.dryRun ? "planned" : "closed", detail });
  }
  return out;
}
