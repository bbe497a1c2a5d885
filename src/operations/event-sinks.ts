// Where events go, and sending each event to each sink once per run.
// Across runs there is no state: a consumer drops duplicates by the event id, which is stable.
import { createWriteStream, type WriteStream } from "node:fs";
import { slackBody, teamsBody } from "../core/chat.js";
import type { AccessEvent, EventSink, EventType } from "../core/events.js";
import { DeliveryError, WebhookSink, type RetryPolicy } from "./event-webhook.js";

/** JSON lines: one event per line, to a function (stdout) or appended to a file. */
export class JsonLinesSink implements EventSink {
  readonly name = "jsonl";
  private stream: WriteStream | null = null;

  constructor(private readonly target: { write: (line: string) => void } | { file: string }) {}

  wants(): boolean {
    return true;
  }

  async send(event: AccessEvent): Promise<void> {
    const line = JSON.stringify(event);
    if ("write" in this.target) return this.target.write(line);
    this.stream ??= createWriteStream(this.target.file, { flags: "a" });
    if (!this.stream.write(`${line}\n`)) await new Promise<void>((r) => this.stream!.once("drain", () => r()));
  }

  async close(): Promise<void> {
    const s = this.stream;
    if (s) await new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

export class EventConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventConfigError";
  }
}

/** By default chat gets what a person wants to read; approvals and decisions go to the SIEM. */
export const DEFAULT_CHAT_EVENTS: EventType[] = ["grant", "revoke", "failure", "expiry_notice", "revoke_failed", "review_requested", "refused"];

export interface SinkOptions {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  retry?: Partial<RetryPolicy>;
}

function checkUrl(variable: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    // Never echo the value: it is a secret.
    throw new EventConfigError(`${variable} is not a URL`);
  }
  const local = u.hostname === "localhost" || u.hostname === "127.0.0.1" || u.hostname === "[::1]";
  if (u.protocol !== "https:" && !(u.protocol === "http:" && local)) throw new EventConfigError(`${variable} must be an https URL`);
  return value;
}

/**
 * Webhook sinks from the environment:
 *   GITGRANT_SIEM_URL (+ GITGRANT_SIEM_TOKEN, sent as "Authorization: Bearer ...") gets every event as JSON;
 *   GITGRANT_SLACK_WEBHOOK_URL and GITGRANT_TEAMS_WEBHOOK_URL get a short message for the types in
 *   GITGRANT_CHAT_EVENTS (comma-separated; default grant,revoke,failure,expiry_notice,revoke_failed,review_requested,refused).
 */
export function sinksFromEnv(env: NodeJS.ProcessEnv, o: SinkOptions = {}): WebhookSink[] {
  const sinks: WebhookSink[] = [];
  const common = { fetch: o.fetch, sleep: o.sleep, retry: o.retry };
  const chat = env.GITGRANT_CHAT_EVENTS ? (env.GITGRANT_CHAT_EVENTS.split(",").map((s) => s.trim()).filter(Boolean) as EventType[]) : DEFAULT_CHAT_EVENTS;
  if (env.GITGRANT_SIEM_URL) {
    const headers: Record<string, string> = env.GITGRANT_SIEM_TOKEN ? { authorization: `Bearer ${env.GITGRANT_SIEM_TOKEN}` } : {};
    sinks.push(new WebhookSink({ name: "siem", url: checkUrl("GITGRANT_SIEM_URL", env.GITGRANT_SIEM_URL), body: (e) => e, headers, ...common }));
  }
  if (env.GITGRANT_SLACK_WEBHOOK_URL) {
    sinks.push(new WebhookSink({ name: "slack", url: checkUrl("GITGRANT_SLACK_WEBHOOK_URL", env.GITGRANT_SLACK_WEBHOOK_URL), body: slackBody, types: chat, ...common }));
  }
  if (env.GITGRANT_TEAMS_WEBHOOK_URL) {
    sinks.push(new WebhookSink({ name: "teams", url: checkUrl("GITGRANT_TEAMS_WEBHOOK_URL", env.GITGRANT_TEAMS_WEBHOOK_URL), body: teamsBody, types: chat, ...common }));
  }
  return sinks;
}

export interface Delivery {
  sink: string;
  id: string;
  type: EventType;
  outcome: "sent" | "duplicate" | "failed";
  error?: string;
}

/** Sends each event to each sink that wants it, once per run: a sent (sink, id) is never sent again. */
export class EventDispatcher {
  private readonly sent = new Set<string>();

  constructor(private readonly sinks: EventSink[]) {}

  async dispatch(events: AccessEvent[]): Promise<Delivery[]> {
    // Sinks in parallel; within a sink, events in order (a chat channel reads in time order).
    const per = await Promise.all(
      this.sinks.map(async (sink) => {
        const out: Delivery[] = [];
        // A sink that is down (retries exhausted) is not tried again this run: every later event
        // would wait through the same backoff. They are reported as failed, to send next run.
        let down: string | null = null;
        for (const e of events) {
          if (!sink.wants(e.type)) continue;
          const key = `${sink.name}\0${e.id}`;
          if (this.sent.has(key)) {
            out.push({ sink: sink.name, id: e.id, type: e.type, outcome: "duplicate" });
            continue;
          }
          if (down) {
            out.push({ sink: sink.name, id: e.id, type: e.type, outcome: "failed", error: `${sink.name}: not attempted, the sink is down (${down})` });
            continue;
          }
          try {
            await sink.send(e);
            this.sent.add(key);
            out.push({ sink: sink.name, id: e.id, type: e.type, outcome: "sent" });
          } catch (err) {
            const message = err instanceof DeliveryError ? err.message : `${sink.name}: ${(err as Error).message}`;
            if (err instanceof DeliveryError && err.retryable) down = message;
            out.push({ sink: sink.name, id: e.id, type: e.type, outcome: "failed", error: message });
          }
        }
        return out;
      }),
    );
    return per.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => (s as { close?: () => Promise<void> }).close?.()));
  }
}
