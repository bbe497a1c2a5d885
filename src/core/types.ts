// The shapes every layer shares. Pure data: no behaviour, no I/O.

export const SENSITIVITIES = ["low", "medium", "high", "critical"] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export const PROVIDER_NAMES = ["github-team", "aws-iam", "gcp-iam", "entra-group", "local"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Which key of identities.yaml holds a person's principal for each provider. */
export const IDENTITY_KEY: Record<ProviderName, "github" | "aws" | "gcp" | "entra" | "local"> = {
  "github-team": "github",
  "aws-iam": "aws",
  "gcp-iam": "gcp",
  "entra-group": "entra",
  local: "local",
};

export interface Resource {
  id: string;
  description?: string;
  sensitivity: Sensitivity;
  max_duration: string;
  provider: ProviderName;
  /** Provider-specific; each provider validates its own target. */
  target: Record<string, unknown>;
}

export interface Catalog {
  resources: Record<string, Resource>;
}

export interface Identity {
  github?: string;
  aws?: string;
  gcp?: string;
  entra?: string;
  local?: string;
}

/** Keys are lower-cased GitHub logins (logins compare case-insensitively). */
export interface Identities {
  users: Record<string, Identity>;
}

export interface TierMatch {
  sensitivity?: Sensitivity[];
  max_duration?: string;
  resources?: string[];
  providers?: ProviderName[];
}

export interface Tier {
  name: string;
  description?: string;
  match: TierMatch;
  approvals: number;
  auto_approve_if?: string;
  require?: Array<"ticket" | "reason">;
  max_duration?: string;
  allow_break_glass?: boolean;
  break_glass_max_duration?: string;
}

export interface PolicySettings {
  /** IANA zone for time.hour / time.weekday in conditions. */
  timezone: string;
  /** Request PRs not approved in this long are closed by the sweep. */
  pending_ttl: string;
  /** Weights of the risk score (see core/context.ts). */
  risk_weights: Record<string, number>;
  incident_label: string;
  incident_repo?: string;
  standing_threshold: string;
}

export interface Policy {
  tiers: Tier[];
  settings: PolicySettings;
}

/** One request file, as written by the requester. */
export interface AccessRequest {
  reason: string;
  duration?: string;
  expires_at?: string;
  starts_at?: string;
  ticket?: string;
  requester?: string;
  resource?: string;
  break_glass?: boolean;
  incident?: string;
}

/** A problem found in a file, pointing at a place in it where one is known. */
export interface FileError {
  message: string;
  line?: number;
  column?: number;
}

export type ChangeKind = "added" | "modified" | "deleted";

export interface FileChange {
  path: string;
  change: ChangeKind;
}

/** Who is being granted what: enough to revoke, even after the file is gone. */
export interface GrantRef {
  /** The request file's path: access/requests/<resource>/<login>.yaml */
  path: string;
  /** Lower-cased GitHub login from the path. */
  login: string;
  resource: Resource;
  /** The person's identity in the resource's provider (from identities.yaml). */
  principal: string;
}

/** A grant that should exist, with its window. */
export interface Grant extends GrantRef {
  startsAt: Date;
  expiresAt: Date;
  reason: string;
  ticket?: string;
}
