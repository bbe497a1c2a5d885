// A small access repository for apply tests, and a Provider that records what it is asked
// to do (and fails on cue) instead of touching any real system.
import type { Grant, GrantRef, ProviderName, Resource } from "../../src/core/types.js";
import { ProviderError, type ExistingGrant, type Provider, type ProviderErrorKind, type ProviderOutcome } from "../../src/providers/types.js";

export const CATALOG = `resources:
  staging-deploy:
    sensitivity: low
    max_duration: 8h
    provider: local
    target: { name: staging-deployers }
  prod-db-read:
    sensitivity: low
    max_duration: 8h
    provider: aws-iam
    target: { mode: assume-role, role_arn: "arn:aws:iam::123456789012:role/prod-db-read" }
  prod-db-admin:
    sensitivity: high
    max_duration: 4h
    provider: aws-iam
    target: { mode: group, group: prod-db-admins }
  infra-admins:
    sensitivity: high
    max_duration: 1h
    provider: github-team
    target: { org: acme, team: infra-admins }
`;

export const POLICY = `settings:
  timezone: UTC
tiers:
  - name: self-service
    match: { sensitivity: [low], max_duration: 4h }
    approvals: 0
  - name: conditional
    match: { sensitivity: [low, medium] }
    approvals: 1
  - name: escalated
    match: { sensitivity: [high, critical] }
    approvals: 2
    max_duration: 2h
`;

export const IDENTITIES = `users:
  alice:
    aws: alice
  bob:
    aws: bob
  carol:
    aws: carol-aws
  erin:
    local: erin-contractor
`;

export function configFiles(): Record<string, string> {
  return {
    "access/catalog.yaml": CATALOG,
    "access/policy.yaml": POLICY,
    "access/identities.yaml": IDENTITIES,
    ".github/CODEOWNERS": "access/requests/ @acme/security\n",
  };
}

export function request(duration: string, extra = ""): string {
  return `reason: Investigate INC-1234, slow queries on the replica\nduration: ${duration}\n${extra}`;
}

export function resource(id: string, provider: ProviderName, target: Record<string, unknown> = {}): Resource {
  return { id, provider, target, sensitivity: "low", max_duration: "8h" };
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

  async list(resource: Resource): Promise<ExistingGrant[]> {
    this.calls.push({ op: "list", path: resource.id, principal: "*" });
    return [];
  }
}
