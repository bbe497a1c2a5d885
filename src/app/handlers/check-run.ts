// check_run / check_suite rerequested: "Re-run" on gitgrant's check judges its PRs again.
// For a fork's PR GitHub sends no pull_requests; the PRs are looked up by the head SHA.
import type { Probot } from "probot";
import type { GitHub, RepoRef } from "../../github/octokit.js";
import { publishCheckRun } from "../check-run.js";
import { envFrom, type AppDeps } from "../deps.js";
import { processOnce } from "../process.js";
import { CHECK_NAME } from "../snapshot.js";
import type { Target } from "../judge.js";
import { REST_PAGE_SIZE } from "../../github/limits.js";

interface PayloadPull {
  number: number;
  head: { sha: string };
  base: { sha: string; ref: string; repo: { id: number } };
}

export function registerCheckRun(app: Probot, deps: AppDeps): void {
  app.on("check_run.rerequested", async (context) => {
    const run = context.payload.check_run;
    if (run.name !== CHECK_NAME) return;
    const env = envFrom(context, deps);
    await rejudge(env, context.payload.repository.id, run.head_sha, run.pull_requests as PayloadPull[], { id: run.id });
  });
  app.on("check_suite.rerequested", async (context) => {
    const suite = context.payload.check_suite;
    const env = envFrom(context, deps);
    await rejudge(env, context.payload.repository.id, suite.head_sha, suite.pull_requests as PayloadPull[], null);
  });
}

async function rejudge(
  env: ReturnType<typeof envFrom>,
  repoId: number,
  sha: string,
  pulls: PayloadPull[],
  run: { id: number } | null,
): Promise<void> {
  let targets: Target[] = pulls.filter((p) => p.base.repo.id === repoId).map((p) => ({ number: p.number, baseSha: p.base.sha, baseRef: p.base.ref, headSha: sha }));
  if (!targets.length) targets = await pullsWithHead(env.api, env.where, sha);
  if (!targets.length) {
    // Nothing to judge: say so on the rerun run instead of leaving it spinning.
    const output = {
      title: "No open pull request has this commit as its head",
      summary: `gitgrant judges pull requests; no open pull request in ${env.where.owner}/${env.where.repo} has head \`${sha.slice(0, 7)}\`.`,
    };
    if (run) await env.api.rest.checks.update({ ...env.where, check_run_id: run.id, status: "completed", conclusion: "neutral", output });
    else await publishCheckRun(env.api, env.where, sha, null, { state: { status: "completed", conclusion: "neutral" }, ...output, annotations: [] });
    return;
  }
  for (const t of targets) await processOnce(env, t);
}

/** GET /repos/{o}/{r}/commits/{sha}/pulls: open PRs whose head is exactly this commit. */
async function pullsWithHead(api: GitHub, where: RepoRef, sha: string): Promise<Target[]> {
  const { data } = await api.rest.repos.listPullRequestsAssociatedWithCommit({ ...where, commit_sha: sha, per_page: REST_PAGE_SIZE });
  return data.filter((p) => p.state === "open" && p.head.sha === sha).map((p) => ({ number: p.number, baseSha: p.base.sha, baseRef: p.base.ref, headSha: sha }));
}
