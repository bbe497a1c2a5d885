// One pull request, one head: judge, publish (check run, labels, review requests), and
// merge what policy allows. Every event handler ends here. Nothing is merged unless this
// very run judged that head: the merge is pinned to it, and a moved head means judging again.
import type { SinkOptions } from "../operations/event-sinks.js";
import type { GitHub } from "../github/octokit.js";
import { GitHubApiError, describeError } from "../github/errors.js";
import { appendToCheckRun, fingerprint, publishCheckRun, type CheckRunView, type Published } from "./check-run.js";
import { pullTurn } from "./claim-steps.js";
import type { ClaimOptions } from "./claims.js";
import { judge, type JudgeEnv, type Judgement, type Target } from "./judge.js";
import { labelChanges, syncLabels } from "./labels.js";
import { mergeMessage, mergePullRequest, type MergeOutcome } from "./merge.js";
import { reproduceCommand } from "./reproduce.js";
import { requestReviews } from "./review-requests.js";
import { notifyJudgement } from "./notify.js";
import { PullRequestGoneError } from "./snapshot.js";
import { annotations, renderSummary, verdictOf } from "./summary.js";
import { headKey, type InFlight } from "./coalesce.js";

export interface Log {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface ProcessEnv extends JudgeEnv {
  log: Log;
  /** The process's in-flight work; without it every delivery runs on its own. */
  inflight?: InFlight<Outcome>;
  /** Claims across replicas (claims.ts); absent: this process coordinates with no other. */
  claims?: ClaimOptions;
  /** How chat and SIEM webhooks are sent (tests inject the backoff's sleep). */
  sinkOptions?: SinkOptions;
}

export interface Outcome {
  judgement: Judgement | null;
  published: Published | null;
  merge: MergeOutcome | null;
  /** Set when the merge found a newer head and that head was judged in turn. */
  next?: Outcome;
}

/** A 409 re-reads the PR and judges its new head; once, then the new head's own event takes over. */
const MAX_REJUDGE = 1;

/**
 * The entry point of every handler: deliveries for one PR head that arrive while it is being
 * judged become one follow-up run (coalesce.ts), so they publish one check run and attempt
 * one merge between them.
 */
export function processOnce(env: ProcessEnv, target: Target): Promise<Outcome> {
  if (!env.inflight) return processPullRequest(env, target);
  return env.inflight.pulls.run(`${headKey(env.where, target.headSha)}#${target.number}`, () => processPullRequest(env, target));
}

export async function processPullRequest(env: ProcessEnv, target: Target, attempt = 0): Promise<Outcome> {
  const { api, where, log } = env;
  const ref = `${where.owner}/${where.repo}#${target.number}@${target.headSha.slice(0, 7)}`;
  let j: Judgement;
  try {
    j = await judge(env, target);
  } catch (err) {
    if (err instanceof PullRequestGoneError || isGone(err)) {
      log.warn(`${ref}: skipped: ${err instanceof PullRequestGoneError ? err.message : `the pull request is gone (${describeError(err)})`}`);
      return { judgement: null, published: null, merge: null };
    }
    log.error(`${ref}: could not judge: ${describeError(err)}`);
    const published = await publishCheckRun(api, where, target.headSha, null, errorView(err));
    return { judgement: null, published, merge: null };
  }

  const view = checkRunView(j);
  const open = j.pr.state === "OPEN";
  const mayMerge = open && !j.pr.draft && j.result.approved && j.pr.headSha === target.headSha && !j.hold;
  // Auto-merge gitgrant armed for another head (or for this one, no longer approved) is
  // disarmed before this head's check run exists, so GitHub cannot merge what was not judged.
  const disarmed = await disarmStaleAutoMerge(api, j, target.headSha, mayMerge);
  // Labels and review requests go out beside the check run; the merge waits only for the
  // check run (a required "gitgrant" check must exist before GitHub lets the merge through).
  const sideEffects = Promise.all([
    open ? syncLabels(api, where, target.number, labelChanges(j.config, j.result, j.pr.labels)) : null,
    open && !j.pr.draft && j.reviewRequest ? requestReviews(api, where, target.number, j.reviewRequest) : null,
  ]);
  sideEffects.catch(() => {}); // settled below; never an unhandled rejection meanwhile
  const key = `${headKey(where, target.headSha)}#${target.number}`;
  // Merged (or auto-merge armed) by this process for this very head already: GitHub may
  // still report the PR open, and asking again would be a second merge attempt.
  const done = mayMerge ? env.inflight?.merged.get(key) : undefined;
  // Across replicas: the first delivery to claim this step publishes and merges; another that
  // read the same state reuses its run (claim-steps.ts).
  const turn = await pullTurn({ api, where, ...(env.appId !== undefined ? { appId: env.appId } : {}), log, ...(env.claims ? { claims: env.claims } : {}) }, target, j.checkRun, fingerprint(view), mayMerge && !done, env.now);
  const published: Published = turn.mine || !turn.existing
    ? await publishCheckRun(api, where, target.headSha, turn.existing, view)
    : { id: turn.existing.id, action: "unchanged", externalId: turn.existing.externalId ?? "" };
  log.info(`${ref}: ${view.title}${turn.mine ? "" : " (published by another delivery)"}`);
  // Approvers (waiting) and requesters (refused) told once per head, after the check run says it.
  if (j.pr.headSha === target.headSha) await notifyJudgement(env, j);

  let merge: MergeOutcome | null = null;
  const problems: string[] = disarmed ? [disarmed] : [];
  if (mayMerge && !turn.mine) {
    // Another delivery holds this head's step: it merges (or merged, when seen).
    merge = turn.merged ? { kind: "merged", sha: "", already: true } : null;
    log.info(`${ref}: merge left to the delivery that published this verdict`);
  } else if (mayMerge) {
    if (done === "merged") merge = { kind: "merged", sha: "", already: true };
    else if (done === "auto-merge") merge = { kind: "auto-merge" };
    else merge = await mergePullRequest(api, where, j.pr, target.headSha, mergeMessage(j.pr, j.result, { ...target, revokePr: j.revokePr }));
    if (merge.kind === "merged" || merge.kind === "auto-merge") env.inflight?.merged.set(key, merge.kind);
    log.info(`${ref}: merge ${merge.kind}${"message" in merge ? `: ${merge.message}` : ""}`);
    if (merge.kind === "head-moved" && attempt < MAX_REJUDGE) {
      const next = await rereadTarget(api, env, target.number);
      if (next) {
        await sideEffects;
        const again = await processPullRequest(env, next, attempt + 1);
        return { judgement: j, published, merge, next: again };
      }
    }
    const line = mergeLine(merge, target.headSha);
    if (line) problems.push(line);
  }
  problems.unshift(...(await sideEffects).filter((n): n is string => n !== null));
  for (const p of problems) log.warn(`${ref}: ${p}`);
  if (problems.length) await appendToCheckRun(api, where, published.id, view, problems.map((p) => `> ${p}`).join("\n"));
  return { judgement: j, published, merge };
}

/** gitgrant's auto-merge names the head it judged in its commit body ("gitgrant judged <sha> ..."). */
export function armedHead(autoMerge: { commitBody: string } | null): string | null {
  return autoMerge ? (/^gitgrant judged ([0-9a-f]{40}) /.exec(autoMerge.commitBody)?.[1] ?? null) : null;
}

const DISARM = `mutation gitgrantDisarm($id: ID!) { disablePullRequestAutoMerge(input: { pullRequestId: $id }) { pullRequest { number } } }`;

async function disarmStaleAutoMerge(api: GitHub, j: Judgement, headSha: string, mayMerge: boolean): Promise<string | null> {
  const armed = armedHead(j.pr.autoMerge);
  if (!armed || (armed === headSha && mayMerge)) return null;
  await api.graphql(DISARM, { id: j.pr.nodeId });
  return `GitHub's auto-merge, armed by gitgrant for ${armed.slice(0, 7)}, was turned off: ${armed === headSha ? "that head is no longer approved" : `the pull request moved to ${headSha.slice(0, 7)}, which is judged on its own`}.`;
}

/**
 * A PR (or its repository) deleted or transferred while the delivery waited: GitHub answers
 * 404 or 410 for it, or GraphQL NOT_FOUND on it. Nothing is left to judge or to publish on.
 */
export function isGone(err: unknown): boolean {
  if (!(err instanceof GitHubApiError)) return false;
  if (err.graphqlErrors.length) return err.graphqlErrors.some((e) => e.type === "NOT_FOUND" && /^repository(\.pullRequest)?$/.test(e.path));
  return (err.status === 404 || err.status === 410) && /^\/repos\/[^/]+\/[^/]+(\/pulls\/[^/]+(\/files)?)?$/.test(err.route.replace("{owner}/{repo}", "o/r"));
}

async function rereadTarget(api: GitHub, env: ProcessEnv, number: number): Promise<Target | null> {
  const { data } = await api.rest.pulls.get({ ...env.where, pull_number: number });
  if (data.state !== "open") return null;
  return { number, baseSha: data.base.sha, baseRef: data.base.ref, headSha: data.head.sha, changedFiles: data.changed_files };
}

function mergeLine(m: MergeOutcome, head: string): string | null {
  switch (m.kind) {
    case "merged":
      return null;
    case "auto-merge":
      return `Branch protection stopped a direct merge; GitHub's auto-merge is on and will squash-merge ${head.slice(0, 7)} once its requirements are met.`;
    case "head-moved":
      return `Not merged: the pull request moved past ${head.slice(0, 7)} while it was judged (${m.message}); the new head is judged on its own.`;
    case "refused":
      return `Not merged: ${m.message}`;
  }
}

export function checkRunView(j: Judgement): CheckRunView {
  const verdict = verdictOf(j.result, j.pr.draft, j.pr.headSha !== j.target.headSha, j.hold);
  const header = [
    `gitgrant judged head \`${j.target.headSha.slice(0, 7)}\` of #${j.target.number} against the rules at base \`${j.target.baseSha.slice(0, 7)}\` (catalog, policy, identities and CODEOWNERS are always read from the base).`,
  ];
  if (j.pr.draft) header.push("", "This pull request is a draft: it is judged, and merged only once it is marked ready for review.");
  if (j.hold) header.push("", `${j.hold}.`);
  if (j.revokePr) header.push("", "This is gitgrant's own revoke pull request: its deletions are self-service.");
  if (j.pr.headSha !== j.target.headSha) header.push("", `The pull request has since moved to \`${j.pr.headSha.slice(0, 7)}\`; that head is judged on its own.`);
  const cmd = reproduceCommand(j);
  const footer = cmd ? ["Reproduce this verdict on a clone:", "", "```sh", cmd, "```"] : [];
  return { state: verdict.state, title: verdict.title, summary: renderSummary(j.result, header, footer), annotations: annotations(j.result) };
}

function errorView(err: unknown): CheckRunView {
  return {
    state: { status: "completed", conclusion: "failure" },
    title: "gitgrant could not judge this pull request",
    summary: [
      "Nothing was merged. GitHub answered an error while gitgrant read this pull request:",
      "",
      `> ${describeError(err).replace(/[\r\n]+/g, " ")}`,
      "",
      "Re-run this check to try again; if it keeps failing, check the app's permissions on this repository.",
    ].join("\n"),
    annotations: [],
  };
}
