import type { IdentityRule, JsonSchema } from "../core/provider-rules.js";
import type { Grant, GrantRef, Resource, ProviderName } from "../core/types.js";
import type { RetryOptions } from "./retry.js";

/** The few kinds of failure the apply loop tells apart: retry the transient ones, report the rest.
 *  `config`: a missing or rejected credential, or a target that does not exist: a person must
 *  fix the setup, so it is reported once and never retried. `internal`: a programming error
 *  (TypeError and the like), which no retry can cure. */
export type ProviderErrorKind = "not_found" | "conflict" | "throttled" | "denied" | "transient" | "invalid" | "config" | "internal";

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ProviderError";
  }

  /** Worth another try after a pause: a passing fault that no layer below has retried already. */
  get retryable(): boolean {
    const cause = this.cause as { retriedBelow?: boolean; retryAfterTooLong?: boolean } | undefined;
    if (cause?.retriedBelow || cause?.retryAfterTooLong) return false;
    return this.kind === "throttled" || this.kind === "transient" || this.kind === "conflict";
  }
}

export interface ProviderOutcome {
  /** "unchanged" when the call found the target already as wanted (idempotent no-op).
   *  "pending": asked for, but not in effect until someone else acts (a GitHub organisation
   *  invitation not yet accepted). "kept": a revoke that left access gitgrant does not own and
   *  cannot remove (a team maintainer, an organisation owner). */
  status: "granted" | "revoked" | "unchanged" | "pending" | "kept";
  /** A sentence for the check run and the PR comment. */
  detail: string;
  /**
   * On a grant that found the access already there ("unchanged"): whether what it found
   * carries gitgrant's marker ("own": an earlier apply of this grant made it) or not
   * ("standing": the person had it before gitgrant, and a revoke must leave it). Absent
   * when the provider cannot tell; the receipts then decide.
   */
  found?: "own" | "standing";
  /** What was changed, for the receipt: the principal and target as the call used them. */
  principal?: string;
}

/** A grant found in the target system. */
export interface ExistingGrant {
  resourceId: string;
  principal: string;
  /** Present when the target records an end (AWS condition, GCP condition, PIM schedule, ledger). */
  expiresAt?: Date;
  /** True when gitgrant created it (named/tagged by gitgrant); unmanaged ones are never deleted silently. */
  managedByGitgrant: boolean;
}

export interface Provider {
  readonly name: ProviderName;
  /** Whether the target itself ends this resource's grants at expiresAt. */
  nativeExpiry(resource: Resource): boolean;
  /** Throws ProviderError("invalid") when the target block is unusable; called by validation. */
  checkTarget(resource: Resource): void;
  grant(grant: Grant): Promise<ProviderOutcome>;
  revoke(ref: GrantRef): Promise<ProviderOutcome>;
  /** Current grants of one resource. `principals` narrows the search where listing everyone is costly. */
  list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]>;
}

/** What every provider's factory is given besides its own options. */
export interface SharedProviderOptions {
  /** Where credentials are read (GITHUB_TOKEN, AZURE_*, ...); never logged. */
  env: Record<string, string | undefined>;
  /** Used unless the provider's own options carry a `retry`. */
  retry?: RetryOptions;
}

/**
 * Everything gitgrant knows about one kind of target, exported as `descriptor` by
 * src/providers/<name>.ts and listed by one line in registry.ts. The provider names, the
 * schemas' provider parts, identity keys, target checks, native expiry and createProviders
 * are all derived from these (src/providers/index.ts).
 */
export interface ProviderDescriptor<Name extends string = string, Options = unknown> {
  readonly name: Name;
  /** Which identities.yaml key holds a person's principal here, and its form. */
  readonly identity: IdentityRule;
  /** JSON Schema of the catalog `target` block (becomes the catalog schema's if/then for this name). */
  readonly targetSchema: JsonSchema;
  /** Throws ProviderError("invalid", "<resource>: target ...") when the block is unusable. Pure. */
  checkTarget(resource: Resource): void;
  /** Whether the target itself ends this resource's grants at expiresAt. Pure. */
  nativeExpiry(resource: Resource): boolean;
  /** Builds the provider. Must touch no credential and no network: clients are made on first call. */
  create(own: Options | undefined, shared: SharedProviderOptions): Provider;
}

/** Keeps the literal name (for typed createProviders options) while checking the shape. */
export function defineProvider<const Name extends string, Options>(descriptor: ProviderDescriptor<Name, Options>): ProviderDescriptor<Name, Options> {
  return descriptor;
}
