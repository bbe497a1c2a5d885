// issues from the request form: opened, edited (by its author) or reopened, the issue
// becomes gitgrant's request PR, which is judged at once, and the verdict goes on the issue
// in plain words. When that PR is merged or closed, the issue is told and closed.
// Redeliveries are harmless: the PR is found, not opened again, and the verdict comment
// (marked) is edited in place.
import type { Context, Probot } from "probot";
import { describeError } from "../../github/errors.js";
import type { GitHub, RepoRef } from "../../github/octokit.js";
import { TEXT_LIMIT, clip } from "../../github/limits.js";
import { grantWindow } from "../../core/window.js";
import { ensureRequestPr, issueOfBranch, loadBaseRules, readIssueRequest, type IssueFacts } from "../../operations/request.js";
import { FORM_LABEL, parseRequestForm } from "../../operations/request-form.js";
import { closedWords, invalidWords, verdictWords } from "../request-words.js";
import { envFrom, type AppDeps } from "../deps.js";
import { processPullRequest } from "../process.js";

/** Marks gitgrant's one verdict comment on a request issue, so it is edited rather than repeated. */
export const VERDICT_MARKER = "<!-- gitgrant:request-verdict -->";
/** Marks the comment saying how the request ended: a new comment, so the requester is notified. */
export const END_MARKER = "<!-- gitgrant:request-end -->";

type IssueContext = Context<"issues.opened" | "issues.edited" | "issues.reopened">;

export function registerIssues(app: Probot, deps: AppDeps): void {
  app.on(["issues.opened", "issues.edited", "issues.reopened"], (context) => onRequestIssue(context, deps));
  app.on("pull_request.closed", async (context) => {
    const pr = context.payload.pull_request;
    const issue = issueOfBranch(pr.head.ref);
    if (issue === null || pr.head.repo?.full_name !== context.payload.repository.full_name) return;
    const bot = deps.appBot ? await deps.appBot().catch(() => null) : null;
    // Only gitgrant's own request PR speaks for the issue; anyone else's branch of that name does not.
    if (!bot || pr.user?.login.toLowerCase() !== bot) return;
    const env = envFrom(context, deps);
    await endRequestIssue(env.api, env.where, issue, pr, env.now);
    env.log.info(`#${pr.number}: request issue #${issue} told and closed (${pr.merged ? "merged" : "closed unmerged"})`);
  });
}

async function onRequestIssue(context: IssueContext, deps: AppDeps): Promise<void> {
  const { issue, sender } = context.payload;
  if ((issue as { pull_request?: unknown }).pull_request || issue.state !== "open" || !issue.user) return;
  const env = envFrom(context, deps);
  const facts: IssueFacts = { number: issue.number, author: issue.user.login, body: issue.body ?? null, title: issue.title, url: issue.html_url };
  const labelled = (issue.labels ?? []).some((l) => (typeof l === "string" ? l : l?.name) === FORM_LABEL);
  // Who asks is the issue's author: an edit by anyone else changes nothing (and says so).
  if (context.payload.action === "edited" && sender.login.toLowerCase() !== facts.author.toLowerCase()) {
    if (!labelled) return;
    await upsertVerdict(env.api, env.where, facts.number, `@${sender.login} edited this request, but only @${facts.author}, who asked, can change it; the pull request still says what @${facts.author} wrote.`);
    return;
  }
  // An ordinary issue costs no call: the body is read before anything is fetched.
  if (parseRequestForm(facts.body).kind === "not-a-form") {
    if (labelled) await upsertVerdict(env.api, env.where, facts.number, invalidWords(["This issue does not hold the request form's Resource, Duration and Reason sections; open it from the \"Request access\" form."]));
    return;
  }
  const rules = await loadBaseRules(env.api, env.where, context.payload.repository.default_branch);
  const asked = readIssueRequest(facts, rules, env.now);
  if (asked.kind === "not-a-form") return;
  if (asked.kind === "invalid") {
    env.log.info(`issue #${facts.number}: request form needs fixing (${asked.problems.length} problem(s))`);
    await upsertVerdict(env.api, env.where, facts.number, invalidWords(asked.problems));
    return;
  }
  const pr = await ensureRequestPr(env.api, env.where, facts, rules, asked);
  env.log.info(`issue #${facts.number}: request PR #${pr.number} ${pr.status}`);
  let words: string;
  try {
    const outcome = await processPullRequest(env, { number: pr.number, baseSha: pr.baseSha, baseRef: pr.baseRef, headSha: pr.headSha });
    words = verdictWords(pr, outcome, env.now);
  } catch (err) {
    // The PR exists and its own events judge it again; the issue says where to look.
    words = `gitgrant opened #${pr.number} for this request but could not judge it yet (${describeError(err)}); its check run will say when it has.`;
  }
  await upsertVerdict(env.api, env.where, facts.number, words);
}

/** Tell the issue how its request ended, then close it (completed when granted, not planned otherwise). */
export async function endRequestIssue(
  api: GitHub,
  where: RepoRef,
  issue: number,
  pr: { number: number; merged?: boolean | null; merged_at?: string | null; merge_commit_sha?: string | null; base: { ref: string } },
  now: Date,
): Promise<void> {
  let words: string;
  if (pr.merged && pr.merged_at && pr.merge_commit_sha) {
    const rules = await loadBaseRules(api, where, pr.base.ref);
    const { data: files } = await api.rest.pulls.listFiles({ ...where, pull_number: pr.number, per_page: 10 });
    const file = files.find((f) => f.status !== "removed" && f.filename.startsWith("access/requests/"));
    const text = file ? await api.rest.repos.getContent({ ...where, path: file.filename, ref: pr.merge_commit_sha }).then(({ data }) => Buffer.from((data as { content?: string }).content ?? "", "base64").toString("utf8")) : null;
    const window = file && text !== null ? grantWindow(rules.config, file.filename, text, new Date(pr.merged_at)) : null;
    words = closedWords(pr.number, window && window.ok ? window.grant : null, now);
  } else {
    words = `#${pr.number} was closed without being merged: nothing was granted. Open a new request from the form if you still need access.`;
  }
  await upsertVerdict(api, where, issue, words, END_MARKER);
  const { data } = await api.rest.issues.get({ ...where, issue_number: issue });
  if (data.state === "open") await api.rest.issues.update({ ...where, issue_number: issue, state: "closed", state_reason: pr.merged ? "completed" : "not_planned" });
}

/** gitgrant's one verdict comment on the issue: edited in place, never a second one. */
export async function upsertVerdict(api: GitHub, where: RepoRef, issue: number, words: string, marker = VERDICT_MARKER): Promise<void> {
  const body = clip(`${marker}\n${words}`, TEXT_LIMIT);
  const comments = await api.paginate(api.rest.issues.listComments, { ...where, issue_number: issue, per_page: 100 });
  // Only a bot's comment can be ours: anyone can paste the marker into their own.
  const mine = comments.find((c) => c.body?.startsWith(marker) && c.user?.type === "Bot");
  if (mine && mine.body === body) return;
  if (mine) await api.rest.issues.updateComment({ ...where, comment_id: mine.id, body });
  else await api.rest.issues.createComment({ ...where, issue_number: issue, body });
}
