// Fake and shared pieces for provider and apply tests: one resource and one grant per
// scenario with fixed times (time is a parameter; nothing reads the clock), a sleep that
// records instead of waiting, and a Provider that records what it is asked to do.
import type { Grant, GrantRef, ProviderName, Resource } from "../../src/core/types.js";
import { ProviderError, type ExistingGrant, type Provider, type ProviderErrorKind, type ProviderOutcome } from "../../src/providers/types.js";
import { REPLICA_REASON } from "./orgs.js";

export const STARTS_AT = new Date("2026-03-02T10:00:00Z");
export const EXPIRES_AT = new Date("2026-03-02T14:30:00Z");
export const NOW = new Date("2026-03-02T10:00:05Z");

export function resource(id: string, provider: ProviderName, target: Record<string, unknown> = {}): Resource {
  return { id, provider, target, sensitivity: "low", max_duration: "8h" };
}

export function ref(res: Resource, login: string, principal: string): GrantRef {
  return { path: `access/requests/${res.id}/${login}.yaml`, login, resource: res, principal };
}

export function grant(res: Resource, login: string, principal: string, overrides: Partial<Grant> = {}): Grant {
  return {
    ...ref(res, login, principal),
    startsAt: STARTS_AT,
    expiresAt: EXPIRES_AT,
    reason: REPLICA_REASON,
    ...overrides,
  };
}

/** Records the delays asked for instead of waiting. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

export interface Call {
  op: "grant" | "revoke" | "list";
  path: string;
  principal: string;
  expiresAt?: string;
}

type Script = Array<ProviderErrorKind | "ok">;

/**
 * Records every call. `failures` scripts the outcome of successive calls per request path:
 * ["transient", "ok"] fails the first try and succeeds on the second; a list that runs out
 * repeats its last entry.
 */
export class RecordingProvider implements Provider {
  readonly calls: Call[] = [];
  readonly held = new Map<string, Grant>();
  private readonly tries = new Map<string, number>();

  constructor(
    readonly name: ProviderName,
    private readonly failures: Record<string, Script> = {},
    private readonly native = false,
  ) {}

  nativeExpiry(): boolean {
    return this.native;
  }

  checkTarget(): void {}

  private maybeFail(path: string): void {
    const script = this.failures[path];
    if (!script) return;
    const n = this.tries.get(path) ?? 0;
    this.tries.set(path, n + 1);
    const step = script[Math.min(n, script.length - 1)]!;
    if (step !== "ok") throw new ProviderError(step, `${this.name} said ${step} for ${path}`);
  }

  async grant(grant: Grant): Promise<ProviderOutcome> {
    this.calls.push({ op: "grant", path: grant.path, principal: grant.principal, expiresAt: grant.expiresAt.toISOString() });
    this.maybeFail(grant.path);
    const had = this.held.get(grant.path);
    this.held.set(grant.path, grant);
    if (had && had.expiresAt.getTime() === grant.expiresAt.getTime()) return { status: "unchanged", detail: `${grant.principal} already in ${grant.resource.id}` };
    return { status: "granted", detail: `${grant.principal} added to ${grant.resource.id}` };
  }

  async revoke(ref: GrantRef): Promise<ProviderOutcome> {
    this.calls.push({ op: "revoke", path: ref.path, principal: ref.principal });
    this.maybeFail(ref.path);
    if (!this.held.delete(ref.path)) return { status: "unchanged", detail: `${ref.principal} not in ${ref.resource.id}` };
    return { status: "revoked", detail: `${ref.principal} removed from ${ref.resource.id}` };
  }

  /** What it holds on the resource, as a provider that marks its grants lists them. */
  async list(resource: Resource): Promise<ExistingGrant[]> {
    this.calls.push({ op: "list", path: resource.id, principal: "*" });
    return [...this.held.values()]
      .filter((g) => g.resource.id === resource.id)
      .map((g) => ({ resourceId: resource.id, principal: g.principal, expiresAt: g.expiresAt, managedByGitgrant: true }));
  }
}
