// The gitgrant command: thin commands over the same core as the GitHub App.
import { Command, CommanderError } from "commander";
import { UnknownRefError } from "../git/local.js";
import { registerApply } from "./commands/apply.js";
import { registerAudit } from "./commands/audit.js";
import { registerCheck } from "./commands/check.js";
import { registerEvents } from "./commands/events.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerPlan } from "./commands/plan.js";
import { registerReport } from "./commands/report.js";
import { registerValidate } from "./commands/validate.js";
import { registerDemo } from "./commands/demo.js";
import { registerReconcile } from "./commands/reconcile.js";
import { registerRevoke } from "./commands/revoke.js";
import { registerSweep } from "./commands/sweep.js";
import { EXIT, UsageError, processIo, type Io } from "./io.js";

/** Each command file adds itself here; order is the order in --help. */
const COMMANDS: Array<(program: Command, io: Io, done: (code: number) => void) => void> = [registerValidate, registerCheck, registerPlan, registerApply, registerAudit, registerMetrics, registerEvents, registerReport, registerSweep, registerRevoke, registerReconcile, registerDemo];

/** The whole command tree; `done` receives each command's exit status. */
export function buildProgram(io: Io, done: (code: number) => void): Command {
  const program = new Command("gitgrant")
    .description("Just-in-time access as code: pull requests that grant time-bound access, checked against policy.")
    .version("0.1.0")
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
    if (e instanceof UsageError || e instanceof UnknownRefError) {
      io.err(`gitgrant: ${e.message}`);
      return EXIT.usage;
    }
    io.err(`gitgrant: ${(e as Error).message}`);
    return EXIT.findings;
  }
}
