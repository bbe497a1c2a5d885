// How a verdict reads in a terminal.
import type { CheckResult } from "../core/evaluate.js";
import { table } from "./io.js";

export function renderVerdict(result: CheckResult): string {
  const rows = result.files.map((f) => [
    f.valid ? "ok" : "INVALID",
    f.path,
    f.change,
    f.tier ?? "-",
    f.approvals_required ? `${f.approved_by.length}/${f.approvals_required} ${f.approvers.join(" ")}` : "0",
    f.expires_at ? f.expires_at.replace(".000Z", "Z") : "-",
  ]);
  const out = [table(["", "file", "change", "tier", "approvals", "expires if merged now"], rows), ""];
  for (const f of result.files) {
    if (!f.errors.length && !f.reasons.length) continue;
    out.push(`${f.path}`);
    for (const e of f.errors) out.push(`  error${e.line ? ` (line ${e.line}, column ${e.column ?? 1})` : ""}: ${e.message}`);
    for (const r of f.reasons) out.push(`  - ${r}`);
  }
  out.push("");
  out.push(`${result.ok ? "OK" : "NOT OK"}${result.auto_merge ? " - self-service, would be merged at once" : result.approved ? " - approved, would be merged" : ""}`);
  for (const r of result.reasons) out.push(`  ${r}`);
  return out.join("\n");
}

/** The JSON contract of `gitgrant check` (DESIGN "Entry points"). */
export function verdictJson(result: CheckResult): string {
  return JSON.stringify(result, null, 2);
}
