// Which grants are active, expired or not started yet at a given moment: the judgement,
// given what the branch holds (each request file's text and the commit it landed in).
// Reading those from git is operations/expiry.ts; the windows are core/window.ts.
//
// Boundaries are exact and to the second: a grant is active from startsAt (inclusive)
// until expiresAt (exclusive). At expiresAt itself it is expired; one second before, active.
import type { AccessConfig } from "./config.js";
import { classifyPath } from "./paths.js";
import { isoSeconds as iso } from "./time.js";
import type { Grant } from "./types.js";
import { grantWindow } from "./window.js";

export type GrantStatus = "active" | "expired" | "pending";

export interface GrantState {
  path: string;
  status: GrantStatus;
  grant: Grant;
  /** When the file last landed on the branch (the window's start unless starts_at is later). */
  landedAt: Date;
  /** The commit it landed in. */
  landingSha: string;
  /** The file's blob id on the branch (GitHub's contents API needs it to delete the file). */
  blobSha: string;
  /** True when starts_at put the start after the landing. */
  delayed: boolean;
  capped?: string;
  /** "expired at 2026-11-29T12:00:00Z, 2h after it landed in abc1234" */
  words: string;
}

/** A request file on the branch whose window cannot be computed; a person must look. */
export interface Unreadable {
  path: string;
  reason: string;
}

export interface ExpiryReport {
  ref: string;
  sha: string;
  now: Date;
  grants: GrantState[];
  unreadable: Unreadable[];
  /** Problems in catalog/policy/identities/CODEOWNERS on the branch, in words. */
  configProblems: string[];
  /** The config on the branch (resources, identities, settings.pending_ttl). */
  config: AccessConfig;
}

export interface LandedFile {
  path: string;
  text: string;
  landedAt: Date;
  landingSha: string;
  blobSha: string;
}

/** A file under access/requests on the branch, as read: its text and landing when known. */
export interface BranchFile {
  path: string;
  blobSha: string;
  text: string | null | undefined;
  landing: { sha: string; time: Date } | undefined;
}

/** Active while startsAt <= now < expiresAt; expired from expiresAt on. */
export function statusAt(grant: Pick<Grant, "startsAt" | "expiresAt">, now: Date): GrantStatus {
  if (now.getTime() >= grant.expiresAt.getTime()) return "expired";
  if (now.getTime() < grant.startsAt.getTime()) return "pending";
  return "active";
}

function describe(status: GrantStatus, grant: Grant, landedAt: Date, landingSha: string): string {
  const landed = `landed in ${landingSha.slice(0, 7)} at ${iso(landedAt)}`;
  if (status === "expired") return `expired at ${iso(grant.expiresAt)} (window ${iso(grant.startsAt)} to ${iso(grant.expiresAt)}; ${landed})`;
  if (status === "pending") return `starts at ${iso(grant.startsAt)} (starts_at), until ${iso(grant.expiresAt)}; ${landed}`;
  return `active until ${iso(grant.expiresAt)}; ${landed}`;
}

/** Every file's window and status at `now`. */
export function judgeWindows(config: AccessConfig, files: LandedFile[], now: Date): { grants: GrantState[]; unreadable: Unreadable[] } {
  const grants: GrantState[] = [];
  const unreadable: Unreadable[] = [];
  for (const f of files) {
    const w = grantWindow(config, f.path, f.text, f.landedAt);
    if (!w.ok) {
      unreadable.push({ path: f.path, reason: w.reason });
      continue;
    }
    const status = statusAt(w.grant, now);
    grants.push({
      path: f.path,
      status,
      grant: w.grant,
      landedAt: f.landedAt,
      landingSha: f.landingSha,
      blobSha: f.blobSha,
      delayed: w.grant.startsAt.getTime() > Math.floor(f.landedAt.getTime() / 1000) * 1000,
      ...(w.capped ? { capped: w.capped } : {}),
      words: describe(status, w.grant, f.landedAt, f.landingSha),
    });
  }
  return { grants, unreadable };
}

/** Whether a path under access/requests is a request file, and if not, why, for a person. */
export function requestFileProblem(path: string): string | null {
  const where = classifyPath(path);
  if (where.kind === "request") return null;
  return where.kind === "bad-request-path" ? where.message : "not a request file";
}

/**
 * The branch judged at `now`: files that are not request files, or whose landing or text
 * is unknown, are unreadable with the reason; with a broken config no window is trusted.
 */
export function judgeBranch(input: { ref: string; sha: string; now: Date; config: AccessConfig; files: BranchFile[] }): ExpiryReport {
  const { config } = input;
  const configProblems = config.problems.map((p) => `${p.path}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  const unreadable: Unreadable[] = [];
  const requests = input.files.filter((f) => {
    const problem = requestFileProblem(f.path);
    if (problem) unreadable.push({ path: f.path, reason: problem });
    return !problem;
  });
  const landed: LandedFile[] = [];
  for (const f of requests) {
    if (!f.landing || typeof f.text !== "string") {
      unreadable.push({ path: f.path, reason: "git history does not say when this file landed" });
      continue;
    }
    landed.push({ path: f.path, text: f.text, landedAt: f.landing.time, landingSha: f.landing.sha, blobSha: f.blobSha });
  }
  const judged = configProblems.length
    ? { grants: [], unreadable: landed.map((f) => ({ path: f.path, reason: "the access configuration on the branch is broken" })) }
    : judgeWindows(config, landed, input.now);
  return { ref: input.ref, sha: input.sha, now: input.now, grants: judged.grants, unreadable: [...unreadable, ...judged.unreadable], configProblems, config };
}
