// The options several commands share, declared once: flag, argument, default and the words
// --help prints. A command may say what the option means for it (what --now dates), never
// how it is spelled. SHARED_FLAGS lists them; a test proves every command's copy came from here.
import { Option, type Command } from "commander";
import type { Io } from "./io.js";

export const SHARED_FLAGS = ["--repo", "--branch", "--github", "--local", "--ledger", "--format", "--now"] as const;

const made = new WeakSet<Option>();

/** Whether `option` was declared here (for the test that no command spells its own). */
export function isShared(option: Option): boolean {
  return made.has(option);
}

function add(cmd: Command, flags: string, description: string, defaultValue?: string): Command {
  const option = new Option(flags, description);
  if (defaultValue !== undefined) option.default(defaultValue);
  made.add(option);
  return cmd.addOption(option);
}

export const options = {
  /** --repo <dir>: default the working directory (validate: "."). */
  repo(cmd: Command, io: Io, about = "the access repository (a git clone)", defaultValue: string = io.cwd): Command {
    return add(cmd, "--repo <dir>", about, defaultValue);
  },
  branch(cmd: Command): Command {
    return add(cmd, "--branch <name>", "the default branch (default: origin/HEAD, else the current branch)");
  },
  /** --github <owner/repo> and --local: where changes are written (GitHub, or a local clone); --local only where a command has a local mode. */
  github(cmd: Command, about: { github: string; local?: string }): Command {
    add(cmd, "--github <owner/repo>", about.github);
    return about.local === undefined ? cmd : add(cmd, "--local", about.local);
  },
  ledger(cmd: Command): Command {
    return add(cmd, "--ledger <path>", "the local provider's ledger file (default $GITGRANT_LEDGER, else .gitgrant/ledger.json)");
  },
  /** --format <format>; `about` names the formats the command takes (parseFormat checks them). */
  format(cmd: Command, about = "table or json"): Command {
    return add(cmd, "--format <format>", about, "table");
  },
  /** --user <login> for the request commands: who asks (request, extend) or whose access (status). */
  requester(cmd: Command, about = "your GitHub login (default $GITGRANT_USER, else the user of GITHUB_TOKEN)"): Command {
    const option = new Option("--user <login>", about);
    made.add(option);
    return cmd.addOption(option);
  },
  now(cmd: Command, about = "judge as at this time (ISO 8601), default now"): Command {
    return add(cmd, "--now <time>", about);
  },
};
