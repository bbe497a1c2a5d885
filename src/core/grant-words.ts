// How actions read: the same sentence in the terminal, the check run and the PR comment.
import type { Grant, GrantRef } from "./types.js";

/** "2026-11-29 14:30 UTC", with seconds only when they are not zero (windows are to the second). */
export function utc(date: Date): string {
  const iso = date.toISOString(); // 2026-11-29T14:30:05.000Z
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === "00" ? "" : `:${seconds}`} UTC`;
}

/** "alice → prod-db-read" */
export function who(ref: Pick<GrantRef, "login" | "resource">): string {
  return `${ref.login} → ${ref.resource.id}`;
}

export function expiryNote(nativeExpiry: boolean): string {
  return nativeExpiry ? "native expiry" : "removed by the sweep at expiry";
}

export function grantWords(grant: Grant, nativeExpiry: boolean): string {
  return `grant ${who(grant)} until ${utc(grant.expiresAt)} (${expiryNote(nativeExpiry)})`;
}

export function revokeWords(ref: GrantRef): string {
  return `revoke ${who(ref)}`;
}
