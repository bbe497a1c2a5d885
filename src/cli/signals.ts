// Policy signals and approvals from the command line, so a reviewer can reproduce the
// app's verdict on a clone: --signals FILE (JSON) or the declared signal flags (--team,
// --org-member, --incident, ...), and --approved-by / --committer for approvals.
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import type { ApprovalInput } from "../core/approvals.js";
import { CONTEXT, type ContextDeclaration } from "../core/context-declaration.js";
import type { Signals } from "../core/context.js";
import { SignalInputError, checkSignalsFile, signalFlags, signalsFromFlags } from "../signals/flags.js";
import { UsageError } from "./io.js";
import { dict } from "../core/own.js";

export interface SignalFlags {
  signals?: string;
  approvedBy?: string[];
  committer?: string[];
  /** The declared signal flags (--team, --org-member, --incident, ...), by commander key. */
  [flag: string]: unknown;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * --signals FILE and every flag of the context declaration (src/signals/flags.ts), so a
 * variable added to the declaration is a flag here with no other change.
 */
export function signalOptions(cmd: Command, decl: ContextDeclaration = CONTEXT): Command {
  cmd.option("--signals <file>", `JSON file with policy signals: {"requesters": {"alice": {"teams": ["acme/oncall"], "org_member": true}}, "incident": {"open": true}}`);
  for (const f of signalFlags(decl)) {
    if (f.repeatable) cmd.option(f.option, f.help, collect);
    else cmd.option(f.option, f.help);
  }
  return cmd;
}

export function signalsFrom(flags: SignalFlags, decl: ContextDeclaration = CONTEXT): Signals {
  let signals: Signals = {};
  if (flags.signals) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(flags.signals, "utf8"));
    } catch (e) {
      throw new UsageError(`--signals ${flags.signals}: ${(e as Error).message}`);
    }
    try {
      signals = checkSignalsFile(raw, decl);
    } catch (e) {
      throw new UsageError(`--signals ${flags.signals}: ${(e as Error).message}`);
    }
  }
  try {
    return signalsFromFlags(flags, signals, decl);
  } catch (e) {
    if (e instanceof SignalInputError) throw new UsageError(e.message);
    throw e;
  }
}

/** --approved-by LOGIN: an approval on the current head; --committer LOGIN cannot approve. */
export function approvalsFrom(flags: SignalFlags, signals: Signals, author: string | undefined): ApprovalInput | undefined {
  if (!flags.approvedBy?.length && !flags.committer?.length) return undefined;
  const teamsOf = dict<string[]>();
  for (const [login, s] of Object.entries(signals.requesters ?? {})) teamsOf[login] = s.teams ?? [];
  return {
    reviews: (flags.approvedBy ?? []).map((login) => ({ login, state: "APPROVED" as const })),
    excluded: [...(author ? [author] : []), ...(flags.committer ?? [])],
    teamsOf,
  };
}
