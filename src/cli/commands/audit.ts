// gitgrant audit: every grant's life, rebuilt from the default branch's history alone.
import type { Command } from "commander";
import { resolve } from "node:path";
import { auditCsv, jsonLines, tableRows } from "../../core/audit-format.js";
import { filterLives, type AuditFilter } from "../../core/audit-filter.js";
import { readAudit } from "../../operations/audit.js";
import type { AuditResult, GrantLife } from "../../core/audit-types.js";
import { EXIT, UsageError, parseFormat, parseNow, table, type Io } from "../io.js";
import { readFileSync } from "node:fs";
import { options } from "../options.js";
import { receiptStoreFor } from "../repository.js";
import { LocalGitRepo } from "../../git/local.js";
import { accessJudge } from "../../operations/access-judge.js";
import { judgeAccess } from "../../core/overdue.js";
import type { ReceiptStore } from "../../git/types.js";
import { collect } from "../signals.js";

export interface HistoryFlags {
  repo: string;
  ref?: string;
  now?: string;
  /** Armored public key files to trust besides access/trust/*.asc. */
  trustKey?: string[];
  /** commander's --no-github-key: false when the auditor does not trust GitHub's shipped key. */
  githubKey?: boolean;
}

interface AuditFlags extends HistoryFlags {
  since?: string;
  until?: string;
  user?: string;
  resource?: string;
  format?: string;
  verify?: boolean;
}

/** A date or date-time; a bare date given as an upper bound means the whole of that day. */
export function parseDate(flag: string, value: string | undefined, endOfDay = false): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} "${value}" is not a date (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)`);
  if (endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return new Date(d.getTime() + 86_400_000 - 1);
  return d;
}

export async function loadHistory(flags: HistoryFlags, io: Io): Promise<AuditResult> {
  const trustKeys = (flags.trustKey ?? []).map((f) => {
    try {
      return { path: f, text: readFileSync(resolve(io.cwd, f), "utf8") };
    } catch (e) {
      throw new UsageError(`--trust-key ${f}: ${(e as Error).message}`);
    }
  });
  const result = await readAudit({ dir: resolve(io.cwd, flags.repo), ref: flags.ref, trustKeys, githubKey: flags.githubKey });
  for (const w of result.warnings) io.err(`warning: ${w}`);
  return result;
}

export function historyOptions(cmd: Command, io: Io): Command {
  options.repo(cmd, io, "the access repository (a clone with full history)").option("--ref <ref>", "the default branch (or a commit on it) to read", "HEAD");
  return options.now(cmd, "judge active/expired as at this time (ISO 8601), default now")
    .option("--trust-key <file>", "an armored public key to trust for gitgrant's commits, besides access/trust/*.asc (repeatable)", collect)
    .option("--no-github-key", "do not trust GitHub's web-flow key (shipped with gitgrant) for the app's merges");
}

export async function runAudit(flags: AuditFlags, io: Io, seams: { receipts?: ReceiptStore } = {}): Promise<{ code: number; lives: GrantLife[] }> {
  const format = parseFormat(flags.format, ["table", "json", "csv"]);
  const now = parseNow(flags.now);
  const filter: AuditFilter = {
    since: parseDate("--since", flags.since),
    until: parseDate("--until", flags.until, true),
    user: flags.user,
    resource: flags.resource,
  };
  if (filter.since && filter.until && filter.since > filter.until) throw new UsageError("--since is after --until");
  const history = await loadHistory(flags, io);
  const lives = filterLives(history.lives, filter);
  // Receipts speak for the latest life of each grant, so they are judged over the whole history.
  const dir = resolve(io.cwd, flags.repo);
  const receipts = seams.receipts ?? receiptStoreFor(io, dir, new LocalGitRepo(dir), flags.ref ?? "HEAD");
  const { judge, problems } = await accessJudge(history.config, receipts);
  for (const p of problems) io.err(`warning: ${p}`);
  const access = judgeAccess(history.lives, now, judge);
  const incomplete = lives.filter((l) => !l.evidence.complete);
  const unverified = lives.filter((l) => l.evidence.complete && l.provenance !== "gitgrant");
  if (format === "json") {
    // In chunks: a 100,000-commit history is tens of MB of JSON, never one string.
    for (let i = 0; i < lives.length; i += 2000) io.out(jsonLines(lives.slice(i, i + 2000), now, access));
  } else if (format === "csv") {
    io.out(auditCsv(lives, now, access));
  } else {
    const t = tableRows(lives, now, access);
    io.out(lives.length ? table(t.headers, t.rows) : "No grants in the history read.");
    if (t.gaps.length) io.out(`\nIncomplete evidence:\n${t.gaps.map((g) => `  ${g}`).join("\n")}`);
    io.out(`\n${lives.length} grant${lives.length === 1 ? "" : "s"} from ${history.commits} commits; ${incomplete.length} with incomplete evidence.`);
    const overdue = lives.filter((l) => access.get(l.index)?.overdue);
    if (overdue.length) io.out(`${overdue.length} grant${overdue.length === 1 ? "" : "s"} ended in git but may still be live in the target: ${overdue.map((l) => l.path).join(", ")}.`);
    if (unverified.length) io.out(`${unverified.length} complete by their trailers, but not verified as written by gitgrant (configure settings.evidence and access/trust/*.asc).`);
  }
  if (flags.verify && (incomplete.length || unverified.length)) {
    // --verify proves the evidence: trailers that are not proven gitgrant's prove nothing.
    if (incomplete.length) io.err(`gitgrant audit --verify: ${incomplete.length} grant${incomplete.length === 1 ? " lacks" : "s lack"} complete evidence in git.`);
    if (unverified.length) io.err(`gitgrant audit --verify: ${unverified.length} grant${unverified.length === 1 ? "'s trailers are" : "s' trailers are"} not verified as written by gitgrant (signed commits checked against access/trust/*.asc).`);
    return { code: EXIT.findings, lives };
  }
  return { code: EXIT.ok, lives };
}

export function registerAudit(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("audit")
    .description("Rebuild every grant's life from git history: who, why, approved by, granted, expires, revoked, by which PR; flag missing evidence.")
    .option("--since <date>", "only grants whose file was on the branch at or after this date")
    .option("--until <date>", "only grants that landed by this date (a bare date includes the whole day)")
    .option("--user <login>", "only this person's grants")
    .option("--resource <id>", "only grants of this resource");
  options.format(cmd, "table, json (JSON lines, one grant per line) or csv (RFC 4180)").option("--verify", "exit 1 if any grant shown lacks complete evidence or its trailers are not verified as gitgrant's (signed, checked offline with gpg against access/trust/*.asc)");
  historyOptions(cmd, io).action(async (flags: AuditFlags) => done((await runAudit(flags, io)).code));
}
