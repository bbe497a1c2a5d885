// `/gitgrant status [@login]` in a comment on an issue (a request issue, say) or a pull
// request: the app answers with one comment saying what `gitgrant status` says, read over the
// API (the branch judged over GraphQL, the open pull requests over REST).
//
// Whose: the commenter by default, by the login GitHub reports for the comment (never by
// text). Anyone who may comment may ask about another login, as `gitgrant status --user`
// lets anyone with the repository: commenting needs read access (anyone may comment on a
// public repository, which anyone can read), and everything the answer says is in the
// default branch's tree and the open pull requests, which read access shows already.
//
// Once: the answer is claimed by the comment's id (operations/claims.ts) before it is posted,
// so a redelivery or another replica posts nothing more; a failed post gives the claim back.
import type { Context } from "probot";
import { isoSeconds } from "../core/time.js";
import { githubRepository } from "../github/changes.js";
import { TEXT_LIMIT, clip } from "../github/limits.js";
import { GitHubRepo } from "../github/repo.js";
import { once } from "../operations/claims.js";
import { statusFromReport, statusMarkdown } from "../operations/status.js";
import { appGitHub, holderOf, type AppDeps } from "./deps.js";
import { readBranchReport, tipBlobIds } from "./expiry-read.js";

type CommentContext = Context<"issue_comment.created">;

export const STATUS_MARKER = "<!-- gitgrant:status -->";

/** Answers the command; `command` is parseStatusCommand's verdict on the comment. */
export async function answerStatus(context: CommentContext, deps: AppDeps, command: { login?: string } | { error: string }): Promise<void> {
  const { payload } = context;
  const commenter = payload.comment.user!.login;
  const api = appGitHub(context.octokit, deps.outbound, holderOf(context));
  const where = context.repo();
  const number = payload.issue.number;
  const now = deps.now();
  const key = `${where.owner}/${where.repo}:status-comment:${payload.comment.id}`;
  let body: string;
  let sha: string;
  if ("error" in command) {
    // Nothing to judge: the tip is read only to hang the claim on.
    sha = (await tipBlobIds(api, where, [], payload.repository.default_branch)).sha;
    body = `@${commenter}: ${command.error}`;
  } else {
    const report = await readBranchReport(api, where, { branch: payload.repository.default_branch, now });
    sha = report.sha;
    const login = command.login ?? commenter;
    const target = { octokit: api, ...where };
    const status = await statusFromReport(report, githubRepository(target, new GitHubRepo(target)).write, login, now);
    // Named, never @-mentioned: asking about someone must not let anyone ping them through the app.
    const whose = login.toLowerCase() === commenter.toLowerCase() ? "your" : `${login}'s`;
    body = `@${commenter}: ${whose} access at ${isoSeconds(now).slice(0, 16).replace("T", " ")} UTC (\`gitgrant status\` on ${report.ref} at ${report.sha.slice(0, 7)}):\n\n${statusMarkdown(status)}`;
  }
  const post = async () => {
    await api.rest.issues.createComment({ ...where, issue_number: number, body: clip(`${STATUS_MARKER}\n${body}`, TEXT_LIMIT) });
  };
  const did = await once(api, where, key, sha, post, { now, warn: (m) => context.log.warn(m) });
  context.log.info(`gitgrant: /gitgrant status by ${commenter} on #${number}: ${did ? "answered" : "answered before (claimed)"}`);
}
