// Which grants are active, expired or not started yet at a given moment, from git alone:
// one `git log` pass for every file's landing, one `git ls-tree` for blob ids, one
// `git cat-file --batch` for the texts, then core/window.ts for each window. No API call,
// so the sweep's GitHub traffic scales with what it changes, not with what exists.
//
// Boundaries are exact and to the second: a grant is active from startsAt (inclusive)
// until expiresAt (exclusive). At expiresAt itself it is expired; one second before, active.
import type { AccessConfig } from "../core/config.js";
import { REQUESTS_DIR } from "../core/config.js";
import { classifyPath } from "../core/paths.js";
import type { Grant } from "../core/types.js";
import { grantWindow } from "../core/window.js";
import { loadConfigAt } from "../git/load.js";
import { LocalGitRepo } from "../git/local.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { readBlobs, treeEntries, type GitOptions } from "../git/write.js";

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

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

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

/** Pure: every file's window and status at `now`. */
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

export interface ExpiryOptions extends GitOptions {
  /** The default branch (or any ref): the access that should exist. */
  ref: string;
  now: Date;
}

/** Every request file on `ref` of a local clone (full history needed), judged at `now`. */
export async function expiryReport(dir: string, options: ExpiryOptions): Promise<ExpiryReport> {
  const repo = new LocalGitRepo(dir, { env: options.env });
  const sha = await repo.resolve(options.ref);
  const [config, landings, entries] = await Promise.all([
    loadConfigAt(repo, sha, PROVIDER_RULES),
    repo.landings(sha, REQUESTS_DIR),
    treeEntries(dir, sha, REQUESTS_DIR, options),
  ]);
  const configProblems = config.problems.map((p) => `${p.path}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  const unreadable: Unreadable[] = [];
  const wanted = entries.filter((e) => {
    const where = classifyPath(e.path);
    if (where.kind === "request") return true;
    unreadable.push({ path: e.path, reason: where.kind === "bad-request-path" ? where.message : "not a request file" });
    return false;
  });
  const texts = await readBlobs(dir, wanted.map((e) => e.sha), options);
  const files: LandedFile[] = [];
  for (const e of wanted) {
    const landing = landings.get(e.path);
    const text = texts.get(e.sha);
    if (!landing || text === undefined) {
      unreadable.push({ path: e.path, reason: "git history does not say when this file landed" });
      continue;
    }
    files.push({ path: e.path, text, landedAt: landing.time, landingSha: landing.sha, blobSha: e.sha });
  }
  const judged = configProblems.length
    ? { grants: [], unreadable: files.map((f) => ({ path: f.path, reason: "the access configuration on the branch is broken" })) }
    : judgeWindows(config, files, options.now);
  return { ref: options.ref, sha, now: options.now, grants: judged.grants, unreadable: [...unreadable, ...judged.unreadable], configProblems, config };
}
