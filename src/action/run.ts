// The gitgrant GitHub Action: one gitgrant command, run from the bundled build (no npm ci).
// Actions passes each `with:` input as INPUT_<NAME> (upper-cased, spaces as underscores;
// hyphens stay), so `working-directory` arrives as INPUT_WORKING-DIRECTORY.
import { resolve } from "node:path";
import { main } from "../cli/index.js";
import { EXIT, type Io } from "../cli/io.js";

/** The commands a workflow may run through the action. */
export const ACTION_COMMANDS = ["validate", "check", "plan", "apply", "sweep", "revoke", "reconcile", "events", "report", "audit", "metrics", "doctor"] as const;

export function input(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/**
 * The `args` input as argv: split on whitespace, with single or double quotes keeping a
 * value whole. No shell runs, so `$(...)` or `;` in an input are just characters.
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | null = null;
  let started = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(current);
      current = "";
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new Error(`the args input has an unclosed ${quote}`);
  if (started) out.push(current);
  return out;
}

/** Workflow commands must not be smuggled through a value: escape as the toolkit does. */
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");

export async function runAction(env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const command = input(env, "command");
  if (!(ACTION_COMMANDS as readonly string[]).includes(command)) {
    io.err(`::error::gitgrant action: the command input must be one of ${ACTION_COMMANDS.join(", ")}, not "${escapeData(command)}"`);
    return EXIT.usage;
  }
  let args: string[];
  try {
    args = splitArgs(input(env, "args"));
  } catch (err) {
    io.err(`::error::gitgrant action: ${escapeData((err as Error).message)}`);
    return EXIT.usage;
  }
  const cwd = resolve(env.GITHUB_WORKSPACE ?? io.cwd, input(env, "working-directory") || ".");
  const code = await main([command, ...args], { ...io, cwd, env });
  if (code !== EXIT.ok) io.err(`::error::gitgrant ${command} exited ${code}${code === EXIT.findings ? " (findings: see the output above)" : " (usage error)"}`);
  return code;
}
