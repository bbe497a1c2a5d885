// gitgrant report --out DIR: the audit, the metrics and a timeline as one static page
// (DIR/index.html), self-contained, for GitHub Pages or any file server.
import type { Command } from "commander";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_SETTINGS } from "../../core/config.js";
import { filterLives } from "../../core/audit-filter.js";
import { computeMetrics } from "../../core/metrics.js";
import { judgeAccess } from "../../core/overdue.js";
import { accessJudge } from "../../operations/access-judge.js";
import { renderReport } from "../../report/html.js";
import { EXIT, UsageError, parseFormat, parseNow, type Io } from "../io.js";
import { historyOptions, loadHistory, parseDate, type HistoryFlags } from "./audit.js";
import { options } from "../options.js";

interface ReportFlags extends HistoryFlags {
  out?: string;
  since?: string;
  title?: string;
  repoUrl?: string;
  format?: string;
}

/** In GitHub Actions the repository's URL is in the environment; elsewhere pass --repo-url. */
export function repoUrlFrom(flags: { repoUrl?: string }, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.repoUrl) {
    if (!/^https:\/\/[^\s"'<>]+$/.test(flags.repoUrl)) throw new UsageError(`--repo-url must be an https URL, not "${flags.repoUrl}"`);
    return flags.repoUrl;
  }
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`;
  return undefined;
}

export async function runReport(flags: ReportFlags, io: Io): Promise<{ code: number; file: string }> {
  const format = parseFormat(flags.format);
  if (!flags.out) throw new UsageError("--out DIR is required (the page is written to DIR/index.html)");
  const now = parseNow(flags.now);
  const since = parseDate("--since", flags.since);
  const repoUrl = repoUrlFrom(flags, io.env);
  const history = await loadHistory(flags, io);
  const lives = filterLives(history.lives, { since });
  const threshold = history.config?.policy.settings.standing_threshold ?? DEFAULT_SETTINGS.standing_threshold;
  const { judge } = await accessJudge(history.config);
  const metrics = computeMetrics(history.lives, { now, since: since ?? null, standingThreshold: threshold, judge });
  const html = renderReport({ lives, metrics, now, head: history.head, title: flags.title, repoUrl, access: judgeAccess(history.lives, now, judge) });
  const dir = resolve(io.cwd, flags.out);
  await mkdir(dir, { recursive: true });
  const file = join(dir, "index.html");
  await writeFile(file, html, "utf8");
  const incomplete = lives.filter((l) => !l.evidence.complete).length;
  if (format === "json") io.out(JSON.stringify({ file, grants: lives.length, incomplete, bytes: Buffer.byteLength(html) }));
  else io.out(`Wrote ${file}: ${lives.length} grants, ${incomplete} with incomplete evidence.`);
  return { code: EXIT.ok, file };
}

export function registerReport(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("report")
    .description("Write a self-contained HTML page (DIR/index.html) with the audit, the metrics and a timeline, for GitHub Pages.")
    .option("--out <dir>", "folder to write index.html into (created if missing)")
    .option("--since <date>", "only grants on the branch at or after this date")
    .option("--title <text>", "page title", "gitgrant access audit")
    .option("--repo-url <url>", "https://github.com/OWNER/REPO, to link PRs and commits (default in Actions: from GITHUB_SERVER_URL and GITHUB_REPOSITORY)");
  options.format(cmd, "table (a sentence) or json (what was written)");
  historyOptions(cmd, io).action(async (flags: ReportFlags) => done((await runReport(flags, io)).code));
}
