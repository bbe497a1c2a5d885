// Branch names, commit messages and PR texts of revokes. The same words go into a local
// commit and a GitHub PR, and the trailers are the evidence `git log` keeps.
import { createHash } from "node:crypto";
import { REQUESTS_DIR } from "./config.js";
import { classifyPath } from "./paths.js";
import { isoSeconds as iso } from "./time.js";
import { formatTrailers, type RevokeReason, type Trailer } from "./trailers.js";

/** Every branch gitgrant's revokes use starts here (the app can recognise them). */
export const REVOKE_BRANCH_PREFIX = "gitgrant/revoke/";
export const BULK_BRANCH_PREFIX = "gitgrant/revoke-bulk/";
/** Branches of gitgrant's own revoke changes: the sweep's and `gitgrant revoke`'s. */
export const REVOKE_BRANCH_PREFIXES: readonly string[] = [REVOKE_BRANCH_PREFIX, BULK_BRANCH_PREFIX];
export const REVOKE_LABEL = "access:revoke";
/** The one open issue that lists access no request file accounts for. */
export const DRIFT_LABEL = "access:drift";

/** `gitgrant/revoke/<resource>/<login>`: one per request file, so at most one open PR per file. */
export function revokeBranch(path: string): string {
  const where = classifyPath(path);
  if (where.kind !== "request") throw new Error(`${path} is not a request file`);
  return `${REVOKE_BRANCH_PREFIX}${where.parsed.resourceId}/${where.parsed.login}`;
}

/** The request file a sweep branch removes, or null for any other branch. */
export function pathOfRevokeBranch(branch: string): string | null {
  if (!branch.startsWith(REVOKE_BRANCH_PREFIX)) return null;
  const [resource, login, ...rest] = branch.slice(REVOKE_BRANCH_PREFIX.length).split("/");
  if (!resource || !login || rest.length) return null;
  const path = `${REQUESTS_DIR}/${resource}/${login}.yaml`;
  return classifyPath(path).kind === "request" ? path : null;
}

export type RevokeSelector = { user: string } | { resource: string } | { files: string[] };

/**
 * A bulk revoke's branch, named by what it selects so that running the same revoke again
 * refreshes the open PR instead of opening another: gitgrant/revoke-bulk/user/alice.
 * (A separate prefix: gitgrant/revoke/user/alice would clash with a resource named "user".)
 */
export function bulkBranch(selector: RevokeSelector): string {
  if ("user" in selector) return `${BULK_BRANCH_PREFIX}user/${selector.user.toLowerCase()}`;
  if ("resource" in selector) return `${BULK_BRANCH_PREFIX}resource/${selector.resource}`;
  const digest = createHash("sha256").update([...selector.files].sort().join("\n")).digest("hex").slice(0, 12);
  return `${BULK_BRANCH_PREFIX}files/${digest}`;
}

export function revokeTrailers(paths: string[], reason: RevokeReason): Trailer[] {
  return [...paths.map((p) => ({ key: "Revoke", value: p })), { key: "Revoke-reason", value: reason }];
}

/** "staging-deploy for alice": resource first, so a list of revoke PRs sorts by resource. */
function grantOfFile(path: string): string {
  const where = classifyPath(path);
  return where.kind === "request" ? `${where.parsed.resourceId} for ${where.parsed.login}` : path;
}

export interface ExpiredFile {
  path: string;
  expiresAt: Date;
  startsAt: Date;
  landingSha: string;
}

export function expiredTitle(f: ExpiredFile): string {
  return `Revoke expired access: ${grantOfFile(f.path)}`;
}

/** The commit message of a sweep revoke: title, why, then the trailers. */
export function expiredCommitMessage(f: ExpiredFile): string {
  const why = `${f.path} expired at ${iso(f.expiresAt)} (window ${iso(f.startsAt)} to ${iso(f.expiresAt)}, landed in ${f.landingSha.slice(0, 7)}).`;
  return `${expiredTitle(f)}\n\n${why}\n\n${formatTrailers(revokeTrailers([f.path], "expired"))}\n`;
}

/** The PR body: why, when, what merging does, and the Revoke-reason line the app reads. */
export function expiredPrBody(f: ExpiredFile, nativeExpiry: boolean): string {
  return [
    `gitgrant's expiry sweep: the grant of **${grantOfFile(f.path)}** has ended, so its request file is removed.`,
    "",
    `- File: \`${f.path}\``,
    `- Window: ${iso(f.startsAt)} to ${iso(f.expiresAt)} (expired at ${iso(f.expiresAt)})`,
    `- Landed in: ${f.landingSha}`,
    "",
    nativeExpiry
      ? "The target system ended this access itself at the expiry second; merging records it and cleans up."
      : "Merging applies the revoke in the target system. This PR is gitgrant's own revoke: self-service, merged by the app.",
    "To keep the access, merge an edit to the file instead (a new request, judged again); this PR is then closed by the next sweep.",
    "",
    formatTrailers(revokeTrailers([f.path], "expired")),
  ].join("\n");
}

export function selectorWords(selector: RevokeSelector): string {
  if ("user" in selector) return `every grant of ${selector.user.toLowerCase()}`;
  if ("resource" in selector) return `every grant on ${selector.resource}`;
  return `${selector.files.length} request file(s)`;
}

export function bulkTitle(selector: RevokeSelector, reason: RevokeReason): string {
  return `Revoke ${selectorWords(selector)} (${reason})`;
}

export function bulkCommitMessage(selector: RevokeSelector, reason: RevokeReason, paths: string[], note?: string): string {
  const body = `Removes ${paths.length} request file(s): ${selectorWords(selector)}.${note ? ` ${note.replace(/[\r\n]+/g, " ")}` : ""}`;
  return `${bulkTitle(selector, reason)}\n\n${body}\n\n${formatTrailers(revokeTrailers(paths, reason))}\n`;
}

export function bulkPrBody(selector: RevokeSelector, reason: RevokeReason, paths: string[], note?: string): string {
  return [
    `Revokes ${selectorWords(selector)} (reason: **${reason}**).${note ? ` ${note}` : ""}`,
    "",
    ...paths.map((p) => `- \`${p}\``),
    "",
    "Merging applies every revoke in its target system.",
    "",
    formatTrailers(revokeTrailers(paths, reason)),
  ].join("\n");
}

export interface UnmanagedGrant {
  resource: string;
  provider: string;
  principal: string;
  words: string;
}

/** The drift issue: every grant in a target with no request file, for a person to decide. */
export function driftIssueBody(unmanaged: UnmanagedGrant[], now: Date, sha: string): string {
  return [
    `\`gitgrant reconcile\` found access in the target systems that no request file on the default branch accounts for (as at ${iso(now)}, commit ${sha.slice(0, 7)}).`,
    "gitgrant never removes access it did not create. For each one, either add a request file (so the access is managed and expires) or remove it in the target system.",
    "",
    "| resource | provider | who | why |",
    "|---|---|---|---|",
    ...unmanaged.map((u) => `| ${u.resource} | ${u.provider} | ${u.principal.replace(/\|/g, "\\|")} | ${u.words.replace(/\|/g, "\\|")} |`),
    "",
    "This issue is updated by every reconcile run while drift remains.",
  ].join("\n");
}
