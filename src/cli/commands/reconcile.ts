// gitgrant reconcile: drift between the request files on the default branch and what each
// target system holds; --fix re-applies missing grants and reports unmanaged access.
import type { Command } from "commander";
import { resolve } from "node:path";
import { DRIFT_LABEL } from "../../core/revoke-texts.js";
import { isoSeconds as iso } from "../../core/time.js";
import type { DriftIssueResult } from "../../git/types.js";
import { defaultBranch } from "../../git/write.js";
import { reconcile, type DriftReport, type FixOutcome } from "../../operations/reconcile.js";
import { EXIT, parseFormat, parseNow, table, type Io } from "../io.js";
import { repositoryFor } from "../repository.js";
import { lifecycleProviders } from "./sweep.js";
import { collect } from "../signals.js";
import { options } from "../options.js";

interface ReconcileFlags {
  repo: string;
  branch?: string;
  now?: string;
  resource?: string[];
  fix?: boolean;
  dryRun?: boolean;
  format?: string;
  ledger?: string;
  github?: string;
  local?: boolean;
}

export interface ReconcileOutput {
  branch: string;
  sha: string;
  now: string;
  checked: string[];
  drift: DriftReport["drift"];
  errors: DriftReport["errors"];
  fixes: FixOutcome[];
  issue?: DriftIssueResult;
  problems: string[];
}

export async function runReconcile(flags: ReconcileFlags, io: Io): Promise<{ code: number; result: ReconcileOutput }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const dir = resolve(io.cwd, flags.repo);
  const { repo } = await repositoryFor(io, flags, dir);
  const branch = flags.branch ?? (await defaultBranch(dir));
  const r = await reconcile({ repo, branch, now, providers: lifecycleProviders(io, flags.ledger), resources: flags.resource, fix: flags.fix, dryRun: flags.dryRun });
  const result: ReconcileOutput = {
    branch,
    sha: r.report.sha,
    now: iso(now),
    checked: r.checked,
    drift: r.drift,
    errors: r.errors,
    fixes: r.fixes,
    problems: r.problems,
    ...(r.issue ? { issue: r.issue } : {}),
  };
  for (const note of r.receiptNotes) io.err(`ownership receipts: ${note}`);
  io.out(format === "json" ? JSON.stringify(result, null, 2) : render(result));
  // Findings: drift left after this run (unmanaged access stays until a person acts), a
  // target that could not be listed, or a fix that failed.
  const clean = !r.remaining.length && !r.errors.length && !r.problems.length;
  return { code: clean ? EXIT.ok : EXIT.findings, result };
}

function render(r: ReconcileOutput): string {
  const out = [`Reconcile of ${r.branch} at ${r.sha.slice(0, 7)} as at ${r.now}: ${r.checked.length} resource(s) checked, ${r.drift.length} drift`];
  if (r.drift.length) out.push("", table(["drift", "resource", "who", "what"], r.drift.map((d) => [d.kind, d.resource, d.principal, d.words])));
  if (r.fixes.length) out.push("", table(["fix", "resource", "who", "what"], r.fixes.map((f) => [f.status, f.resource, f.principal, f.detail])));
  if (r.issue) out.push("", `Unmanaged access: issue #${r.issue.number ?? "(new)"} ${r.issue.status}${r.issue.url ? ` ${r.issue.url}` : ""}`);
  // A provider without credentials fails every resource it serves with one sentence: say it once.
  const unchecked = new Map<string, string[]>();
  for (const e of r.errors) unchecked.set(e.message, [...(unchecked.get(e.message) ?? []), e.resource]);
  for (const [message, resources] of unchecked) out.push(`not checked (${resources.join(", ")}): ${message}`);
  for (const p of r.problems) out.push(`problem: ${p}`);
  if (!r.drift.length && !r.errors.length && !r.problems.length) out.push("", "No drift: every target matches git.");
  return out.join("\n");
}

export function registerReconcile(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("reconcile")
    .description(
      "Compare each catalog resource's target with the request files on the default branch: missing (a file, no grant), " +
        "window (the target ends the grant at another time) and unmanaged (a grant, no file). --fix re-applies missing and window drift " +
        "through the providers and removes only grants the target marks as gitgrant's own; other unmanaged access is reported " +
        `(an issue labelled ${DRIFT_LABEL} on GitHub), never deleted. Exit 1 while drift remains or a target could not be listed.`,
    );
  options.branch(options.repo(cmd, io, "the access repository (a clone with full history)"));
  options
    .now(cmd, "judge windows as at this time (ISO 8601), default now")
    .option("--resource <id>", "check only this resource (repeatable)", collect)
    .option("--fix", "re-apply missing grants; report unmanaged ones")
    .option("--dry-run", "with --fix: say what would be fixed; change nothing");
  options.ledger(options.format(cmd));
  options
    .github(cmd, { github: "report unmanaged access as an issue here (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)", local: "never call GitHub for the report, even when a token is set" })
    .action(async (flags: ReconcileFlags) => done((await runReconcile(flags, io)).code));
}
