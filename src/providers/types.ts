import type { Grant, GrantRef, Resource, ProviderName } from "../core/types.js";

/** The few kinds of failure the apply loop tells apart: retry the transient ones, report the rest. */
export type ProviderErrorKind = "not_found" | "conflict" | "throttled" | "denied" | "transient" | "invalid";

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "ProviderError";
  }

  /** Worth another try after a pause. */
  get retryable(): boolean {
    return this.kind === "throttled" || this.kind === "transient" || this.kind === "conflict";
  }
}

export interface ProviderOutcome {
  /** "unchanged" when the call found the target already as wanted (idempotent no-op). */
  status: "granted" | "revoked" | "unchanged";
  /** A sentence for the check run and the PR comment. */
  detail: string;
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
