// The providers apply uses: the registry with each provider's own retries switched off,
// so applyPlan's loop is the one bounded retry (its sleep injectable, its count reported).
import type { Resource } from "../core/types.js";
import { PROVIDER_NAMES, createProviders, nativeExpiryOf, type Providers, type ProvidersOptions } from "../providers/index.js";
import { providerFor, type ProviderLookup } from "./execute.js";

const ONE_TRY = { attempts: 1 };

export function providersForApply(options: ProvidersOptions = {}): Providers {
  const given = options as Record<string, { retry?: object } | undefined>;
  // A provider's own `retry` would win over the shared one, so it is capped too.
  const own = Object.fromEntries(
    PROVIDER_NAMES.flatMap((name) => {
      const o = given[name];
      return o && "retry" in o ? [[name, { ...o, retry: { ...o.retry, ...ONE_TRY } }]] : [];
    }),
  );
  return createProviders({ ...options, ...own, retry: { ...options.retry, ...ONE_TRY } });
}

/**
 * Whether the target ends this resource's grants itself (for plan words and the sweep's PR
 * text): the given provider's answer, else the registry's, which needs no credentials; a
 * provider that is neither counts as no.
 */
export function nativeExpiryFrom(providers: ProviderLookup | undefined): (resource: Resource) => boolean {
  return (resource) => {
    try {
      const provider = providers && providerFor(providers, resource.provider);
      if (provider) return provider.nativeExpiry(resource);
    } catch {
      // A provider that cannot be built still has a registry entry that knows the answer.
    }
    return nativeExpiryOf(resource);
  };
}
