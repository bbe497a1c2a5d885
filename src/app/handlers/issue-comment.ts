// issue_comment created: `/gitgrant status [@login]` on any issue or pull request answers
// with that person's access (app/status-comment.ts); `/gitgrant revoke [reason]` on a merged
// request PR withdraws the commenter's approval. Thin: gather the PR, its request files and its reviews, let the
// operation check ownership (CODEOWNERS on the default branch) and open the revoke PRs, and
// answer on the PR with what was done and what was refused, and why.
import type { Context, Probot } from "probot";
import { latestReviews, type Review, type ReviewState } from "../../core/approvals.js";
import { githubRepository } from "../../github/changes.js";
import { statusOf } from "../../github/errors.js";
import { TEXT_LIMIT, clip, REST_PAGE_SIZE } from "../../github/limits.js";
import { GitHubRepo } from "../../github/repo.js";
import { parseRevokeCommand, withdrawApproval } from "../../operations/approval-withdrawal.js";
import { parseStatusCommand } from "../../operations/status.js";
import { appGitHub, type AppDeps } from "../deps.js";
import { answerStatus } from "../status-comment.js";
import { listPullFiles, toChanges } from "../files.js";

type CommentContext = Context<"issue_comment.created">;

export async function onIssueComment(context: CommentContext, deps: AppDeps): Promise<void> {
  const { payload } = context;
  // gitgrant's own answers (and any bot's) are never commands.
  if (payload.comment.user?.type === "Bot" || !payload.comment.user?.login) return;
  const status = parseStatusCommand(payload.comment.body ?? "");
  if (status) return answerStatus(context, deps, status);
  if (!payload.issue.pull_request) return;
  const command = parseRevokeCommand(payload.comment.body ?? "");
  if (!command) return;
  const commenter = payload.comment.user!.login;
  const api = appGitHub(context.octokit);
  const where = context.repo();
  const number = payload.issue.number;
  const say = (body: string) => api.rest.issues.createComment({ ...where, issue_number: number, body: clip(body, TEXT_LIMIT) });

  const { data: pr } = await api.rest.pulls.get({ ...where, pull_number: number });
  const branch = payload.repository.default_branch;
  if (!pr.merged_at || !pr.merge_commit_sha) {
    await say(`@${commenter}: #${number} is not merged, so it granted nothing to revoke. To stop it, dismiss your approval or close it.`);
    return;
  }
  if (pr.base.ref !== branch) {
    await say(`@${commenter}: #${number} was merged into ${pr.base.ref}, not ${branch}; only merges there grant access, so there is nothing to revoke.`);
    return;
  }
  const [files, reviews] = await Promise.all([
    listPullFiles(api, where, number),
    api.paginate(api.rest.pulls.listReviews, { ...where, pull_number: number, per_page: REST_PAGE_SIZE }),
  ]);
  const asReviews: Review[] = reviews
    .filter((r) => r.user?.login)
    .map((r) => ({ login: r.user!.login, state: r.state as ReviewState, ...(r.submitted_at ? { submittedAt: r.submitted_at } : {}) }));
  const approvers = new Set(latestReviews(asReviews).filter((r) => r.state === "APPROVED").map((r) => r.login.toLowerCase()));
  const target = { octokit: api, ...where };
  const result = await withdrawApproval({
    repo: githubRepository(target, new GitHubRepo(target)),
    branch,
    pull: { number, mergeSha: pr.merge_commit_sha, files: toChanges(files).filter((c) => c.change !== "deleted").map((c) => c.path), approvers },
    commenter,
    memberOf: async (login, team) => {
      const [org, slug] = team.split("/") as [string, string];
      try {
        const { data } = await api.rest.teams.getMembershipForUserInOrg({ org, team_slug: slug, username: login });
        return data.state === "active";
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw err;
      }
    },
    ...(command.note ? { note: command.note } : {}),
  });
  const lines = [
    ...result.revokes.map((r) => `- \`${r.path}\`: ${r.status === "failed" ? r.detail : `${r.detail}${r.url ? ` (${r.url})` : ""}; gitgrant merges it and the access ends (Revoke-reason: approval-withdrawn)`}`),
    ...result.refused.map((r) => `- \`${r.path}\`: not revoked: ${r.why}`),
  ];
  context.log.info(`gitgrant: /gitgrant revoke by ${commenter} on #${number}: ${result.revokes.length} revoke(s), ${result.refused.length} refused`);
  await say(`@${commenter} withdrew their approval of #${number}${command.note ? ` (${command.note})` : ""}:\n\n${lines.join("\n")}`);
}

/** For src/app/index.ts. */
export function registerIssueComment(app: Probot, deps: AppDeps): void {
  app.on("issue_comment.created", (context) => onIssueComment(context, deps));
}
