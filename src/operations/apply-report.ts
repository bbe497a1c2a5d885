// Apply results for people (terminal table, check run, PR comment) and machines (JSON).
// One place, so the terminal and GitHub say the same thing in the same words.
import type { ActionResult, Plan, Skipped } from "./plan-types.js";
import type { ConvergeResult } from "./converge.js";
import { TEXT_LIMIT } from "../github/limits.js";
import { utc, who } from "../core/grant-words.js";

/** Nothing failed and nothing was left in a state that needs a person. */
export function applyOk(results: ActionResult[], skipped: Skipped[]): boolean {
  return !results.some((r) => r.status === "failed") && !skipped.some((s) => s.problem);
}

/** The short sentence for a PR comment: "granted alice → prod-db-read until 2026-11-29 14:30 UTC". */
export function headline(result: ActionResult): string {
  const { action } = result;
  if (result.status === "failed" || result.status === "planned") return result.detail;
  if (action.kind === "revoke") {
    if (result.status === "kept") return `kept ${who(action.ref)}: ${result.detail}`;
    return result.status === "unchanged" ? `${who(action.ref)} was already revoked` : `revoked ${who(action.ref)}`;
  }
  const until = `until ${utc(action.grant.expiresAt)}`;
  const note = action.capped ? ` (${action.capped})` : "";
  if (result.status === "pending") return `pending ${who(action.grant)} ${until}${note}: ${result.detail}`;
  return result.status === "unchanged" ? `${who(action.grant)} already held it ${until}${note}` : `granted ${who(action.grant)} ${until}${note}`;
}

const MARK: Record<ActionResult["status"], string> = { granted: "✅", revoked: "✅", unchanged: "✅", pending: "⏳", kept: "⚠️", planned: "📝", failed: "❌" };

export function counts(results: ActionResult[], skipped: Skipped[]): string {
  const n: Record<string, number> = {};
  for (const r of results) n[r.status] = (n[r.status] ?? 0) + 1;
  const parts = (["granted", "pending", "revoked", "kept", "unchanged", "planned", "failed"] as const)
    .filter((s) => n[s])
    .map((s) => `${n[s]} ${s === "planned" ? "to do" : s}`);
  if (skipped.length) parts.push(`${skipped.length} skipped`);
  return parts.length ? parts.join(", ") : "no access changes";
}

/** The JSON of `gitgrant plan|apply --format json`. */
export function resultsJson(plan: Plan, results: ActionResult[], dryRun: boolean): string {
  return JSON.stringify(
    {
      before: plan.before,
      after: plan.after,
      dry_run: dryRun,
      ok: applyOk(results, plan.skipped),
      results: results.map((r) => {
        const a = r.action;
        const ref = a.kind === "grant" ? a.grant : a.ref;
        return {
          path: a.path,
          action: a.kind,
          change: a.change,
          status: r.status,
          detail: r.detail,
          ...(r.errorKind ? { error_kind: r.errorKind } : {}),
          attempts: r.attempts,
          login: ref.login,
          resource: ref.resource.id,
          provider: ref.resource.provider,
          principal: ref.principal,
          ...(a.kind === "grant"
            ? {
                starts_at: a.grant.startsAt.toISOString(),
                expires_at: a.grant.expiresAt.toISOString(),
                landed_at: a.landedAt.toISOString(),
                native_expiry: a.nativeExpiry,
                ...(a.capped ? { capped: a.capped } : {}),
              }
            : {}),
        };
      }),
      skipped: plan.skipped,
    },
    null,
    2,
  );
}


const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** Title and Markdown summary of the `gitgrant/apply` check run. */
export function checkRunOutput(plan: Plan, results: ActionResult[]): { title: string; summary: string } {
  const lines = [
    `Applied ${plan.before.slice(0, 7)}..${plan.after.slice(0, 7)}: ${counts(results, plan.skipped)}.`,
    "",
    "| | File | Result |",
    "|---|---|---|",
  ];
  const rows = [
    ...results.map((r) => `| ${MARK[r.status]} | \`${r.action.path}\` | ${cell(r.detail)} |`),
    ...plan.skipped.map((s) => `| ${s.problem ? "⚠️" : "⏸"} | \`${s.path}\` | ${cell(s.reason)} |`),
  ];
  const footer = ["", "A grant with native expiry ends on time in the target system itself; any other is removed by the sweep's revoke pull request when it expires."];
  let summary = [...lines, ...rows, ...footer].join("\n");
  if (summary.length > TEXT_LIMIT) {
    const kept: string[] = [];
    let size = lines.join("\n").length + 200;
    for (const row of rows) {
      if (size + row.length + 1 > TEXT_LIMIT) break;
      kept.push(row);
      size += row.length + 1;
    }
    summary = [...lines, ...kept, "", `…and ${rows.length - kept.length} more rows; run \`gitgrant plan\` for all of them.`].join("\n");
  }
  return { title: counts(results, plan.skipped), summary };
}

/** The comment on the merged pull request. */
export function prComment(plan: Plan, results: ActionResult[]): string {
  const lines = [`**gitgrant** applied this merge (${plan.after.slice(0, 7)}):`, ""];
  for (const r of results) lines.push(`- ${MARK[r.status]} ${headline(r).replace(/\r?\n/g, " ")}`);
  for (const s of plan.skipped) lines.push(`- ${s.problem ? "⚠️" : "⏸"} \`${s.path}\`: ${s.reason}`);
  lines.push("", "Details are on the `gitgrant/apply` check run of the merge commit.");
  return lines.join("\n");
}

/**
 * The convergence after a fast apply, for the check run: what each pass changed and why,
 * what it left in place, and what a person must look at. Empty when nothing was listed.
 */
export function convergeMarkdown(passes: ReadonlyArray<Pick<ConvergeResult, "sha" | "checked" | "results" | "left" | "unchecked">>, problems: readonly string[]): string {
  const listed = passes.flatMap((p) => p.checked);
  if (!listed.length && !problems.length) return "";
  const last = passes[passes.length - 1];
  const changes = passes.flatMap((p) => p.results);
  const lines = [`### Convergence`, "", `${[...new Set(listed)].map((id) => `\`${id}\``).join(", ") || "nothing"} listed at ${last ? last.sha.slice(0, 7) : "the tip"}${passes.length > 1 ? ` (${passes.length} passes: the branch moved)` : ""}: ${changes.length ? `${changes.length} change(s)` : "the target matches the tree"}.`];
  if (changes.length) lines.push("", "| | File | Result | Why |", "|---|---|---|---|", ...changes.map((r) => `| ${MARK[r.status]} | \`${r.action.path}\` | ${cell(r.detail)} | ${cell(r.why)} |`));
  for (const l of last?.left ?? []) lines.push(`- left in place: ${l.detail}`);
  for (const u of last?.unchecked ?? []) lines.push(`- not checked: \`${u.resource}\`: ${u.detail}`);
  if (problems.length) lines.push("", "Problems (a person must look):", ...problems.map((p) => `- ${p}`));
  return lines.join("\n");
}
