// How a verdict reads on the check run: a title, a summary table (file, requester, resource,
// tier, approvals needed and from whom, reasons) and one annotation per error at its line.
// The summary is cut row by row to GitHub's text limit (github/limits.ts); titles are kept to
// one line of 255 characters, messages to 4,000, so one huge error cannot crowd out the rest.
import type { CheckResult, FileVerdict } from "../core/evaluate.js";
import { TEXT_LIMIT, clip } from "../github/limits.js";

const TITLE_LIMIT = 255;
const MESSAGE_LIMIT = 4_000;

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "failure" | "warning" | "notice";
  title: string;
  message: string;
}

export type CheckStatus = { status: "in_progress" } | { status: "completed"; conclusion: "success" | "failure" | "neutral" };

export interface Verdict {
  state: CheckStatus;
  title: string;
}

/** Markdown-safe in a table cell: no pipes, no line breaks, no HTML from request files. */
export function cell(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}

export function title(text: string): string {
  return clip(text.replace(/[\r\n]+/g, " "), TITLE_LIMIT);
}

function approvalsCell(f: FileVerdict): string {
  if (f.approvals_required === 0) return "none";
  const have = f.approved_by.length ? ` (approved by ${f.approved_by.join(", ")})` : "";
  return `${Math.min(f.approved_by.length, f.approvals_required)} of ${f.approvals_required} from ${f.approvers.join(" ") || "nobody"}${have}`;
}

function row(f: FileVerdict): string {
  const reasons = [
    ...f.errors.map((e) => `❌ ${e.message}${e.line ? ` (line ${e.line})` : ""}`),
    ...f.reasons,
  ];
  return `| ${f.valid ? "✅" : "❌"} | \`${cell(f.path)}\` (${f.change}) | ${cell(f.requester ?? "-")} | ${cell(f.resource ?? "-")} | ${cell(f.tier ?? "-")} | ${cell(approvalsCell(f))} | ${reasons.map(cell).join("<br>") || "-"} |`;
}

/** The summary, cut row by row to fit GitHub's limit; the annotations still carry every error. */
export function renderSummary(result: CheckResult, header: string[], footer: string[] = []): string {
  const head = [...header, "", "| | File | Requester | Resource | Tier | Approvals | Reasons |", "|---|---|---|---|---|---|---|"];
  const tail = ["", "**Overall**", "", ...result.reasons.map((r) => `- ${cell(r)}`), ...(footer.length ? ["", ...footer] : [])];
  const fixed = [...head, ...tail].join("\n").length + 200;
  const rows: string[] = [];
  let size = fixed;
  for (const f of result.files) {
    const r = clip(row(f), TEXT_LIMIT / 4);
    if (size + r.length + 1 > TEXT_LIMIT) {
      rows.push(`| | … and ${result.files.length - rows.length} more file(s), cut to fit GitHub's summary limit; their errors are in the annotations | | | | | |`);
      break;
    }
    rows.push(r);
    size += r.length + 1;
  }
  if (!result.files.length) rows.push("| | (no files) | | | | | |");
  return clip([...head, ...rows, ...tail].join("\n"), TEXT_LIMIT);
}

/** One annotation per error, at its line in the head version of the file. */
export function annotations(result: CheckResult): Annotation[] {
  const out: Annotation[] = [];
  for (const f of result.files) {
    if (f.change === "deleted") continue; // nothing at head to point at; the summary says it
    for (const e of f.errors) {
      const line = e.line && e.line > 0 ? e.line : 1;
      out.push({
        path: f.path,
        start_line: line,
        end_line: line,
        // GitHub takes columns only within one line, which ours always are.
        ...(e.column && e.line ? { start_column: e.column, end_column: e.column } : {}),
        annotation_level: "failure",
        title: "gitgrant: this request cannot be granted",
        message: clip(e.message, MESSAGE_LIMIT),
      });
    }
  }
  return out;
}

/** The check's state: failure when invalid, in progress while people must approve, success when gitgrant may merge. */
export function verdictOf(result: CheckResult, draft: boolean, moved = false, hold: string | null = null): Verdict {
  const requests = result.files.filter((f) => f.kind === "request");
  const waiting = requests.filter((f) => f.approved_by.length < f.approvals_required);
  const blocked = requests.some((f) => f.reasons.some((r) => r.startsWith("changes requested by")));
  const others = result.files.length - requests.length;
  if (!result.ok) {
    const invalid = result.files.filter((f) => !f.valid).length;
    return { state: { status: "completed", conclusion: "failure" }, title: title(invalid ? `${invalid} of ${result.files.length} file(s) cannot be granted` : result.reasons[0] ?? "Refused") };
  }
  if (!result.files.length) return { state: { status: "completed", conclusion: "neutral" }, title: "No files changed" };
  if (hold) return { state: { status: "completed", conclusion: "neutral" }, title: title(hold) };
  if (waiting.length) {
    const who = [...new Set(waiting.flatMap((f) => f.approvers))].join(", ");
    const need = waiting.reduce((n, f) => n + f.approvals_required - f.approved_by.length, 0);
    return { state: { status: "in_progress" }, title: title(blocked ? "Changes requested by a code owner" : `Waiting for ${need} approval(s) from ${who || "a code owner"}`) };
  }
  if (others) {
    return { state: { status: "completed", conclusion: "neutral" }, title: "Not merged by gitgrant: changes outside access/requests/ need normal review" };
  }
  const how = result.auto_merge ? "Self-service" : `Approved by ${[...new Set(requests.flatMap((f) => f.approved_by))].join(", ")}`;
  const what = draft ? `${how}; a draft, so merged only when marked ready for review` : moved ? `${how}; not merged: the pull request has a newer head, judged on its own` : `${how}: merging`;
  return { state: { status: "completed", conclusion: "success" }, title: title(what) };
}
