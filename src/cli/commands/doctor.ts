// gitgrant doctor: is this access repository set up as the README's "Set up your
// organisation" says? Read-only; needs GITHUB_TOKEN and --github (or GITHUB_REPOSITORY).
import type { Command } from "commander";
import { doctor } from "../../operations/doctor.js";
import { EXIT, UsageError, parseFormat, table, type Io } from "../io.js";
import { githubFrom } from "./sweep.js";
import { options } from "../options.js";

interface DoctorFlags {
  github?: string;
  app?: string;
  format?: string;
}

export async function runDoctor(flags: DoctorFlags, io: Io): Promise<{ code: number }> {
  const format = parseFormat(flags.format);
  const target = await githubFrom(io, { github: flags.github });
  if (!target) throw new UsageError("gitgrant doctor reads the repository's settings on GitHub: set GITHUB_TOKEN and pass --github owner/repo (or set GITHUB_REPOSITORY)");
  const r = await doctor({ ...target, appSlug: flags.app });
  const missing = r.findings.filter((f) => f.state === "missing").length;
  if (format === "json") io.out(JSON.stringify({ repository: `${target.owner}/${target.repo}`, branch: r.branch, ok: missing === 0, findings: r.findings }, null, 2));
  else {
    io.out(`${target.owner}/${target.repo}, default branch ${r.branch}:\n`);
    io.out(table(["check", "state", "why"], r.findings.map((f) => [f.check, f.state, f.detail])));
    io.out(missing ? `\n${missing} missing: see "Set up your organisation" in gitgrant's README.` : "\nNothing missing.");
  }
  return { code: missing ? EXIT.findings : EXIT.ok };
}

export function registerDoctor(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("doctor")
    .description(
      "Check an access repository's GitHub settings (read-only): the required check \"gitgrant\", whether the app may merge, " +
        "who may push to the default branch, auto-merge, the \"gitgrant\" environment limited to the default branch, the app's installation. Exit 1 when something is missing.",
    )
    .option("--app <slug>", "the GitHub App's slug", "gitgrant");
  options
    .format(options.github(cmd, { github: "the access repository (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)" }))
    .action(async (flags: DoctorFlags) => done((await runDoctor(flags, io)).code));
}
