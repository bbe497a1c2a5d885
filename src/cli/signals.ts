// Policy signals and approvals from the command line, so a reviewer can reproduce the
// app's verdict on a clone: --signals FILE (JSON), or --team / --org-member / --incident,
// and --approved-by / --committer for approvals.
import { readFileSync } from "node:fs";
import type { ApprovalInput } from "../core/approvals.js";
import type { Signals } from "../core/context.js";
import { UsageError } from "./io.js";

export interface SignalFlags {
  signals?: string;
  team?: string[];
  orgMember?: string[];
  incident?: boolean;
  approvedBy?: string[];
  committer?: string[];
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function signalsFrom(flags: SignalFlags): Signals {
  let signals: Signals = {};
  if (flags.signals) {
    try {
      signals = JSON.parse(readFileSync(flags.signals, "utf8")) as Signals;
    } catch (e) {
      throw new UsageError(`--signals ${flags.signals}: ${(e as Error).message}`);
    }
    if (typeof signals !== "object" || signals === null || Array.isArray(signals)) throw new UsageError(`--signals ${flags.signals}: expected a JSON object`);
  }
  const requesters = { ...(signals.requesters ?? {}) };
  const entry = (login: string) => (requesters[login.toLowerCase()] ??= {});
  for (const t of flags.team ?? []) {
    const m = /^([^=]+)=([^/]+\/.+)$/.exec(t);
    if (!m) throw new UsageError(`--team "${t}" must look like LOGIN=org/team`);
    const e = entry(m[1]!);
    e.teams = [...(e.teams ?? []), m[2]!.toLowerCase()];
    e.org_member ??= true;
  }
  for (const login of flags.orgMember ?? []) entry(login).org_member = true;
  const incident = flags.incident ? { open: true, count: Math.max(1, signals.incident?.count ?? 1) } : signals.incident;
  return { requesters, ...(incident ? { incident } : {}) };
}

/** --approved-by LOGIN: an approval on the current head; --committer LOGIN cannot approve. */
export function approvalsFrom(flags: SignalFlags, signals: Signals, author: string | undefined): ApprovalInput | undefined {
  if (!flags.approvedBy?.length && !flags.committer?.length) return undefined;
  const teamsOf: Record<string, string[]> = {};
  for (const [login, s] of Object.entries(signals.requesters ?? {})) teamsOf[login] = s.teams ?? [];
  return {
    reviews: (flags.approvedBy ?? []).map((login) => ({ login, state: "APPROVED" as const })),
    excluded: [...(author ? [author] : []), ...(flags.committer ?? [])],
    teamsOf,
  };
}
