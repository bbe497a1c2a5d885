// The providers apply uses: the registry with each provider's own retries switched off,
// so applyPlan's loop is the one bounded retry (its sleep injectable, its count reported).
import type { Resource } from "../core/types.js";
import { createProviders, type Providers, type ProvidersOptions } from "../providers/index.js";
import { providerFor, type ProviderLookup } from "./execute.js";

const ONE_TRY = { attempts: 1 };

export function providersForApply(options: ProvidersOptions = {}): Providers {
  return createProviders({
    ...options,
    retry: { ...options.retry, ...ONE_TRY },
    ...(options.github ? { github: { ...options.github, retry: { ...options.github.retry, ...ONE_TRY } } } : {}),
  });
}

/** For planChange's words: whether the resource's provider ends grants itself. */
export function nativeExpiryFrom(providers: ProviderLookup): (resource: Resource) => boolean {
  return (resource) => {
    try {
      return providerFor(providers, resource.provider)?.nativeExpiry(resource) ?? false;
    } catch {
      return false;
    }
  };
}
