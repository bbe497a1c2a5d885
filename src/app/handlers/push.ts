// push to the default branch: the merge of a request (or a revoke) becomes real access.
// Plans before..after over the GitHub API, applies through the providers, and publishes
// the results as the `gitgrant/apply` check run on the pushed commit and a comment on the
// merged pull request.
//
// Then it converges the resources the push touched to the branch tip (push-converge.ts), so
// what an earlier push, a lost delivery or a failed call left on them is put right now.
//
// Idempotent on redelivery: a completed `gitgrant/apply` check run on the commit means the
// push was applied, so nothing is done (no second comment). The providers are idempotent
// too, so a delivery that died half way is simply redone. Within one process, deliveries
// of one commit that arrive together are one run (they join it), and the applies of one
// repository run one at a time through providers built once per process; across replicas
// see README "Running several replicas".
import type { Context, Probot } from "probot";
import type { ProviderLookup } from "../../operations/execute.js";
import { applyOwned } from "../../operations/owned-apply.js";
import { receiptTrustAt } from "../../operations/receipt-trust.js";
import { GitHubNotesReceiptStore, type BlobTexts } from "../../github/notes.js";
import { planChange } from "../../operations/plan.js";
import { nativeExpiryFrom } from "../../operations/apply-providers.js";
import { applyOk, checkRunOutput, convergeMarkdown, counts, prComment } from "../../operations/apply-report.js";
import { touchedResources } from "../../operations/converge.js";
import { convergeAfterPush, type PushConverged } from "../push-converge.js";
import type { Sleep } from "../../providers/retry.js";
import { createCheckRun, updateCheckRun } from "../check-run.js";
import { headKey, type InFlight } from "../coalesce.js";
import { applyRunOnce } from "../claim-steps.js";
import type { ClaimOptions } from "../claims.js";
import { appGitHub, holderOf } from "../deps.js";
import type { Outbound } from "../outbound.js";
import { KeyedMutex, ProcessProviders } from "../providers.js";
import { PushRepo } from "../push-snapshot.js";
import type { ExpiryTimers } from "../expiry-timers.js";
import { TEXT_LIMIT, clip } from "../../github/limits.js";

export const APPLY_CHECK_NAME = "gitgrant/apply";

type Octokit = Context<"push">["octokit"];

export interface PushHandlerOptions {
  /** The providers for one delivery; default: from the environment, github-team through the installation's octokit. */
  providers?: (octokit: Octokit) => ProviderLookup;
  /** Clock for `now`, started_at and completed_at; tests pin it. */
  now?: () => Date;
  /** Pause between retries of a provider call; tests record instead of waiting. */
  sleep?: Sleep;
  /** The GitHub App's id: only its own `gitgrant/apply` check runs count as "already applied". */
  appId?: number;
  /** The process's in-flight pushes: deliveries of one commit at once become one run. */
  inflight?: Pick<InFlight<any>, "pushes">;
  /** The process's providers (default: built here, once for every delivery this handler serves). */
  processProviders?: ProcessProviders;
  /** The process's outbound GitHub bound. */
  outbound?: Outbound;
  /** The process's expiry timers, told about every grant and revoke the push makes. */
  timers?: ExpiryTimers;
  /** Converge the touched resources to the branch tip after the fast apply (default true). */
  converge?: boolean;
  /** This app's bot login: its own notes commits are trusted without settings.evidence. */
  appBot?: () => Promise<string>;
  /** One apply run per pushed commit across replicas (claims.ts); absent: this process coordinates with no other. */
  claims?: ClaimOptions;
  /** The process's receipt note texts by blob id (shared with the timers): a later push re-reads none. */
  blobCache?: BlobTexts;
}

export function makePushHandler(options: PushHandlerOptions = {}): (context: Context<"push">) => Promise<void> {
  const clock = options.now ?? (() => new Date());
  const processProviders = options.processProviders ?? new ProcessProviders();
  const applying = new KeyedMutex();
  const handle = pushHandler(options, clock, processProviders, applying);
  return (context) => {
    const where = context.repo();
    // Deliveries of one pushed commit that arrive together are one run: its input cannot change.
    return options.inflight ? options.inflight.pushes.join(headKey(where, context.payload.after), () => handle(context)) : handle(context);
  };
}

function pushHandler(options: PushHandlerOptions, clock: () => Date, processProviders: ProcessProviders, applying: KeyedMutex): (context: Context<"push">) => Promise<void> {
  return async (context) => {
    const payload = context.payload;
    const branch = payload.ref.startsWith("refs/heads/") ? payload.ref.slice("refs/heads/".length) : null;
    if (!branch) return context.log.debug(`gitgrant: ${payload.ref} is not a branch; nothing to apply`);
    if (payload.deleted) return context.log.debug(`gitgrant: branch ${branch} was deleted; nothing to apply`);
    if (branch !== payload.repository.default_branch) {
      return context.log.debug(`gitgrant: ${branch} is not the default branch (${payload.repository.default_branch}); only merges there grant access`);
    }

    const where = context.repo();
    const api = appGitHub(context.octokit, options.outbound, holderOf(context));
    const now = clock();
    const providers = options.providers?.(context.octokit) ?? processProviders.for(holderOf(context), api);
    // The window starts when the merge landed: the pushed head commit's timestamp (for a
    // merge or squash by GitHub, the moment of the merge).
    const landedAt = payload.head_commit?.timestamp ? new Date(payload.head_commit.timestamp) : now;
    const repo = new PushRepo(api, where, { before: payload.before, after: payload.after });
    const facts = await repo.prefetchPush(branch, options.appId, APPLY_CHECK_NAME);
    const plan = await planChange({
      repo,
      before: payload.before,
      after: payload.after,
      landedAt,
      now,
      nativeExpiry: nativeExpiryFrom(providers),
    });
    if (!plan.actions.length && !plan.skipped.length) {
      return context.log.debug(`gitgrant: ${payload.after.slice(0, 7)} changes no request file`);
    }

    const previous = facts.applyRun;
    if (previous?.status === "COMPLETED") {
      return context.log.info(`gitgrant: ${payload.after.slice(0, 7)} was already applied (check run ${previous.id}); redelivery ignored`);
    }
    // One run across replicas (claim-steps.ts): an unfinished run younger than STALE_APPLY_MS is
    // another delivery at work; an older one died part way and is taken over and finished.
    const checkRunId = await applyRunOnce({ api, where, now: clock, appId: options.appId, log: context.log, ...(options.claims ? { claims: options.claims } : {}) }, payload.after, previous, () => createCheckRun(api, where, APPLY_CHECK_NAME, payload.after, { state: { status: "in_progress" }, startedAt: now }), APPLY_CHECK_NAME);
    if (checkRunId === null) return context.log.info(`gitgrant: ${payload.after.slice(0, 7)} is being applied by another delivery (check run on the commit); this one leaves it`);

    // Ownership receipts in refs/notes/gitgrant over the API (the app keeps no state), trusted
    // by the pushed tree's settings.evidence, and this app's own bot when it names none;
    // recorded once, on the pushed commit.
    const receipts = new GitHubNotesReceiptStore({ octokit: api, ...where, trust: receiptTrustAt(repo, payload.after, { readKeys: false, ...(options.appBot ? { appBot: options.appBot } : {}) }), ...(options.blobCache ? { blobCache: options.blobCache } : {}) });
    const onRetry = (action: { path: string }, message: string, attempt: number, delay: number) => context.log.warn(`gitgrant: retrying ${action.path} in ${delay} ms (try ${attempt + 1}): ${message}`);
    const timerContext = { ...where, installation: holderOf(context), api, providers, branch };
    // The fast apply and the convergence after it hold the repository's lock together: no
    // other delivery of this process changes its targets between the listing and the changes.
    const { results, converged } = await applying.run(`${where.owner}/${where.repo}`.toLowerCase(), async () => {
      const results = await applyOwned(plan, providers, receipts, {
        commit: payload.after,
        now,
        sleep: options.sleep,
        onRetry,
        onProblem: (message) => context.log.warn(`gitgrant: ownership receipts: ${message}`),
      });
      options.timers?.afterApply(timerContext, plan, results, (path) => repo.blobIdAfter(path));
      if (options.converge === false) return { results, converged: null };
      // Level-triggered: what an earlier push, a lost delivery or a failed call left on the
      // resources this push touched is put right now, not at the next sweep.
      const converged = await convergeAfterPush({ api, where, branch, now: clock, providers, receipts, repo, resources: touchedResources(plan), ...(options.sleep ? { sleep: options.sleep } : {}), onRetry }).catch(
        (err: Error): PushConverged => ({ passes: [], problems: [`convergence: ${err.message} (the sweep converges these resources)`] }),
      );
      for (const pass of converged.passes) options.timers?.afterApply(timerContext, { before: pass.sha, after: pass.sha, actions: [], skipped: [] }, pass.results);
      return { results, converged };
    });
    const ok = applyOk(results, plan.skipped) && !converged?.problems.length;
    const output = checkRunOutput(plan, results);
    const convergence = converged ? convergeMarkdown(converged.passes, converged.problems) : "";
    await updateCheckRun(api, where, checkRunId, {
      state: { status: "completed", conclusion: ok ? "success" : "failure" },
      completedAt: clock(),
      output: convergence ? { ...output, summary: clip(`${output.summary}\n\n${convergence}`, TEXT_LIMIT) } : output,
    });
    for (const p of converged?.problems ?? []) context.log.warn(`gitgrant: convergence: ${p}`);
    context.log.info(`gitgrant: applied ${payload.after.slice(0, 7)}: ${counts(results, plan.skipped)}`);

    // The check run is completed before commenting: a crash in between loses the comment
    // (the check run still has it all) rather than posting it twice on redelivery.
    const merged = facts.merged;
    if (!merged) return context.log.info(`gitgrant: ${payload.after.slice(0, 7)} is not the merge of a pull request; results are on the check run only`);
    await api.rest.issues.createComment({ ...where, issue_number: merged.number, body: clip(prComment(plan, results), TEXT_LIMIT) });
  };
}

/** For src/app/index.ts: the app's clock and id, providers from the environment, built once. */
export function registerPush(app: Probot, deps: { now: () => Date; appId?: number; inflight?: Pick<InFlight<any>, "pushes">; outbound?: Outbound; timers?: ExpiryTimers; processProviders?: ProcessProviders; appBot?: () => Promise<string>; blobs?: BlobTexts; claims?: ClaimOptions }): void {
  app.on(
    "push",
    makePushHandler({
      now: deps.now,
      ...(deps.appId !== undefined ? { appId: deps.appId } : {}),
      ...(deps.inflight ? { inflight: deps.inflight } : {}),
      ...(deps.outbound ? { outbound: deps.outbound } : {}),
      ...(deps.timers ? { timers: deps.timers } : {}),
      ...(deps.processProviders ? { processProviders: deps.processProviders } : {}),
      ...(deps.appBot ? { appBot: deps.appBot } : {}),
      ...(deps.blobs ? { blobCache: deps.blobs } : {}),
      ...(deps.claims ? { claims: deps.claims } : {}),
    }),
  );
}
