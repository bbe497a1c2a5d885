// The shapes every layer shares. Pure data: no behaviour, no I/O.

export const SENSITIVITIES = ["low", "medium", "high", "critical"] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** A provider's name, e.g. "aws-iam". The names that exist are the registry's
 *  (src/providers/registry.ts), handed to the core as ProviderRules; a config naming any
 *  other is refused by the catalog schema built from them. */
export type ProviderName = string;

export interface Resource {
  id: string;
  description?: string;
  sensitivity: Sensitivity;
  max_duration: string;
  provider: ProviderName;
  /** Provider-specific; its provider's target check runs when the config is loaded. */
  target: Record<string, unknown>;
}

export interface Catalog {
  resources: Record<string, Resource>;
}

/** A person's principal in each provider, by identity key (github, aws, gcp, entra, local, ...). */
export type Identity = Partial<Record<string, string>>;

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
  /** The `until:` events a request in this tier may end on (none when absent). */
  allow_until?: UntilEvent[];
}

/**
 * An event that ends a grant before its window does (a request's `until:`): the referenced
 * PagerDuty incident resolves, or the requester's on-call shift ends. The window still caps it.
 */
export type UntilEvent = "incident-resolved" | "shift-end";
export const UNTIL_EVENTS: readonly UntilEvent[] = ["incident-resolved", "shift-end"];

export interface PolicySettings {
  /** IANA zone for time.hour / time.weekday in conditions. */
  timezone: string;
  /** Request PRs not approved in this long are closed by the sweep. */
  pending_ttl: string;
  /** Weights of the risk score (see core/context.ts). */
  risk_weights: Record<string, number>;
  incident_label: string;
  incident_repo?: string;
  /** "org/team": only issues opened or labelled by its members count as incidents. */
  incident_responders?: string;
  standing_threshold: string;
  /** How far from now a condition-approved request may start (auto_approve_if judges this moment's signals). */
  conditional_start_leeway: string;
  /** PagerDuty ids: on-call counts only on these policies / schedules (all when none); incidents are these services'. */
  pagerduty?: { escalation_policies?: string[]; schedules?: string[]; services?: string[] };
  /** How far back the Entra sign-in log is read for signin.* (default 24h). */
  signin_lookback?: string;
  /** Who writes evidence commits (gitgrant audit). */
  evidence?: EvidenceSettings;
}

export interface EvidenceSettings {
  /** The app's bot login ("gitgrant-acme[bot]"): the author of its merge commits. */
  app_bot?: string;
  /** The email the sweep commits as, when it commits itself. */
  sweep_identity?: string;
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
  /** End the grant at this event, if it comes before the window ends. */
  until?: UntilEvent;
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
  /**
   * The git mode at head ("100644"), where the reader knows it. Anything but a regular file
   * (a symlink 120000, a submodule 160000) under access/ is refused.
   */
  mode?: string;
}

/** Regular files: the only entries allowed under access/. */
export const REGULAR_MODES: ReadonlySet<string> = new Set(["100644", "100755"]);

/** A git mode in words, for messages. */
export function modeWords(mode: string): string {
  if (mode === "120000") return "a symbolic link (mode 120000)";
  if (mode === "160000") return "a submodule (mode 160000)";
  if (mode === "040000" || mode === "40000") return "a folder (mode 040000)";
  return `not a regular file (mode ${mode})`;
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
  /** The request's `until:` event. */
  until?: UntilEvent;
  /** The incident the request names (its `incident`, else its `ticket`). */
  incident?: string;
}
