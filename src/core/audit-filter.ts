// Which lives an audit shows: the ones that overlap a period, for a person, for a resource.
import type { GrantLife } from "./audit-types.js";

export interface AuditFilter {
  since?: Date;
  until?: Date;
  user?: string;
  resource?: string;
}

/**
 * A life is in [since, until] when its file was on the branch at any moment of it: landed
 * before `until` and not removed (revoked or replaced) before `since`. A file still present
 * counts as present now, even past its expiry, because it still claims the access.
 */
export function filterLives(lives: GrantLife[], f: AuditFilter): GrantLife[] {
  const user = f.user?.replace(/^@/, "").toLowerCase();
  return lives.filter((l) => {
    if (user && l.requester !== user) return false;
    if (f.resource && l.resource !== f.resource) return false;
    if (f.until && l.landedAt > f.until) return false;
    if (f.since && l.end && l.end.at < f.since) return false;
    return true;
  });
}
