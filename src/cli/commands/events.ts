// gitgrant events: the structured events of git history (request, decision, approval, grant,
// revoke, failure) and notices of grants about to expire, as JSON lines, and with --send to
// the SIEM and chat webhooks configured in the environment. Run it after each push and on a
// schedule; ids are stable, so a consumer drops what it has already seen.
import type { Command } from "commander";
import { resolve } from "node:path";
import { parseDuration, DurationError } from "../../core/duration.js";
import { eventsFromLives, expiryNotices } from "../../core/event-derive.js";
import { EventConfigError, EventDispatcher, JsonLinesSink, sinksFromEnv, type Delivery } from "../../operations/event-sinks.js";
import type { AccessEvent, EventSink } from "../../core/events.js";
import { EXIT, UsageError, parseFormat, parseNow, table, type Io } from "../io.js";
import { historyOptions, loadHistory, parseDate, type HistoryFlags } from "./audit.js";
import { options } from "../options.js";
import { EventRecordError, commitsAfter, githubRecordStore, headCommit, localRecordStore, owedEvents, treeOf, type EventRecord, type EventRecordStore } from "../../operations/notify.js";
import { githubFrom } from "../repository.js";

interface EventsFlags extends HistoryFlags {
  since?: string;
  lead?: string;
  send?: boolean;
  out?: string;
  format?: string;
  once?: boolean;
  remote?: string;
  github?: string;
  local?: boolean;
}

export interface EventsDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export async function runEvents(flags: EventsFlags, io: Io, deps: EventsDeps = {}): Promise<{ code: number; events: AccessEvent[]; deliveries: Delivery[] }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const since = parseDate("--since", flags.since);
  let lead: number;
  try {
    lead = parseDuration(flags.lead ?? "15m");
  } catch (e) {
    if (e instanceof DurationError) throw new UsageError(`--lead: ${e.message}`);
    throw e;
  }
  let webhooks: EventSink[] = [];
  if (flags.send) {
    try {
      webhooks = sinksFromEnv(io.env, deps);
    } catch (e) {
      if (e instanceof EventConfigError) throw new UsageError(e.message);
      throw e;
    }
    if (webhooks.length === 0) throw new UsageError("--send needs GITGRANT_SIEM_URL, GITGRANT_SLACK_WEBHOOK_URL or GITGRANT_TEAMS_WEBHOOK_URL in the environment");
  }

  if (flags.remote && !flags.once) throw new UsageError("--remote is where --once keeps its record; give --once too");
  const dir = resolve(io.cwd, flags.repo);
  let record: EventRecord | null = null;
  let store: EventRecordStore | null = null;
  try {
    if (flags.once) {
      // On GitHub (a token and a repository) the record is written through the API; else the local ref.
      const target = flags.remote ? null : await githubFrom(io, flags);
      store = target ? githubRecordStore(target.octokit, { owner: target.owner, repo: target.repo }, (c) => treeOf(dir, c)) : localRecordStore(dir, flags.remote);
      record = await store.read();
    }
  } catch (e) {
    if (e instanceof EventRecordError) throw new UsageError(e.message);
    throw e;
  }
  const history = await loadHistory(flags, io);
  const notices = expiryNotices(history.lives, now, lead, history.config);
  let events = [...eventsFromLives(history.lives, { since, until: now }), ...notices];
  let retry = new Map<string, AccessEvent[]>();
  let head = "";
  if (flags.once) {
    // Exactly what came after the last recorded range (--since only bounds the first run).
    head = await headCommit(dir, flags.ref ?? "HEAD");
    const commits = await commitsAfter(dir, record, head);
    const landed = new Map(history.lives.map((l) => [l.sha, l.grantedAt]));
    ({ fresh: events, retry } = owedEvents(eventsFromLives(history.lives, { ...(record ? {} : { since }), until: now }), notices, record, commits, lead, (sha) => landed.get(sha)));
  }

  if (format === "json") {
    if (events.length) io.out(events.map((e) => JSON.stringify(e)).join("\n"));
  } else {
    io.out(events.length ? table(["TIME", "TYPE", "MESSAGE"], events.map((e) => [e.time, e.type, e.message])) : "No events.");
  }
  const sinks: EventSink[] = [...webhooks];
  if (flags.out) sinks.push(new JsonLinesSink({ file: resolve(io.cwd, flags.out) }));
  const dispatcher = new EventDispatcher(sinks);
  let deliveries: Delivery[] = [];
  try {
    deliveries = await dispatcher.dispatch(events);
    // Deliveries owed from an earlier run go to the sink that failed them, and only to it.
    for (const [name, owed] of retry) {
      const sink = webhooks.find((w) => w.name === name);
      if (sink) deliveries.push(...(await new EventDispatcher([sink]).dispatch(owed)));
    }
  } finally {
    await dispatcher.close();
  }
  const failed = deliveries.filter((d) => d.outcome === "failed");
  if (webhooks.length) {
    const sent = (name: string) => deliveries.filter((d) => d.sink === name && d.outcome === "sent").length;
    io.err(`sent: ${webhooks.map((w) => `${w.name} ${sent(w.name)}`).join(", ")}; failed: ${failed.length}`);
  }
  // One line per distinct failure: a sink that is down would otherwise repeat itself per event.
  for (const error of new Set(failed.map((d) => d.error))) io.err(`error: ${error}`);
  if (flags.once) {
    const owed = failed.map((d) => ({ sink: d.sink, id: d.id }));
    try {
      const commit = await store!.write(record, { to: head, until: now, retry: owed });
      io.err(`recorded: events up to ${head.slice(0, 7)} and ${now.toISOString()} in ${store!.where} (${commit.slice(0, 7)})${owed.length ? `; ${owed.length} failed deliveries owed to the next run` : ""}`);
    } catch (e) {
      if (!(e instanceof EventRecordError)) throw e;
      io.err(`error: ${e.message}`);
      return { code: EXIT.findings, events, deliveries };
    }
  }
  return { code: failed.length ? EXIT.findings : EXIT.ok, events, deliveries };
}

export function registerEvents(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("events")
    .description("Structured events from git history (request, decision, approval, grant, revoke, failure) and expiry notices; --send posts them to the SIEM, Slack and Teams webhooks set in the environment.")
    .option("--since <date>", "only events at or after this date (expiry notices are always as of --now)")
    .option("--lead <duration>", "send an expiry notice this long before a grant expires", "15m")
    .option("--send", "post to GITGRANT_SIEM_URL (+ GITGRANT_SIEM_TOKEN), GITGRANT_SLACK_WEBHOOK_URL, GITGRANT_TEAMS_WEBHOOK_URL")
    .option("--out <file>", "also append the events as JSON lines to this file")
    .option("--once", "send exactly what came after the range the last --once run recorded in refs/gitgrant/events (history by commit, expiry notices by time, failed deliveries again), then record this run's range")
    .option("--remote <name>", "with --once: fetch the record from this remote first and push the new one there (fast-forward only, so two runs never both record a range)");
  options.format(cmd, "table or json (JSON lines, one event per line)");
  options.github(cmd, { github: "with --once: keep the record on this repository through the API (default $GITHUB_REPOSITORY with GITHUB_TOKEN)", local: "with --once: keep the record in the local clone even when a GitHub token is set" });
  historyOptions(cmd, io).action(async (flags: EventsFlags) => done((await runEvents(flags, io)).code));
}

