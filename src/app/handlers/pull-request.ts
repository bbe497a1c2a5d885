// pull_request: judge on open, push, reopen, ready-for-review and a change of base branch;
// on every merge, open the after-the-fact review issue when a merged file is break-glass.
import type { Probot } from "probot";
import { breakGlassIssue, ensureBreakGlassIssue } from "../break-glass.js";
import { envFrom, type AppDeps } from "../deps.js";
import { judge } from "../judge.js";
import { processOnce } from "../process.js";

export const JUDGED_ACTIONS = ["opened", "synchronize", "reopened", "ready_for_review", "edited"] as const;

export function registerPullRequest(app: Probot, deps: AppDeps): void {
  app.on(JUDGED_ACTIONS.map((a) => `pull_request.${a}` as const), async (context) => {
    const { payload } = context;
    // An edited title or body changes nothing gitgrant judges; a new base branch does.
    if (payload.action === "edited" && !payload.changes.base) return;
    const pr = payload.pull_request;
    await processOnce(envFrom(context, deps), { number: pr.number, baseSha: pr.base.sha, baseRef: pr.base.ref, headSha: pr.head.sha, changedFiles: pr.changed_files });
  });

  app.on("pull_request.closed", async (context) => {
    const pr = context.payload.pull_request;
    // Every merge is read, however it was merged and whatever labels are left on it: a
    // writer removing access:break-glass before merging must not skip the review.
    if (!pr.merged || !pr.merged_at) return;
    const env = envFrom(context, deps);
    const j = await judge(env, { number: pr.number, baseSha: pr.base.sha, baseRef: pr.base.ref, headSha: pr.head.sha, changedFiles: pr.changed_files });
    const issue = breakGlassIssue(j, new Date(pr.merged_at));
    if (!issue) return;
    const out = await ensureBreakGlassIssue(env.api, env.where, pr.number, issue);
    env.log.info(`#${pr.number}: break-glass review issue #${out.number} ${out.created ? "opened" : "already open"}`);
  });
}
