// What every handler gets besides the event: the clock (a parameter, so tests pin it) and
// the app's id (to tell gitgrant's own check runs from another app's of the same name).
import type { Context } from "probot";
import type { Api } from "./api.js";
import type { ProcessEnv } from "./process.js";

export interface AppDeps {
  now: () => Date;
  appId?: number;
  /** Where signal sources find their tokens (PAGERDUTY_TOKEN, ...): process.env unless a test says. */
  environment?: Record<string, string | undefined>;
}

type RepoEvent = Context<"pull_request" | "pull_request_review" | "check_run" | "check_suite">;

/** The environment of one delivery: its authenticated client, repository, organisation and time. */
export function envFrom(context: RepoEvent, deps: AppDeps): ProcessEnv {
  const owner = context.payload.repository.owner;
  return {
    api: context.octokit as unknown as Api,
    where: { owner: owner.login, repo: context.payload.repository.name },
    org: owner.type === "Organization" ? owner.login : null,
    now: deps.now(),
    ...(deps.appId !== undefined ? { appId: deps.appId } : {}),
    environment: deps.environment ?? process.env,
    log: {
      info: (m) => context.log.info(m),
      warn: (m) => context.log.warn(m),
      error: (m) => context.log.error(m),
    },
  };
}
