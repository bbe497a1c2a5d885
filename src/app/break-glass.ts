// Break-glass (DESIGN flow 6): access granted at once, reviewed after the fact. When a
// break-glass PR is merged, one issue asks the code owners to review it, with the PR and
// the grant window. Idempotent: the issue carries a marker naming the PR, and an existing
// one is found by its label before another is opened.
import { classifyPath } from "../core/paths.js";
import { checkRequest } from "../core/request.js";
import { grantWindow } from "../core/window.js";
import { isoSeconds } from "../core/evaluate.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import type { Judgement } from "./judge.js";
import { cell } from "./summary.js";
import { REST_PAGE_SIZE, TEXT_LIMIT, clip } from "../github/limits.js";

export const BREAK_GLASS_REVIEW_LABEL = "access:break-glass-review";

export function marker(number: number): string {
  return `<!-- gitgrant:break-glass-review pr=${number} -->`;
}

export interface BreakGlassIssue {
  title: string;
  body: string;
  labels: string[];
}

/** The issue for a merged PR, or null when no file in it is break-glass. */
export function breakGlassIssue(j: Judgement, mergedAt: Date): BreakGlassIssue | null {
  const files = j.result.files.filter((f) => f.break_glass && f.change !== "deleted");
  if (!files.length) return null;
  const owners = new Set<string>();
  const rows = files.map((f) => {
    f.approvers.forEach((o) => owners.add(o));
    const text = j.changes.find((c) => c.path === f.path)?.text ?? "";
    const win = grantWindow(j.config, f.path, text, mergedAt);
    const where = classifyPath(f.path);
    const req = where.kind === "request" ? checkRequest(j.config, where.parsed, text, mergedAt).request : null;
    const window = win.ok ? `${isoSeconds(win.grant.startsAt)} to ${isoSeconds(win.grant.expiresAt)}` : `unknown (${win.reason})`;
    return `| \`${cell(f.path)}\` | ${cell(f.requester ?? "-")} | ${cell(f.resource ?? "-")} | ${cell(req?.incident ?? req?.ticket ?? "-")} | ${window} | ${cell(req?.reason ?? "-")} |`;
  });
  const who = [...new Set(files.map((f) => f.requester ?? "someone"))].join(", ");
  const resources = [...new Set(files.map((f) => f.resource ?? "?"))].join(", ");
  const body = [
    marker(j.target.number),
    `Break-glass access was granted at once by #${j.target.number}, without approval, and needs review after the fact.`,
    "",
    "| File | Requester | Resource | Incident | Window | Reason |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `${[...owners].join(" ") || "Security team"}: please review #${j.target.number} and close this issue when the access was justified.`,
    "If it was not, revoke it now: delete the request file in a pull request, or run `gitgrant revoke --user <login>`.",
  ].join("\n");
  return { title: `Break-glass review: ${who} on ${resources} (#${j.target.number})`, body, labels: [BREAK_GLASS_REVIEW_LABEL] };
}

/** Opens the issue unless one for this PR exists; returns its number and whether it is new. */
export async function ensureBreakGlassIssue(api: GitHub, where: RepoRef, number: number, issue: BreakGlassIssue): Promise<{ number: number; created: boolean }> {
  // Newest first; the issue for a PR merged just now is on the first page. The issues list
  // reads the database directly, unlike search, which lags behind a redelivery.
  const { data } = await api.rest.issues.listForRepo({ ...where, labels: BREAK_GLASS_REVIEW_LABEL, state: "all", sort: "created", direction: "desc", per_page: REST_PAGE_SIZE });
  const found = data.find((i) => (i.body ?? "").includes(marker(number)));
  if (found) return { number: found.number, created: false };
  const { data: created } = await api.rest.issues.create({ ...where, title: issue.title, body: clip(issue.body, TEXT_LIMIT), labels: issue.labels });
  return { number: created.number, created: true };
}
