// gitgrant revoke: remove every request file of a person, of a resource, or a list of files,
// in one PR (GitHub) or one commit on a branch (local clone), with Revoke: trailers.
import type { Command } from "commander";
import { resolve } from "node:path";
import type { RevokeReason } from "../../core/trailers.js";
import { defaultBranch } from "../../git/write.js";
import type { RevokeSelector } from "../../core/revoke-texts.js";
import { MANUAL_REVOKE_REASONS, revoke, type RevokeResult } from "../../operations/revoke.js";
import { EXIT, UsageError, parseFormat, parseNow, table, type Io } from "../io.js";
import { repositoryFor } from "../repository.js";
import { options } from "../options.js";

interface RevokeFlags {
  repo: string;
  branch?: string;
  user?: string;
  resource?: string;
  reason?: string;
  note?: string;
  now?: string;
  dryRun?: boolean;
  format?: string;
  github?: string;
  local?: boolean;
}

function selectorOf(files: string[], flags: RevokeFlags): RevokeSelector {
  const given = [files.length > 0, flags.user !== undefined, flags.resource !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError("say what to revoke with exactly one of --user LOGIN, --resource ID or FILE...");
  if (flags.user !== undefined) return { user: flags.user };
  if (flags.resource !== undefined) return { resource: flags.resource };
  return { files };
}

export async function runRevoke(files: string[], flags: RevokeFlags, io: Io): Promise<{ code: number; result: RevokeResult }> {
  const format = parseFormat(flags.format);
  const selector = selectorOf(files, flags);
  if (!flags.reason || !MANUAL_REVOKE_REASONS.includes(flags.reason as RevokeReason)) {
    throw new UsageError(`--reason must be one of ${MANUAL_REVOKE_REASONS.join(", ")}${flags.reason ? `, not "${flags.reason}"` : ""}`);
  }
  const dir = resolve(io.cwd, flags.repo);
  const { repo } = await repositoryFor(io, flags, dir, { commitDate: flags.now ? parseNow(flags.now) : undefined });
  const branch = flags.branch ?? (await defaultBranch(dir));
  const result = await revoke({ repo, branch, selector, reason: flags.reason as RevokeReason, note: flags.note, dryRun: flags.dryRun });
  if (format === "json") io.out(JSON.stringify(result, null, 2));
  else {
    const out = [`Revoke (${result.reason}) on ${branch}: ${result.detail}${result.url ? ` ${result.url}` : ""}`];
    if (result.files.length) out.push("", table(["removes", "file"], result.files.map((f) => ["-", f])));
    for (const f of result.notFound) out.push(`not on ${branch}: ${f}`);
    io.out(out.join("\n"));
  }
  return { code: result.notFound.length ? EXIT.findings : EXIT.ok, result };
}

export function registerRevoke(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("revoke")
    .description(
      "Revoke early, in bulk: one change removing every request file of a person (--user, offboarding), of a resource " +
        "(--resource, incident containment) or the FILEs given, with a Revoke: trailer per file and Revoke-reason. " +
        "On GitHub (GITHUB_TOKEN + GITHUB_REPOSITORY or --github) one PR on gitgrant/revoke-bulk/...; locally one commit on that branch. " +
        "Running the same revoke again refreshes its open PR. Exit 1 when a FILE is not on the branch.",
    )
    .argument("[file...]", "request files to remove (access/requests/<resource>/<login>.yaml)")
    .option("--user <login>", "every request file of this GitHub login")
    .option("--resource <id>", "every request file of this resource")
    .option("--reason <reason>", `why: ${MANUAL_REVOKE_REASONS.join(" | ")}`)
    .option("--note <text>", "a sentence for the commit and PR, e.g. the incident or HR ticket");
  options.now(options.branch(options.repo(cmd, io)), "date of the local revoke commit (ISO 8601), default now").option("--dry-run", "show what would be removed; change nothing");
  options
    .github(options.format(cmd), { github: "open the PR on this repository (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)", local: "commit on a local branch even when a GitHub token is set" })
    .action(async (files: string[], flags: RevokeFlags) => done((await runRevoke(files, flags, io)).code));
}
