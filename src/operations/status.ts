// What do I have: a person's access on the default branch (active, or pending until its
// starts_at) with the time left, and what they asked for in open pull requests (on GitHub).
import { REQUESTS_DIR } from "../core/config.js";
import { formatDuration } from "../core/duration.js";
import { classifyPath } from "../core/paths.js";
import { isoSeconds } from "../core/time.js";
import type { AccessRepo, ChangeWriter } from "../git/types.js";
import type { ExpiryReport } from "../core/expiry.js";
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
  const report = await expiryReport(input.read, { ref: input.ref, now: input.now });
  return statusFromReport(report, input.write.kind === "github" ? input.write : null, input.login, input.now);
}

/**
 * One person's rows from a judged branch (a clone's, or the app's read over GraphQL) and,
 * given a writer on GitHub, from the open pull requests: the CLI and the app's
 * `/gitgrant status` comment say the same thing.
 */
export async function statusFromReport(report: ExpiryReport, requests: Pick<ChangeWriter, "openChanges" | "changeFiles"> | null, login: string, now: Date): Promise<StatusReport> {
  const rows: StatusRow[] = [];
  for (const g of report.grants) {
    const resource = ofLogin(g.path, login);
    if (!resource || g.status === "expired") continue;
    const left = g.status === "active" ? `${formatDuration(g.grant.expiresAt.getTime() - now.getTime())} left` : `starts in ${formatDuration(g.grant.startsAt.getTime() - now.getTime())}`;
    rows.push({ state: g.status, resource, path: g.path, starts_at: isoSeconds(g.grant.startsAt), expires_at: isoSeconds(g.grant.expiresAt), left, pr: null, url: null });
  }
  const unreadable = report.unreadable.filter((u) => ofLogin(u.path, login));
  if (requests) {
    for (const change of await requests.openChanges()) {
      const files = await requests.changeFiles(change);
      for (const f of files) {
        const resource = f.status !== "removed" && f.path.startsWith(`${REQUESTS_DIR}/`) ? ofLogin(f.path, login) : null;
        if (resource) rows.push({ state: "requested", resource, path: f.path, starts_at: null, expires_at: null, left: `PR #${change.number} open${change.draft ? " (draft)" : ""}`, pr: change.number, url: change.url });
      }
    }
  }
  const order = { active: 0, pending: 1, requested: 2 };
  rows.sort((a, b) => order[a.state] - order[b.state] || (a.resource < b.resource ? -1 : 1));
  return { login, rows, unreadable, requestsListed: requests !== null };
}

/** The table's columns and cells, the same in the terminal and in a comment. */
export const STATUS_HEADERS = ["STATE", "RESOURCE", "UNTIL", "LEFT", "FILE"];

export function statusCells(r: StatusRow): string[] {
  return [r.state, r.resource, r.expires_at ?? "-", r.left, r.url ?? r.path];
}

export function noAccessText(login: string): string {
  return `${login} has no access and no open request.`;
}

/** The report as Markdown (the app's comment): the same columns and words as `gitgrant status`. */
export function statusMarkdown(report: StatusReport): string {
  const cell = (v: string) => v.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
  const lines = report.rows.length
    ? [`| ${STATUS_HEADERS.join(" | ")} |`, `|${STATUS_HEADERS.map(() => "---").join("|")}|`, ...report.rows.map((r) => `| ${statusCells(r).map(cell).join(" | ")} |`)]
    : [noAccessText(report.login)];
  for (const u of report.unreadable) lines.push("", `Warning: \`${u.path}\`: ${u.reason}`);
  return lines.join("\n");
}

/**
 * `/gitgrant status [@login]` on the first line of a comment. Null: not this command;
 * `{ error }`: this command with an argument that is not a GitHub login.
 */
export function parseStatusCommand(body: string): { login?: string } | { error: string } | null {
  const first = (body.trimStart().split(/\r?\n/, 1)[0] ?? "").trimEnd();
  const m = /^\/gitgrant[ \t]+status(?:[ \t]+(.*))?$/i.exec(first);
  if (!m) return null;
  const arg = m[1]?.trim();
  if (!arg) return {};
  const login = /^@?([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})$/.exec(arg)?.[1];
  return login ? { login } : { error: "the argument is not a GitHub login; write /gitgrant status or /gitgrant status @login" };
}
