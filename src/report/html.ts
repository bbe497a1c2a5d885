// The audit report: one self-contained HTML page (inline CSS, script and SVG; nothing is
// fetched when it is viewed), for publishing with GitHub Pages. Its Content-Security-Policy
// allows only its own stylesheet and script, by hash, so the page cannot load anything even
// if a request file's text tried to inject markup (it is escaped anyway).
import { createHash } from "node:crypto";
import { isoSeconds, shortTime } from "../core/audit-format.js";
import { lifeStatus } from "../core/lives.js";
import type { Access } from "../core/overdue.js";
import type { Metrics } from "../core/metrics.js";
import { METRICS_HEADERS, duration, metricsRows, percent } from "../core/metrics-table.js";
import type { GrantLife } from "../core/audit-types.js";
import { esc, jsonForScript } from "./escape.js";
import { PAGE_SCRIPT } from "./script.js";
import { timelineSvg } from "./timeline.js";

export interface ReportInput {
  lives: GrantLife[];
  metrics: Metrics;
  now: Date;
  /** The commit audited. */
  head: string | null;
  title?: string;
  /** https://github.com/acme/access: PRs and commits become links (navigation only, nothing loads). */
  repoUrl?: string;
  /** Timeline rows drawn at most. */
  maxTimelineRows?: number;
  /** Per life: whether access may still be live although git says it ended (core/overdue.ts). */
  access?: ReadonlyMap<number, Access>;
}

const CSS = `
body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #24292f; margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #57606a; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 20px; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { border-bottom: 1px solid #d8dee4; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
tr.incomplete td { background: #fff8f0; }
.bad { color: #d1242f; font-weight: 600; } .ok { color: #1a7f37; }
.muted { color: #57606a; }
.scroll { overflow-x: auto; }
#errors { white-space: pre-wrap; color: #d1242f; border: 1px solid #d1242f; padding: 8px; }
.controls { margin: 8px 0; display: flex; gap: 16px; align-items: center; }
`;

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64");
}

function link(url: string | undefined, path: string, text: string): string {
  return url ? `<a href="${esc(`${url}/${path}`)}">${esc(text)}</a>` : esc(text);
}

function metricsSection(m: Metrics): string {
  const o = m.overall;
  const card = (label: string, value: string, hint = "") => `<div class="card"><b>${esc(value)}</b>${esc(label)}${hint ? `<div class="muted">${esc(hint)}</div>` : ""}</div>`;
  const cards = [
    card("grants", String(o.grants)),
    card("mean time to grant", duration(o.time_to_grant.mean_ms), `p50 ${duration(o.time_to_grant.p50_ms)} · p95 ${duration(o.time_to_grant.p95_ms)}`),
    card("mean revoke after expiry", duration(o.time_to_revoke_after_expiry.mean_ms), `${o.time_to_revoke_after_expiry.count} revokes after expiry`),
    card("handled without a human", percent(o.without_human_share), `${o.without_human} of ${o.grants}`),
    card("audit completeness", percent(o.completeness), `${o.complete_evidence} of ${o.grants} complete`),
    card("standing privileges", String(o.standing.count), `${o.standing.without_expiry} without expiry · threshold ${m.standing_threshold}`),
    card("overdue", String(o.overdue), "ended in git, access may still be live"),
  ].join("");
  const rows = metricsRows(m).map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  return `<div class="cards">${cards}</div>
<div class="scroll"><table id="metrics"><thead><tr>${METRICS_HEADERS.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function auditRow(l: GrantLife, now: Date, repoUrl: string | undefined, byIndex: Map<number, GrantLife>, access?: Access): string {
  const status = access?.overdue ? "overdue" : lifeStatus(l, now);
  const end = l.end;
  const how = access?.words ?? (end?.kind === "revoked" ? `revoked: ${end.reason}` : end?.kind === "superseded" ? `edited (${byIndex.get(end.by)?.kind ?? "edit"})` : status);
  const endPr = end?.kind === "revoked" && end.pr ? link(repoUrl, `pull/${end.pr}`, `#${end.pr}`) : "";
  const evidence = l.evidence.complete
    ? `<span class="ok">complete</span>`
    : `<span class="bad">incomplete</span><div>${l.evidence.missing.map(esc).join("<br>")}</div>`;
  const notes = l.evidence.notes.length ? `<div class="muted">${l.evidence.notes.map(esc).join("<br>")}</div>` : "";
  const cells = [
    esc(l.requester),
    esc(l.resource),
    esc(l.tier ?? "-"),
    esc(l.approvers.join(", ") || "-"),
    l.pr ? link(repoUrl, `pull/${l.pr}`, `#${l.pr}`) : "-",
    esc(shortTime(l.requestedAt)),
    esc(shortTime(l.grantedAt)),
    esc(l.expiresAt ? shortTime(l.expiresAt) : "none"),
    esc(end ? shortTime(end.at) : ""),
    `${esc(how)} ${endPr}`.trim(),
    evidence + notes,
    esc(l.reason ?? ""),
    esc(l.ticket ?? ""),
    link(repoUrl, `commit/${l.sha}`, l.sha.slice(0, 10)),
  ];
  return `<tr class="${l.evidence.complete ? "complete" : "incomplete"} ${status}">${cells.map((c) => `<td>${c}</td>`).join("")}</tr>`;
}

export function renderReport(input: ReportInput): string {
  const { lives, metrics, now } = input;
  const title = input.title ?? "gitgrant access audit";
  const repoUrl = input.repoUrl?.replace(/\/+$/, "");
  const timeline = timelineSvg(lives, { now, maxRows: input.maxTimelineRows });
  const byIndex = new Map(lives.map((l) => [l.index, l]));
  const incomplete = lives.filter((l) => !l.evidence.complete).length;
  const headers = ["Requester", "Resource", "Tier", "Approvers", "PR", "Requested", "Granted", "Expires", "Ended", "How", "Evidence", "Reason", "Ticket", "Commit"];
  const csp = `default-src 'none'; style-src 'sha256-${sha256(CSS)}'; script-src 'sha256-${sha256(PAGE_SCRIPT)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">Generated ${esc(isoSeconds(now))} from ${input.head ? `commit ${link(repoUrl, `commit/${input.head}`, input.head.slice(0, 12))}` : "git history"}: ${lives.length} grants, ${incomplete} with incomplete evidence. Times are UTC.</p>
<pre id="errors" hidden></pre>
<h2>Metrics</h2>
${metricsSection(metrics)}
<h2>Timeline</h2>
<p class="muted">One row per person and resource; a bar is a grant's window (green active, blue ended, red incomplete evidence); a thin grey line is a file left on the branch after expiry.${timeline.hidden ? ` ${timeline.hidden} older rows are not drawn.` : ""}</p>
<div class="scroll">${timeline.svg || "<p>No grants.</p>"}</div>
<h2>Audit</h2>
<div class="controls"><label>Filter <input id="filter" type="search" placeholder="person, resource, PR, reason"></label><label><input id="only-incomplete" type="checkbox"> only incomplete evidence</label><span><span id="shown">${lives.length}</span> shown</span></div>
<div class="scroll"><table id="audit"><thead><tr>${headers.map((h) => `<th>${h}</th>`).join("")}</tr></thead>
<tbody>
${lives.map((l) => auditRow(l, now, repoUrl, byIndex, input.access?.get(l.index))).join("\n")}
</tbody></table></div>
<script type="application/json" id="report-data">${jsonForScript({ rows: lives.length, incomplete, generated: isoSeconds(now), head: input.head })}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
