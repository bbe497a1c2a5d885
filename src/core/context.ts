// The evaluation context that auto_approve_if conditions and the risk score read.
// The caller fills the signals (the app from GitHub, the CLI from flags or a JSON file);
// anything unknown defaults to the cautious value (not an org member, no teams, no incident).
import { TZDate } from "@date-fns/tz";
import type { PolicySettings, Resource } from "./types.js";

export interface RequesterSignals {
  teams?: string[];
  org_member?: boolean;
  outside_collaborator?: boolean;
  active_grants?: number;
}

export interface Signals {
  /** By lower-cased login. */
  requesters?: Record<string, RequesterSignals>;
  incident?: { open: boolean; count?: number };
}

export interface EvaluationContext {
  requester: { login: string; teams: string[]; org_member: boolean; outside_collaborator: boolean; active_grants: number };
  resource: { id: string; sensitivity: string; provider: string };
  request: { duration_hours: number; duration_minutes: number; ticket: string; has_ticket: boolean; break_glass: boolean; for_self: boolean; change: string };
  time: { hour: number; weekday: string; business_hours: boolean };
  incident: { open: boolean; count: number };
  risk: { score: number; factors: string[] };
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export interface ContextInput {
  login: string;
  author: string;
  resource: Resource;
  durationMs: number;
  ticket?: string;
  breakGlass: boolean;
  change: string;
  now: Date;
  settings: PolicySettings;
  signals: Signals;
  /** Active grants of this login on the base branch, when the caller did not say. */
  activeGrants: number;
}

export function buildContext(input: ContextInput): EvaluationContext {
  const s = input.signals.requesters?.[input.login.toLowerCase()] ?? {};
  const { hour, weekday } = localTime(input.now, input.settings.timezone);
  const ctx: Omit<EvaluationContext, "risk"> = {
    requester: {
      login: input.login,
      teams: (s.teams ?? []).map((t) => t.toLowerCase()),
      org_member: s.org_member ?? false,
      outside_collaborator: s.outside_collaborator ?? !(s.org_member ?? false),
      active_grants: s.active_grants ?? input.activeGrants,
    },
    resource: { id: input.resource.id, sensitivity: input.resource.sensitivity, provider: input.resource.provider },
    request: {
      duration_hours: input.durationMs / 3_600_000,
      duration_minutes: Math.ceil(input.durationMs / 60_000),
      ticket: input.ticket ?? "",
      has_ticket: Boolean(input.ticket),
      break_glass: input.breakGlass,
      for_self: input.login.toLowerCase() === input.author.toLowerCase(),
      change: input.change,
    },
    time: { hour, weekday, business_hours: hour >= 9 && hour < 18 && weekday !== "Sat" && weekday !== "Sun" },
    incident: { open: input.signals.incident?.open ?? false, count: input.signals.incident?.count ?? (input.signals.incident?.open ? 1 : 0) },
  };
  (ctx as EvaluationContext).risk = riskScore(ctx, input.settings.risk_weights);
  return ctx as EvaluationContext;
}

// Every file of a change is judged at the same instant; time-zone math once, not per file.
let lastTime: { key: string; hour: number; weekday: string } | undefined;
function localTime(now: Date, timezone: string): { hour: number; weekday: string } {
  const key = `${now.getTime()} ${timezone}`;
  if (lastTime?.key !== key) {
    const local = new TZDate(now.getTime(), timezone);
    lastTime = { key, hour: local.getHours(), weekday: WEEKDAYS[local.getDay()]! };
  }
  return lastTime;
}

/**
 * Risk score, 0..100, the sum of documented weights (policy settings.risk_weights):
 * sensitivity.<class>, per_hour of duration (capped at max_duration_points),
 * outside_collaborator, off_hours, no_ticket, break_glass, for_someone_else, per_active_grant.
 */
export function riskScore(ctx: Omit<EvaluationContext, "risk">, w: Record<string, number>): { score: number; factors: string[] } {
  const factors: string[] = [];
  let score = 0;
  const add = (points: number, why: string) => {
    if (points > 0) {
      score += points;
      factors.push(`${why} +${points}`);
    }
  };
  add(w[`sensitivity.${ctx.resource.sensitivity}`] ?? 0, `${ctx.resource.sensitivity} sensitivity`);
  add(Math.min(Math.round(ctx.request.duration_hours * (w.per_hour ?? 0)), w.max_duration_points ?? Infinity), `${round(ctx.request.duration_hours)}h duration`);
  if (ctx.requester.outside_collaborator) add(w.outside_collaborator ?? 0, "outside collaborator");
  if (!ctx.time.business_hours) add(w.off_hours ?? 0, "outside business hours");
  if (!ctx.request.has_ticket) add(w.no_ticket ?? 0, "no ticket");
  if (ctx.request.break_glass) add(w.break_glass ?? 0, "break-glass");
  if (!ctx.request.for_self) add(w.for_someone_else ?? 0, "requested by someone else");
  add(ctx.requester.active_grants * (w.per_active_grant ?? 0), `${ctx.requester.active_grants} active grant(s)`);
  return { score: Math.min(100, Math.max(0, Math.round(score))), factors };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
