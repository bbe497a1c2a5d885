// The provider registry. Building it touches no credentials and no network: every SDK
// client is made on a provider's first call, so `validate`, `check` and the local demo
// run anywhere.
import { Octokit } from "@octokit/rest";
import { PROVIDER_NAMES, type ProviderName, type Resource } from "../core/types.js";
import { checkAwsTarget, createAwsIamProvider, type AwsIamOptions } from "./aws-iam.js";
import { checkEntraTarget, createEntraGroupProvider, type EntraGroupOptions } from "./entra-group.js";
import { checkGcpTarget, createGcpIamProvider, type GcpIamOptions } from "./gcp-iam.js";
import { checkGithubTeamTarget, createGithubTeamProvider, type GithubClient } from "./github-team.js";
import { checkLocalTarget, createLocalProvider, type LocalProviderOptions } from "./local.js";
import type { RetryOptions } from "./retry.js";
import { ProviderError, type Provider } from "./types.js";

export { ProviderError } from "./types.js";
export type { ExistingGrant, Provider, ProviderErrorKind, ProviderOutcome } from "./types.js";
export { withRetry, type RetryOptions, type Sleep } from "./retry.js";
export { toProviderError } from "./errors.js";

export type Providers = Record<ProviderName, Provider>;

export interface ProvidersOptions {
  /** Used by every provider that is not given its own `retry`. */
  retry?: RetryOptions;
  /** Where GITHUB_TOKEN, GITGRANT_LEDGER and AZURE_* are read; default process.env. */
  env?: Record<string, string | undefined>;
  local?: LocalProviderOptions;
  /** The app passes its installation octokit; the CLI falls back to GITHUB_TOKEN. */
  github?: { octokit?: GithubClient | (() => GithubClient | Promise<GithubClient>); retry?: RetryOptions };
  aws?: AwsIamOptions;
  gcp?: GcpIamOptions;
  entra?: EntraGroupOptions;
}

export function createProviders(options: ProvidersOptions = {}): Providers {
  const env = options.env ?? process.env;
  const withDefaults = <T extends { retry?: RetryOptions }>(own: T | undefined): T =>
    ({ ...own, retry: own?.retry ?? options.retry }) as T;

  const githubFromEnv = (): GithubClient => {
    const token = env.GITHUB_TOKEN ?? env.GH_TOKEN;
    if (!token) {
      throw new ProviderError("invalid", "github-team needs the app's octokit or a GITHUB_TOKEN in the environment");
    }
    return new Octokit({ auth: token });
  };

  return {
    local: createLocalProvider({ env, ...options.local }),
    "github-team": createGithubTeamProvider(withDefaults({ octokit: options.github?.octokit ?? githubFromEnv, retry: options.github?.retry })),
    "aws-iam": createAwsIamProvider(withDefaults(options.aws)),
    "gcp-iam": createGcpIamProvider(withDefaults(options.gcp)),
    "entra-group": createEntraGroupProvider(withDefaults({ env, ...options.entra })),
  };
}

/** Each provider's target check, usable without building any provider or credential. */
export const TARGET_RULES: Record<ProviderName, (resource: Resource) => void> = {
  local: checkLocalTarget,
  "github-team": (resource) => void checkGithubTeamTarget(resource),
  "aws-iam": (resource) => void checkAwsTarget(resource),
  "gcp-iam": (resource) => void checkGcpTarget(resource),
  "entra-group": (resource) => void checkEntraTarget(resource),
};

/** Throws ProviderError("invalid", "<resource id>: target ...") when the target block is unusable. */
export function checkTarget(resource: Resource): void {
  const rule = (TARGET_RULES as Partial<Record<string, (r: Resource) => void>>)[resource.provider];
  if (!rule) {
    throw new ProviderError("invalid", `${resource.id}: provider "${resource.provider}" is not one of ${PROVIDER_NAMES.join(", ")}`);
  }
  rule(resource);
}

/** The problem with a resource's target, in words, or null when it is usable. */
export function targetProblem(resource: Resource): string | null {
  try {
    checkTarget(resource);
    return null;
  } catch (err) {
    if (err instanceof ProviderError) return err.message;
    throw err;
  }
}

/** The provider that serves a resource. */
export function providerFor(providers: Providers, resource: Resource): Provider {
  const provider = providers[resource.provider];
  if (!provider) throw new ProviderError("invalid", `${resource.id}: no provider named "${resource.provider}"`);
  return provider;
}
