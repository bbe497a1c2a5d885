// gitgrant metrics: time to grant, time to revoke after expiry, share without a human,
// audit completeness and standing privileges, overall, per tier and per resource.
import type { Command } from "commander";
import { DEFAULT_SETTINGS } from "../../core/config.js";
import { computeMetrics, type Metrics } from "../../core/metrics.js";
import { accessJudge } from "../../operations/access-judge.js";
import { METRICS_HEADERS, metricsRows } from "../../core/metrics-table.js";
import { EXIT, parseFormat, parseNow, table, type Io } from "../io.js";
import { historyOptions, loadHistory, parseDate, type HistoryFlags } from "./audit.js";
import { options } from "../options.js";

interface MetricsFlags extends HistoryFlags {
  since?: string;
  format?: string;
}

export async function runMetrics(flags: MetricsFlags, io: Io): Promise<{ code: number; metrics: Metrics }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const since = parseDate("--since", flags.since) ?? null;
  const history = await loadHistory(flags, io);
  const threshold = history.config?.policy.settings.standing_threshold ?? DEFAULT_SETTINGS.standing_threshold;
  const { judge } = await accessJudge(history.config);
  const metrics = computeMetrics(history.lives, { now, since, standingThreshold: threshold, judge });
  if (format === "json") io.out(JSON.stringify(metrics, null, 2));
  else {
    io.out(table(METRICS_HEADERS, metricsRows(metrics)));
    io.out(
      [
        "",
        `Since ${since ? since.toISOString() : "the first commit"}; standing = on the branch now with no expiry, a window over ${threshold}, or held over ${threshold}.`,
        "Time to grant runs from the change's first authored commit to its landing on the default branch (git's record of \"applied\").",
      ].join("\n"),
    );
    if (metrics.overall.standing.paths.length) io.out(`Standing privileges:\n${metrics.overall.standing.paths.map((p) => `  ${p}`).join("\n")}`);
  }
  return { code: EXIT.ok, metrics };
}

export function registerMetrics(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("metrics")
    .description("Time to grant, time to revoke after expiry, share without a human, audit completeness, standing privileges; per tier and resource.")
    .option("--since <date>", "only grants decided (and revokes made) at or after this date; standing privilege is always as of --now");
  options.format(cmd);
  historyOptions(cmd, io).action(async (flags: MetricsFlags) => done((await runMetrics(flags, io)).code));
}
