// The gitgrant GitHub App (Probot). `npm start` runs the default export; one handler file
// per webhook event under handlers/, each thin: read, call the core, publish.
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import { VERSION } from "../operations/package-root.js";
import type { AppDeps } from "./deps.js";
import type { RevokeAuthor } from "./judge.js";
import { withDeliveryLog } from "./delivery-log.js";
import { healthHandler } from "./health.js";
import { checkStartup, startupLine } from "./startup.js";
import { registerCheckRun } from "./handlers/check-run.js";
import { registerIssueComment } from "./handlers/issue-comment.js";
import { pagerDutyWebhookHandler } from "./pagerduty-webhook.js";
import { registerPullRequest } from "./handlers/pull-request.js";
import { registerPush } from "./handlers/push.js";
import { registerReview } from "./handlers/review.js";
import { inFlight } from "./coalesce.js";
import { Outbound, type OutboundOptions } from "./outbound.js";
import { ProcessProviders } from "./providers.js";
import type { SinkOptions } from "../operations/event-sinks.js";
import { ExpiryTimers, type ExpiryTimersOptions, type RepoContext } from "./expiry-timers.js";
import type { ReceiptStore } from "../git/types.js";
import { GitHubRepo } from "../github/repo.js";
import { GitHubNotesReceiptStore } from "../github/notes.js";
import { receiptTrustAt } from "../operations/receipt-trust.js";
import { sinksFromEnv } from "../operations/event-sinks.js";
import { rebuildAtStart } from "./expiry-start.js";
import { registerIssues } from "./handlers/issues.js";
import { BlobCache } from "./blob-cache.js";
import type { ClaimOptions } from "./claims.js";

export type { AppDeps } from "./deps.js";

/** The receipts a timer's revoke reads and records: the repository's notes over the API, trusted
 *  by its default branch's settings.evidence (this app's bot by default), as on the push path;
 *  note texts come from the process's blob cache. */
export function timerReceipts(appBot: () => Promise<string>, blobs: BlobCache): (ctx: RepoContext) => ReceiptStore {
  return (ctx) => {
    const where = { owner: ctx.owner, repo: ctx.repo };
    const read = new GitHubRepo({ octokit: ctx.api, ...where });
    return new GitHubNotesReceiptStore({ octokit: ctx.api, ...where, trust: receiptTrustAt(read, ctx.branch ?? "HEAD", { appBot, readKeys: false }), blobCache: blobs });
  };
}

export type RegisterHandler = (app: Probot, deps: AppDeps) => void;

/** Every event handler the app registers, one file per webhook event under handlers/. */
export const HANDLERS: RegisterHandler[] = [
  registerPullRequest, // pull_request: judge, request reviews, merge; break-glass issue on merge
  registerReview, // pull_request_review: re-judge on submitted / dismissed
  registerCheckRun, // check_run / check_suite rerequested (forks included)
  registerPush, // push to the default branch: apply (grant / revoke), gitgrant/apply check run, PR comment
  registerIssues, // issues from the request form: the request PR; its verdict and end on the issue; notices once
  registerIssueComment, // issue_comment: `/gitgrant revoke [reason]` by an approving code owner on a merged PR
];

export interface AppOptions {
  /** The clock; tests and the bench pin it. */
  now?: () => Date;
  /** The GitHub App's id, to tell its own check runs apart; default $APP_ID. */
  appId?: number;
  /** Tokens of the signal sources (PAGERDUTY_TOKEN, ...); default process.env. */
  environment?: Record<string, string | undefined>;
  /**
   * Refuse to load without a real WEBHOOK_SECRET (unless NODE_ENV=development): on for the
   * app as `npm start`, Docker and Lambda run it; tests that build their own Probot leave it off.
   */
  production?: boolean;
  /**
   * Logins besides this app's bot whose gitgrant/revoke/ PRs are gitgrant's own: the identity
   * the sweep opens them with (say github-actions[bot]); default $GITGRANT_SWEEP_LOGINS, comma-separated.
   */
  sweepLogins?: string[];
  /** The outbound bound on GitHub calls (max in flight, retries after a rate limit); tests inject its sleep. */
  outbound?: OutboundOptions;
  /**
   * Expiry timers (revoke at the second on targets without native expiry): on in production,
   * where they are rebuilt from every installed repository's tree at start; tests pass their
   * own (fake clock). false: none.
   */
  timers?: ExpiryTimers | ExpiryTimersOptions | false;
  /** The process's providers (default: from the environment, built once). */
  processProviders?: ProcessProviders;
  /**
   * Claims on GitHub (refs/gitgrant/claims/...) so that replicas publish one check run, attempt
   * one merge and apply a push once; on by default. false: none (a test's GitHub that serves
   * one process only); tests that exercise them inject the sleep.
   */
  claims?: ClaimOptions | false;
  /** The process's receipt blob texts (default: a new bounded cache); tests read its counts. */
  blobs?: BlobCache;
  /** How chat and SIEM webhooks are sent (tests inject the backoff's sleep). */
  sinkOptions?: SinkOptions;
}

/**
 * The sweep's logins, then this app's bot ("<slug>[bot]", asked of GitHub as the App, once,
 * and only for a bot author: a person's PR costs no call).
 */
function revokeAuthorOf(sweepLogins: string[], appBot: () => Promise<string>): RevokeAuthor {
  const sweep = new Set(sweepLogins.map((l) => l.toLowerCase()));
  return async (login, isBot) => {
    if (sweep.has(login.toLowerCase())) return true;
    if (!isBot) return false;
    return (await appBot()) === login.toLowerCase();
  };
}

/** This app's bot login, "<slug>[bot]" lower-cased: asked of GitHub as the App once, again only after a failure. */
function appBotOf(app: Probot): () => Promise<string> {
  let bot: Promise<string> | undefined;
  return () => {
    bot ??= (async () => {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      if (!data?.slug) throw new Error("GitHub did not say this app's slug");
      return `${data.slug}[bot]`.toLowerCase();
    })();
    bot.catch(() => (bot = undefined)); // a failed look-up is asked again next time
    return bot;
  };
}

export function createApp(options: AppOptions = {}): ApplicationFunction {
  const envId = Number(process.env.APP_ID);
  const deps: AppDeps = {
    now: options.now ?? (() => new Date()),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.sinkOptions ? { sinkOptions: options.sinkOptions } : {}),
    ...(options.appId !== undefined ? { appId: options.appId } : Number.isInteger(envId) && envId > 0 ? { appId: envId } : {}),
  };
  const sweepLogins = options.sweepLogins ?? (process.env.GITGRANT_SWEEP_LOGINS ?? "").split(",").map((l) => l.trim()).filter(Boolean);
  // The startup checks and line read the same environment as the signal sources.
  const env = options.environment ?? process.env;
  return (app: Probot, fnOptions?: ApplicationFunctionOptions) => {
    if (options.production) checkStartup(env);
    const served: string[] = [];
    const logged = withDeliveryLog(app, served);
    const blobs = options.blobs ?? new BlobCache();
    // One of each per loaded app, shared by every delivery: that is what makes deliveries
    // that arrive together one piece of work, and one bound on the calls they make.
    const appBot = appBotOf(app);
    const timers =
      options.timers instanceof ExpiryTimers ? options.timers
      : options.timers === false ? undefined
      : options.timers || options.production ? new ExpiryTimers({ log: app.log, receipts: timerReceipts(appBot, blobs), sinks: () => sinksFromEnv(env), ...(options.timers || {}) })
      : undefined;
    const withBot: AppDeps = {
      ...deps,
      appBot,
      revokeAuthor: revokeAuthorOf(sweepLogins, appBot),
      inflight: inFlight(),
      outbound: new Outbound({ ...options.outbound, onLimited: (i) => app.log.warn(`gitgrant: GitHub rate limit on ${i.method} ${i.url} (${i.status}); retry ${i.retry} in ${Math.ceil(i.waitMs / 1000)} s`) }),
      processProviders: options.processProviders ?? new ProcessProviders(),
      blobs,
      ...(options.claims === false ? {} : { claims: options.claims ?? {} }),
      ...(timers ? { timers } : {}),
    };
    for (const register of HANDLERS) register(logged, withBot);
    if (timers && options.production) void rebuildAtStart(app, timers, withBot).catch((err: Error) => app.log.error(`gitgrant: expiry timers not rebuilt at start: ${err.message}`));
    try {
      fnOptions?.addHandler?.(healthHandler({ version: VERSION, appId: deps.appId }));
      fnOptions?.addHandler?.(pagerDutyWebhookHandler({ app, env }));
    } catch {
      // Loaded without an HTTP server (Lambda, tests): Probot's addHandler throws; no endpoint to add.
    }
    app.log.info(startupLine(VERSION, deps.appId, served, env));
  };
}

export default createApp({ production: true });
