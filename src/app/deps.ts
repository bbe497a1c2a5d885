// What every handler gets besides the event: the clock (a parameter, so tests pin it) and
// the app's id (to tell gitgrant's own check runs from another app's of the same name).
import type { Context } from "probot";
import { gitHub, type GitHub, type OctokitLike } from "../github/octokit.js";
import type { RevokeAuthor } from "./judge.js";
import type { Outcome, ProcessEnv } from "./process.js";
import type { InFlight } from "./coalesce.js";
import type { Outbound } from "./outbound.js";
import type { ProcessProviders } from "./providers.js";
import type { ExpiryTimers } from "./expiry-timers.js";
import type { BlobCache } from "./blob-cache.js";
import type { ClaimOptions } from "./claims.js";
import type { SinkOptions } from "../operations/event-sinks.js";

export interface AppDeps {
  now: () => Date;
  appId?: number;
  /** Where signal sources find their tokens (PAGERDUTY_TOKEN, ...): process.env unless a test says. */
  environment?: Record<string, string | undefined>;
  /** Whether a login's revoke-branch PRs are gitgrant's own (this app's bot, the sweep's identity). */
  revokeAuthor?: RevokeAuthor;
  /** Concurrent deliveries for one PR head or pushed commit become one run (one per process). */
  inflight?: InFlight<Outcome>;
  /** Every outbound GitHub call of the process, bounded and rate-limit aware (one per process). */
  outbound?: Outbound;
  /** The providers, built once per process (github-team once per installation). */
  processProviders?: ProcessProviders;
  /** Revokes at the expiry second on targets without native expiry. */
  timers?: ExpiryTimers;
  /** Receipt note texts by blob id, shared by the push handler and the expiry timers (one per process). */
  blobs?: BlobCache;
  /** One check run, merge and apply run per step across replicas (claims.ts); absent: none. */
  claims?: ClaimOptions;
  /** This app's bot login, "<slug>[bot]" (request PRs it opened from issues are judged as the issue author's). */
  appBot?: () => Promise<string>;
  /** How chat and SIEM webhooks are sent (tests inject the backoff's sleep). */
  sinkOptions?: SinkOptions;
}

/**
 * The one client over Probot's installation octokit (its errors wrapped into GitHubApiError),
 * its calls routed through the process's outbound bound first, so that bound sees GitHub's
 * own status and headers.
 */
export function appGitHub(octokit: Context["octokit"], outbound?: Outbound, holder = "app"): GitHub {
  outbound?.install(octokit as unknown as OctokitLike, holder);
  return gitHub(octokit as unknown as OctokitLike);
}

/** Whose limits a delivery's calls count against: its installation. */
export function holderOf(context: { payload: object }): string {
  const installation = (context.payload as { installation?: { id?: number } }).installation;
  return installation?.id !== undefined ? `installation ${installation.id}` : "app";
}

type RepoEvent = Context<"pull_request" | "pull_request_review" | "check_run" | "check_suite" | "issues" | "issue_comment">;

/** The environment of one delivery: its authenticated client, repository, organisation and time. */
export function envFrom(context: RepoEvent, deps: AppDeps): ProcessEnv {
  const owner = context.payload.repository.owner;
  return {
    api: appGitHub(context.octokit, deps.outbound, holderOf(context)),
    where: { owner: owner.login, repo: context.payload.repository.name },
    org: owner.type === "Organization" ? owner.login : null,
    now: deps.now(),
    ...(deps.appId !== undefined ? { appId: deps.appId } : {}),
    environment: deps.environment ?? process.env,
    ...(deps.revokeAuthor ? { revokeAuthor: deps.revokeAuthor } : {}),
    ...(deps.inflight ? { inflight: deps.inflight } : {}),
    ...(deps.appBot ? { appBot: deps.appBot } : {}),
    ...(deps.claims ? { claims: deps.claims } : {}),
    ...(deps.sinkOptions ? { sinkOptions: deps.sinkOptions } : {}),
    log: {
      info: (m) => context.log.info(m),
      warn: (m) => context.log.warn(m),
      error: (m) => context.log.error(m),
    },
  };
}
