// Everything derived from the registry (registry.ts, one line per provider). Building the
// providers touches no credentials and no network: every SDK client is made on a
// provider's first call, so `validate`, `check` and the local demo run anywhere.
import type { ProviderRule, ProviderRules, ProviderSchemaName } from "../core/provider-rules.js";
import { providerSchema } from "../core/schema.js";
import type { Resource } from "../core/types.js";
import * as registered from "./registry.js";
import type { RetryOptions } from "./retry.js";
import { ProviderError, type Provider, type ProviderDescriptor, type SharedProviderOptions } from "./types.js";
import { own } from "../core/own.js";

export { ProviderError, defineProvider } from "./types.js";
export type { ExistingGrant, Provider, ProviderDescriptor, ProviderErrorKind, ProviderOutcome, SharedProviderOptions } from "./types.js";
export { withRetry, type RetryOptions, type Sleep } from "./retry.js";
export { toProviderError } from "./errors.js";

type Registered = (typeof registered)[keyof typeof registered];
type OptionsOf<D> = D extends ProviderDescriptor<string, infer O> ? O : never;

/** The registry's providers, sorted by name so that every derived list has one order. */
export function descriptorsOf(list: Iterable<ProviderDescriptor>): readonly ProviderDescriptor[] {
  const sorted = [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const twice = sorted.find((d, i) => i > 0 && sorted[i - 1]!.name === d.name);
  if (twice) throw new Error(`two providers are registered as "${twice.name}"`);
  return sorted;
}

export const PROVIDERS: readonly ProviderDescriptor[] = descriptorsOf(Object.values(registered) as ProviderDescriptor[]);
export const PROVIDER_NAMES: readonly string[] = PROVIDERS.map((d) => d.name);

export type Providers = Record<string, Provider>;

/** Shared settings plus each provider's own options, under its name ("github-team": { octokit }). */
export type ProvidersOptions = Partial<SharedProviderOptions> & { [D in Registered as D["name"]]?: OptionsOf<D> };

export function createProvidersFrom(descriptors: readonly ProviderDescriptor[], options: Partial<SharedProviderOptions> & Record<string, unknown> = {}): Providers {
  const shared: SharedProviderOptions = { env: options.env ?? process.env, retry: options.retry };
  return Object.fromEntries(descriptors.map((d) => [d.name, d.create(options[d.name], shared)]));
}

export function createProviders(options: ProvidersOptions = {}): Providers {
  return createProvidersFrom(PROVIDERS, options as Partial<SharedProviderOptions> & Record<string, unknown>);
}

/** Each provider's target check, usable without building any provider or credential. */
export const TARGET_RULES: Record<string, (resource: Resource) => void> = Object.fromEntries(PROVIDERS.map((d) => [d.name, d.checkTarget]));

const descriptorFor = (name: string) => PROVIDERS.find((d) => d.name === name);

/** Throws ProviderError("invalid", "<resource id>: target ...") when the target block is unusable. */
export function checkTarget(resource: Resource): void {
  const descriptor = descriptorFor(resource.provider);
  if (!descriptor) {
    throw new ProviderError("invalid", `${resource.id}: provider "${resource.provider}" is not one of ${PROVIDER_NAMES.join(", ")}`);
  }
  descriptor.checkTarget(resource);
}

/** The problem with a resource's target, in words, or null when it is usable. */
export function targetProblem(resource: Resource): string | null {
  return problemOf(() => checkTarget(resource));
}

function problemOf(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (err) {
    if (err instanceof ProviderError) return err.message;
    throw err;
  }
}

/** Whether the resource's provider ends grants itself; false for a provider not registered. */
export function nativeExpiryOf(resource: Resource): boolean {
  return descriptorFor(resource.provider)?.nativeExpiry(resource) ?? false;
}

/** What the core needs of these providers (it may not import them): loadConfig's second argument. */
export function rulesOf(descriptors: readonly ProviderDescriptor[]): ProviderRules {
  return descriptors.map(
    (d): ProviderRule => ({
      name: d.name,
      identity: d.identity,
      targetSchema: d.targetSchema,
      targetProblem: (resource) => problemOf(() => d.checkTarget(resource)),
    }),
  );
}

export const PROVIDER_RULES: ProviderRules = rulesOf(PROVIDERS);

/** The catalog, identities and policy schemas as the registry makes them (`npm run schemas` writes these). */
export function providerSchemas(rules: ProviderRules = PROVIDER_RULES): Record<ProviderSchemaName, Record<string, unknown>> {
  return { catalog: providerSchema("catalog", rules), identities: providerSchema("identities", rules), policy: providerSchema("policy", rules) };
}

/** The provider that serves a resource. */
export function providerFor(providers: Providers, resource: Resource): Provider {
  const provider = own(providers as Record<string, Provider | undefined>, resource.provider);
  if (!provider) throw new ProviderError("invalid", `${resource.id}: no provider named "${resource.provider}"`);
  return provider;
}
