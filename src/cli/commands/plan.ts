// gitgrant plan: what `gitgrant apply` would do for base..head of a local clone. It runs
// apply's own loop with effects off, so the two can never disagree.
import type { Command } from "commander";
import { appendFile } from "node:fs/promises";
import { resolve } from "node:path";
import { applyOwned } from "../../operations/owned-apply.js";
import { planChange } from "../../operations/plan.js";
import { nativeExpiryFrom, providersForApply } from "../../operations/apply-providers.js";
import { applyOk, checkRunOutput, counts, headline, resultsJson } from "../../operations/apply-report.js";
import type { ActionResult, Plan } from "../../operations/plan-types.js";
import { LocalGitRepo } from "../../git/local.js";
import type { Sleep } from "../../providers/retry.js";
import { EXIT, UsageError, parseFormat, parseNow, table, type Io } from "../io.js";
import { converge, touchedResources, type ConvergeResult } from "../../operations/converge.js";
import type { ReceiptStore } from "../../git/types.js";
import { options } from "../options.js";
import { receiptStoreFor } from "../repository.js";

export interface PlanFlags {
  repo: string;
  base: string;
  head: string;
  now?: string;
  format?: string;
  ledger?: string;
  /** true or "all": converge every resource after the diff; "touched": only those the diff names. */
  converge?: boolean | string;
}

/** Test seams: no real pauses between retries; the ownership receipts (the git-notes store). */
export interface RunOptions {
  sleep?: Sleep;
  receipts?: ReceiptStore;
}

function convergeScope(flag: PlanFlags["converge"]): "all" | "touched" | null {
  if (flag === undefined || flag === false) return null;
  if (flag === true || flag === "all") return "all";
  if (flag === "touched") return "touched";
  throw new UsageError(`--converge takes "all" (the default) or "touched", not "${flag}"`);
}

export async function runPlanOrApply(
  flags: PlanFlags,
  io: Io,
  dryRun: boolean,
  options: RunOptions = {},
): Promise<{ code: number; plan: Plan; results: ActionResult[]; converged?: ConvergeResult }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const scope = convergeScope(flags.converge);
  const repo = new LocalGitRepo(resolve(io.cwd, flags.repo));
  const providers = providersForApply({
    env: io.env,
    local: { cwd: io.cwd, env: io.env, ...(flags.ledger ? { ledgerPath: flags.ledger } : {}) },
  });
  // Each file's window starts when it landed on the branch (first-parent history of
  // head), exactly as the sweep computes it later.
  const plan = await planChange({ repo, before: flags.base, after: flags.head, now, nativeExpiry: nativeExpiryFrom(providers) });
  // Receipts say whose each grant's access is: plan reads them (so it says what apply would
  // do) and writes none; apply records them on the applied commit.
  const dir = resolve(io.cwd, flags.repo);
  const problems: string[] = [];
  const receipts = options.receipts ?? receiptStoreFor(io, dir, repo, plan.after);
  const results = await applyOwned(plan, providers, receipts, {
    dryRun,
    commit: plan.after,
    now,
    sleep: options.sleep,
    onRetry: (action, message, attempt, delay) => io.err(`retrying ${action.path} in ${delay} ms (try ${attempt + 1}): ${message}`),
    onProblem: (message) => {
      problems.push(message);
      io.err(`ownership receipts: ${message}`);
    },
  });
  // After the fast diff, convergence: the same code for plan (effects off) and apply.
  const converged = scope
    ? await converge({
        repo,
        ref: plan.after,
        now,
        providers,
        receipts,
        dryRun,
        sleep: options.sleep,
        ...(scope === "touched" ? { resources: touchedResources(plan) } : {}),
        onRetry: (action, message, attempt, delay) => io.err(`retrying ${action.path} in ${delay} ms (try ${attempt + 1}): ${message}`),
      })
    : undefined;
  if (format === "json") {
    const json = JSON.parse(resultsJson(plan, results, dryRun)) as Record<string, unknown>;
    if (converged) json.converge = convergeJson(converged);
    io.out(JSON.stringify(json, null, 2));
  } else io.out(renderText(plan, results) + (converged ? `\n\n${renderConverge(converged)}` : ""));
  // In GitHub Actions, the same table as the app's check run goes on the job's summary page.
  if (io.env.GITHUB_STEP_SUMMARY && !dryRun) {
    const { summary } = checkRunOutput(plan, results);
    const receiptNotes = problems.length ? `\n### Ownership receipts\n\n${problems.map((p) => `- ${p}`).join("\n")}\n` : "";
    await appendFile(io.env.GITHUB_STEP_SUMMARY, `## gitgrant apply\n\n${summary}\n${receiptNotes}${converged ? `\n### Convergence\n\n\`\`\`\n${renderConverge(converged)}\n\`\`\`\n` : ""}`, "utf8");
  }
  const ok = applyOk(results, plan.skipped) && (!converged || !converged.problems.length);
  return { code: ok ? EXIT.ok : EXIT.findings, plan, results, ...(converged ? { converged } : {}) };
}

export function convergeJson(c: ConvergeResult) {
  return {
    sha: c.sha,
    checked: c.checked,
    unchecked: c.unchecked,
    rounds: c.rounds,
    calls: c.calls,
    results: c.results.map((x) => ({ kind: x.action.kind, path: x.action.path, status: x.status, detail: x.detail, why: x.why, ...(x.errorKind ? { error_kind: x.errorKind } : {}), attempts: x.attempts })),
    left: c.left,
    problems: c.problems,
  };
}

export function renderConverge(c: ConvergeResult): string {
  const out = [`Convergence at ${c.sha.slice(0, 7)}: ${c.checked.length} resource(s) listed, ${c.results.length} change(s)${c.dryRun ? " planned" : ""}, ${c.failed.length} failed`];
  if (c.results.length) out.push("", table(["result", "file", "what", "why"], c.results.map((x) => [x.status, x.action.path, x.detail, x.why])));
  for (const l of c.left) out.push(`left in place: ${l.detail}`);
  for (const u of c.unchecked) out.push(`not checked: ${u.resource}: ${u.detail}`);
  if (c.problems.length) out.push("", "Problems (a person must look):", ...c.problems.map((p) => `  - ${p}`));
  return out.join("\n");
}

export function renderText(plan: Plan, results: ActionResult[]): string {
  const rows = results.map((r) => [r.status, r.action.path, r.status === "failed" ? r.detail : headline(r)]);
  for (const s of plan.skipped) rows.push([s.problem ? "NOT APPLIED" : "skipped", s.path, s.reason]);
  const out = [`${plan.before.slice(0, 7)}..${plan.after.slice(0, 7)}: ${counts(results, plan.skipped)}`];
  if (rows.length) out.push("", table(["result", "file", "what"], rows));
  return out.join("\n");
}

/** The options plan and apply share. */
export function rangeOptions(cmd: Command, io: Io): Command {
  options
    .repo(cmd, io, "the access repository (a clone with full history: fetch-depth 0)")
    .requiredOption("--base <ref>", "the branch before the push (GitHub's before; all zeros for a new branch)")
    .option("--head <ref>", "the branch after the push", "HEAD");
  cmd.option(
    "--converge [scope]",
    "after the diff, converge the targets to the tree at --head: grant active windows they lack, revoke what gitgrant created and no active window covers, " +
      'retry what failed (one listing per resource plus one call per change). Scope "all" (default) or "touched" (the resources the diff names)',
  );
  return options.format(options.now(cmd, "skip windows not started or already over at this time (ISO 8601), default now"));
}

export function registerPlan(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("plan")
    .description(
      "Show what apply would grant and revoke for the request files changed between two refs, calling no provider. " +
        "Exit 1 when something could not be applied (an invalid file on the branch, a provider that is not configured).",
    );
  rangeOptions(cmd, io).action(async (flags: PlanFlags) => done((await runPlanOrApply(flags, io, true)).code));
}
