// A fake target for convergence tests: it holds grants per (resource, principal), lists them
// as a real provider would (with or without gitgrant's marker), counts every call, and fails
// on a script: ["transient", "ok"] fails the first try of that grant or revoke, then succeeds.
import type { Grant, GrantRef, Resource } from "../../src/core/types.js";
import { ProviderError, type ExistingGrant, type Provider, type ProviderErrorKind, type ProviderOutcome } from "../../src/providers/types.js";

export interface Held {
  principal: string;
  expiresAt?: Date;
  /** Whether the target marks it as gitgrant's (an AWS policy name, a ledger entry); group memberships never are. */
  marked: boolean;
  /** The target block it was granted on. */
  target?: Record<string, unknown>;
}

export class FakeTarget implements Provider {
  readonly held = new Map<string, Held>();
  readonly calls: Array<{ op: "grant" | "revoke" | "list"; resource: string; principal: string }> = [];
  private readonly tries = new Map<string, number>();

  constructor(
    readonly name: string,
    /** Per "op resource principal": the outcome of successive tries. */
    readonly script: Record<string, Array<ProviderErrorKind | "ok">> = {},
    /** Whether grants it makes carry gitgrant's marker. */
    private readonly marks = false,
    /** Per resource id: make list() fail with this kind. */
    readonly listFails: Record<string, ProviderErrorKind> = {},
  ) {}

  nativeExpiry(): boolean {
    return false;
  }

  checkTarget(): void {}

  key(resource: string, principal: string): string {
    return `${resource}\u0000${principal.toLowerCase()}`;
  }

  hold(resource: string, held: Held): this {
    this.held.set(this.key(resource, held.principal), held);
    return this;
  }

  holds(resource: string, principal: string): boolean {
    return this.held.has(this.key(resource, principal));
  }

  count(op: "grant" | "revoke" | "list"): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  private step(op: string, resource: string, principal: string): void {
    const key = `${op} ${resource} ${principal}`;
    const script = this.script[key];
    if (!script) return;
    const n = this.tries.get(key) ?? 0;
    this.tries.set(key, n + 1);
    const s = script[Math.min(n, script.length - 1)]!;
    if (s !== "ok") throw new ProviderError(s, `${this.name} said ${s} for ${op} ${principal}`);
  }

  async grant(grant: Grant): Promise<ProviderOutcome> {
    this.calls.push({ op: "grant", resource: grant.resource.id, principal: grant.principal });
    this.step("grant", grant.resource.id, grant.principal);
    const had = this.held.get(this.key(grant.resource.id, grant.principal));
    this.hold(grant.resource.id, { principal: grant.principal, marked: this.marks, target: grant.resource.target, ...(this.marks ? { expiresAt: grant.expiresAt } : {}) });
    return had ? { status: "unchanged", detail: `${grant.principal} already in ${grant.resource.id}` } : { status: "granted", detail: `added ${grant.principal} to ${grant.resource.id}` };
  }

  async revoke(ref: GrantRef): Promise<ProviderOutcome> {
    this.calls.push({ op: "revoke", resource: ref.resource.id, principal: ref.principal });
    this.step("revoke", ref.resource.id, ref.principal);
    const deleted = this.held.delete(this.key(ref.resource.id, ref.principal));
    return deleted ? { status: "revoked", detail: `removed ${ref.principal} from ${ref.resource.id}` } : { status: "unchanged", detail: `${ref.principal} not in ${ref.resource.id}` };
  }

  async list(resource: Resource): Promise<ExistingGrant[]> {
    this.calls.push({ op: "list", resource: resource.id, principal: "*" });
    const fails = this.listFails[resource.id];
    if (fails) throw new ProviderError(fails, `${this.name} could not list ${resource.id}`);
    const out: ExistingGrant[] = [];
    for (const [key, h] of this.held) {
      if (!key.startsWith(`${resource.id}\u0000`)) continue;
      out.push({ resourceId: resource.id, principal: h.principal, managedByGitgrant: h.marked, ...(h.expiresAt ? { expiresAt: h.expiresAt } : {}) });
    }
    return out;
  }
}
