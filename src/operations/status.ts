// What do I have: a person's access on the default branch (active, or pending until its
// starts_at) with the time left, and what they asked for in open pull requests (on GitHub).
import { REQUESTS_DIR } from "../core/config.js";
import { formatDuration } from "../core/duration.js";
import { classifyPath } from "../core/paths.js";
import { isoSeconds } from "../core/time.js";
import type { AccessRepo, ChangeWriter } from "../git/types.js";
import { expiryReport } from "./expiry.js";

export interface StatusRow {
  state: "active" | "pending" | "requested";
  resource: string;
  path: string;
  /** active: until then; pending: from starts_at to expires_at; requested: null. */
  starts_at: string | null;
  expires_at: string | null;
  /** "1h 20m left", "starts in 2h", "PR #12 open" */
  left: string;
  pr: number | null;
  url: string | null;
}

export interface StatusReport {
  login: string;
  rows: StatusRow[];
  /** Files of this person that could not be judged, with why. */
  unreadable: Array<{ path: string; reason: string }>;
  /** False when open pull requests could not be listed (a local clone has none). */
  requestsListed: boolean;
}

function ofLogin(path: string, login: string): string | null {
  const where = classifyPath(path);
  return where.kind === "request" && where.parsed.login === login.toLowerCase() ? where.parsed.resourceId : null;
}

export async function accessStatus(input: { read: AccessRepo; write: ChangeWriter; ref: string; login: string; now: Date }): Promise<StatusReport> {
  const { login, now } = input;
  const report = await expiryReport(input.read, { ref: input.ref, now });
  const rows: StatusRow[] = [];
  for (const g of report.grants) {
    const resource = ofLogin(g.path, login);
    if (!resource || g.status === "expired") continue;
    const left = g.status === "active" ? `${formatDuration(g.grant.expiresAt.getTime() - now.getTime())} left` : `starts in ${formatDuration(g.grant.startsAt.getTime() - now.getTime())}`;
    rows.push({ state: g.status, resource, path: g.path, starts_at: isoSeconds(g.grant.startsAt), expires_at: isoSeconds(g.grant.expiresAt), left, pr: null, url: null });
  }
  const unreadable = report.unreadable.filter((u) => ofLogin(u.path, login));
  const requestsListed = input.write.kind === "github";
  if (requestsListed) {
    for (const change of await input.write.openChanges()) {
      const files = await input.write.changeFiles(change);
      for (const f of files) {
        const resource = f.status !== "removed" && f.path.startsWith(`${REQUESTS_DIR}/`) ? ofLogin(f.path, login) : null;
        if (resource) rows.push({ state: "requested", resource, path: f.path, starts_at: null, expires_at: null, left: `PR #${change.number} open${change.draft ? " (draft)" : ""}`, pr: change.number, url: change.url });
      }
    }
  }
  const order = { active: 0, pending: 1, requested: 2 };
  rows.sort((a, b) => order[a.state] - order[b.state] || (a.resource < b.resource ? -1 : 1));
  return { login, rows, unreadable, requestsListed };
}
