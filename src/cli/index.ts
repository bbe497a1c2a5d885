// The gitgrant command: thin commands over the same core as the GitHub App.
import { Command, CommanderError } from "commander";
import { GitCommandError, NotAGitRepositoryError, ShallowCloneError, UnknownRefError } from "../git/local.js";
import { isNotARepository } from "../git/errors.js";
import { registerApply } from "./commands/apply.js";
import { registerAudit } from "./commands/audit.js";
import { registerCheck } from "./commands/check.js";
import { registerEvents } from "./commands/events.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerPlan } from "./commands/plan.js";
import { registerReport } from "./commands/report.js";
import { registerValidate } from "./commands/validate.js";
import { registerDemo } from "./commands/demo.js";
import { registerInit } from "./commands/init.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerReconcile } from "./commands/reconcile.js";
import { registerRevoke } from "./commands/revoke.js";
import { registerSweep } from "./commands/sweep.js";
import { registerRequest } from "./commands/request.js";
import { registerExtend } from "./commands/extend.js";
import { registerResources } from "./commands/resources.js";
import { registerStatus } from "./commands/status.js";
import { registerForms } from "./commands/forms.js";
import { EXIT, UsageError, processIo, type Io } from "./io.js";
import { VERSION } from "../operations/package-root.js";

/** Each command file adds itself here; order is the order in --help. */
const COMMANDS: Array<(program: Command, io: Io, done: (code: number) => void) => void> = [registerRequest, registerExtend, registerResources, registerStatus, registerForms, registerValidate, registerCheck, registerPlan, registerApply, registerAudit, registerMetrics, registerEvents, registerReport, registerSweep, registerRevoke, registerReconcile, registerDemo, registerInit, registerDoctor];

/** The whole command tree; `done` receives each command's exit status. */
export function buildProgram(io: Io, done: (code: number) => void): Command {
  const program = new Command("gitgrant")
    .description("Just-in-time access as code: pull requests that grant time-bound access, checked against policy.")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) });
  for (const register of COMMANDS) register(program, io, done);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError();
  return program;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? EXIT.ok : EXIT.usage;
    }
    // The caller can fix these by how gitgrant is run: usage errors, exit 2.
    if (e instanceof UsageError || e instanceof UnknownRefError || e instanceof NotAGitRepositoryError || e instanceof ShallowCloneError) {
      io.err(`gitgrant: ${e.message}`);
      return EXIT.usage;
    }
    // A git command other than a ref lookup can be the first to meet a folder outside git.
    if (e instanceof GitCommandError && isNotARepository(e.stderr)) {
      io.err(`gitgrant: ${new NotAGitRepositoryError(io.cwd).message} (git said: ${e.stderr.trim().split("\n")[0]})`);
      return EXIT.usage;
    }
    io.err(`gitgrant: ${(e as Error).message}`);
    return EXIT.findings;
  }
}
