// POST /pagerduty/webhook: PagerDuty's v3 webhook, the instant path of `until:
// incident-resolved` (the sweep is the safety net). The signature is checked before anything
// is read: X-PagerDuty-Signature holds one or more `v1=<hex HMAC-SHA256 of the raw body>`
// (several while PagerDuty rotates secrets), keyed with the subscription's secret from
// PAGERDUTY_WEBHOOK_SECRET. Without a secret the route refuses everything (fail closed).
// An `incident.resolved` opens a revoke PR for every request naming the incident, in each
// repository of GITGRANT_REPOSITORY; the app then merges it like any of its own revoke PRs.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Probot } from "probot";
import { githubRepository } from "../github/changes.js";
import { gitHub, type GitHubTarget } from "../github/octokit.js";
import { GitHubRepo } from "../github/repo.js";
import { revokeOnIncidentResolved, type EventOutcome } from "../operations/event-revokes.js";

export const PAGERDUTY_WEBHOOK_PATH = "/pagerduty/webhook";
/** PagerDuty's payloads are a few kilobytes; anything near this is not one. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Whether one of the header's v1 signatures is the HMAC-SHA256 of the raw body under `secret` (constant-time). */
export function verifyPagerDutySignature(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !secret) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(raw).digest("hex"), "utf8");
  return header
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("v1="))
    .some((s) => {
      const given = Buffer.from(s.slice(3), "utf8");
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}

interface ResolvedEvent {
  id: string;
  number?: number;
  resolvedAt?: Date;
}

/** The incident of an `incident.resolved` event, or null for any other event (pings included). */
export function resolvedIncident(payload: unknown): ResolvedEvent | null {
  const event = (payload as { event?: { event_type?: unknown; occurred_at?: unknown; data?: { id?: unknown; number?: unknown; type?: unknown } } })?.event;
  if (event?.event_type !== "incident.resolved" || typeof event.data?.id !== "string") return null;
  const at = typeof event.occurred_at === "string" ? new Date(event.occurred_at) : undefined;
  return {
    id: event.data.id,
    ...(typeof event.data.number === "number" ? { number: event.data.number } : {}),
    ...(at && !Number.isNaN(at.getTime()) ? { resolvedAt: at } : {}),
  };
}

export interface PagerDutyWebhookOptions {
  app: Probot;
  env: Record<string, string | undefined>;
}

type Reply = { status: number; body: Record<string, unknown> };

export function pagerDutyWebhookHandler(o: PagerDutyWebhookOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if ((req.url ?? "").split("?")[0] !== PAGERDUTY_WEBHOOK_PATH) return false;
    const reply = await answer(o, req).catch((err: Error): Reply => {
      o.app.log.error(`gitgrant: PagerDuty webhook failed: ${err.message}`);
      // Non-2xx: PagerDuty delivers it again, and a second delivery finds the PRs already open.
      return { status: 500, body: { error: "gitgrant could not act on this event; see the app's log" } };
    });
    res.writeHead(reply.status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(reply.body));
    return true;
  };
}

async function answer(o: PagerDutyWebhookOptions, req: IncomingMessage): Promise<Reply> {
  if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
  const secret = o.env.PAGERDUTY_WEBHOOK_SECRET ?? "";
  if (!secret) return { status: 503, body: { error: "PAGERDUTY_WEBHOOK_SECRET is not set: gitgrant accepts no PagerDuty webhook" } };
  const raw = await readBody(req);
  if (raw === null) return { status: 413, body: { error: "body too large" } };
  const header = req.headers["x-pagerduty-signature"];
  if (!verifyPagerDutySignature(raw, Array.isArray(header) ? header.join(",") : header, secret)) {
    return { status: 403, body: { error: "invalid X-PagerDuty-Signature" } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString("utf8"));
  } catch {
    return { status: 400, body: { error: "the body is not JSON" } };
  }
  const incident = resolvedIncident(payload);
  if (!incident) return { status: 200, body: { ignored: "not an incident.resolved event" } };
  const repos = (o.env.GITGRANT_REPOSITORY ?? "").split(",").map((r) => r.trim()).filter(Boolean);
  if (!repos.length) return { status: 503, body: { error: "GITGRANT_REPOSITORY (owner/name of the access repository) is not set" } };
  const revokes: Array<EventOutcome & { repository: string }> = [];
  for (const full of repos) {
    const outcomes = await inRepository(o.app, full, incident);
    for (const r of outcomes) {
      o.app.log.info(`gitgrant: ${full} ${r.path}: ${r.detail} (PagerDuty incident ${incident.id} resolved)`);
      revokes.push({ repository: full, ...r });
    }
  }
  const failed = revokes.filter((r) => r.status === "failed");
  return { status: failed.length ? 500 : 200, body: { incident: incident.id, revokes } };
}

async function inRepository(app: Probot, full: string, incident: ResolvedEvent): Promise<EventOutcome[]> {
  const [owner, repo] = full.split("/") as [string, string];
  if (!owner || !repo) throw new Error(`GITGRANT_REPOSITORY entry "${full}" is not owner/name`);
  const jwt = gitHub(await app.auth());
  const { data: installation } = await jwt.rest.apps.getRepoInstallation({ owner, repo });
  const api = gitHub(await app.auth(installation.id));
  const { data: info } = await api.rest.repos.get({ owner, repo });
  const target: GitHubTarget = { octokit: api, owner, repo };
  return revokeOnIncidentResolved({ repo: githubRepository(target, new GitHubRepo(target)), branch: info.default_branch, incident });
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
