// Assembling grant lives from the default branch's history, commit by commit, oldest first.
// Pure: the reader (read.ts) feeds it file texts and the config of each commit's parent;
// tests feed it directly, without git.
import type { AccessConfig } from "./config.js";
import { tierMatches } from "./decide.js";
import { classifyPath } from "./paths.js";
import type { Tier } from "./types.js";
import { grantEvidence, mergeEvidence, revokeEvidence } from "./evidence.js";
import type { CommitInfo, CommitTrailers, GrantLife, LifeStatus } from "./audit-types.js";
import { computeWindow } from "./window-info.js";
import { own } from "./own.js";
import { hasMentions, mentionsFor, type ChatMentions } from "./chat.js";

export interface LandedFile {
  path: string;
  commit: CommitInfo;
  /** The file's text at that commit (null if it could not be read). */
  text: string | null;
  /** Catalog, policy and identities at the commit's parent (the base the app judged it on). */
  config: AccessConfig | null;
}

export class LivesBuilder {
  private readonly all: GrantLife[] = [];
  private readonly open = new Map<string, GrantLife>();
  readonly warnings: string[] = [];

  /** A request file added or changed on the default branch. Returns null for a path that is not a request file. */
  land(f: LandedFile): GrantLife | null {
    const where = classifyPath(f.path);
    if (where.kind !== "request") return null;
    const { commit, config } = f;
    // A commit gitgrant did not write has no trailers worth reading.
    const t = commit.provenance?.kind === "not-gitgrant" ? NO_TRAILERS : commit.trailers;
    let expiresAt: Date | null = null;
    let grantedAt = commit.landedAt;
    let reason: string | null = null;
    let ticket: string | null = null;
    let windowError: string | undefined;
    let capped: string | undefined;
    if (f.text === null) windowError = "the file could not be read from git";
    else if (!config) windowError = "no catalog, policy and identities before this commit";
    else {
      const w = computeWindow(config, f.path, f.text, commit.landedAt.getTime());
      ({ reason, ticket } = w);
      if (w.ok) {
        grantedAt = new Date(w.startsAt);
        expiresAt = new Date(w.expiresAt);
        capped = w.capped;
      } else windowError = w.error;
    }

    const { tierName, tier } = pickTier(t.tiers, config, where.parsed.resourceId, expiresAt ? expiresAt.getTime() - grantedAt.getTime() : null);
    const evidence = grantEvidence({ path: f.path, requester: where.parsed.login, trailers: t, tierName, tier, windowError, capped, provenance: commit.provenance });

    const prev = this.open.get(f.path);
    let kind: GrantLife["kind"] = "new";
    if (prev) {
      // An edit is a new decision; it replaces the previous window from the moment it lands.
      const stillOpen = prev.expiresAt === null || prev.expiresAt > commit.landedAt;
      kind = stillOpen ? "extension" : "renewal";
      prev.end = { kind: "superseded", at: commit.landedAt, sha: commit.sha, by: this.all.length };
    }
    const life: GrantLife = {
      index: this.all.length,
      kind,
      path: f.path,
      requester: where.parsed.login,
      resource: where.parsed.resourceId,
      reason,
      ticket,
      tier: tierName,
      approvers: t.approvedBy,
      approvalsRequired: tier ? tier.approvals : null,
      pr: t.pr,
      requestedBy: t.requestedBy,
      breakGlass: t.breakGlass,
      withoutHuman: t.grants.has(f.path) && t.approvedBy.length === 0,
      sha: commit.sha,
      author: commit.author,
      requestedAt: commit.requestedAt < commit.landedAt ? commit.requestedAt : commit.landedAt,
      landedAt: commit.landedAt,
      grantedAt,
      expiresAt,
      heldSince: kind === "extension" && prev ? prev.heldSince : grantedAt,
      end: null,
      evidence,
      provenance: commit.provenance?.kind ?? "unverified",
      ...handles(config, where.parsed.login),
    };
    this.all.push(life);
    this.open.set(f.path, life);
    return life;
  }

  /** A request file deleted on the default branch: the revoke of its open life (`config`: the commit's parent's, for chat handles). */
  remove(path: string, commit: CommitInfo, config: AccessConfig | null = null): GrantLife | null {
    if (classifyPath(path).kind !== "request") return null;
    const life = this.open.get(path);
    if (!life) {
      this.warnings.push(`${path} was deleted by ${commit.sha.slice(0, 12)} but never added in the history read (shallow clone?)`);
      return null;
    }
    const foreign = commit.provenance?.kind === "not-gitgrant";
    const r = revokeEvidence(path, foreign ? NO_TRAILERS : commit.trailers, commit.provenance);
    life.end = { kind: "revoked", at: commit.landedAt, sha: commit.sha, reason: r.reason, pr: foreign ? null : commit.trailers.pr, author: commit.author, ...handles(config, life.requester) };
    life.provenance = worse(life.provenance, commit.provenance?.kind ?? "unverified");
    life.evidence = mergeEvidence(life.evidence, r);
    this.open.delete(path);
    return life;
  }

  lives(): GrantLife[] {
    return this.all;
  }
}

/**
 * The Policy-tier trailer lists each tier of the PR once. One tier: it is this file's. Several
 * (a PR granting files of different tiers): the one the policy of the time gives this file.
 */
function pickTier(names: string[], config: AccessConfig | null, resourceId: string, durationMs: number | null): { tierName: string | null; tier: Tier | null } {
  const byName = (n: string | null) => (n && config ? (config.policy.tiers.find((x) => x.name === n) ?? null) : null);
  if (names.length === 0) return { tierName: null, tier: null };
  if (names.length === 1) return { tierName: names[0]!, tier: byName(names[0]!) };
  const resource = config ? own(config.catalog.resources, resourceId) : undefined;
  if (config && resource && durationMs !== null) {
    const matched = config.policy.tiers.find((x) => tierMatches(x, resource, durationMs));
    if (matched && names.includes(matched.name)) return { tierName: matched.name, tier: matched };
  }
  return { tierName: null, tier: null };
}

/** `{ mentions }` when identities give the person a chat handle, else nothing (most lives have none). */
function handles(config: AccessConfig | null, login: string): { mentions?: ChatMentions } {
  const m = config ? mentionsFor(config, [login]) : undefined;
  return m && hasMentions(m) ? { mentions: m } : {};
}

const NO_TRAILERS: CommitTrailers = { grants: new Set(), revokes: new Set(), requestedBy: [], approvedBy: [], tiers: [], revokeReasons: [], pr: null, breakGlass: false };

function worse(a: GrantLife["provenance"], b: GrantLife["provenance"]): GrantLife["provenance"] {
  if (a === "not-gitgrant" || b === "not-gitgrant") return "not-gitgrant";
  return a === "unverified" || b === "unverified" ? "unverified" : "gitgrant";
}

export function lifeStatus(life: GrantLife, now: Date): LifeStatus {
  if (life.end && life.end.at <= now) return life.end.kind;
  if (life.expiresAt && life.expiresAt <= now) return "expired";
  return "active";
}

/** When the access ended or will end: the earliest of revoke/supersede and expiry (null: open-ended). */
export function lifeEndsAt(life: GrantLife): Date | null {
  const ended = life.end?.at ?? null;
  if (ended && life.expiresAt) return ended < life.expiresAt ? ended : life.expiresAt;
  return ended ?? life.expiresAt;
}
