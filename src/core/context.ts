// The evaluation context that auto_approve_if conditions and the risk score read.
// The caller fills the signals (the app from GitHub, the CLI from flags or a JSON file);
// anything unknown defaults to the cautious value (not an org member, no teams, no incident).
import { TZDate } from "@date-fns/tz";
import { CONTEXT, fieldsOf, signalWords, type ContextDeclaration, type ContextOf, type FieldRef, type RequesterSignalsOf, type SignalsOf } from "./context-declaration.js";
import type { PolicySettings, Resource } from "./types.js";
import { own } from "./own.js";

/** What is known of one requester (see CONTEXT in context-declaration.ts). */
export type RequesterSignals = RequesterSignalsOf<typeof CONTEXT>;

/** The policy signals a caller gives: the app from its sources, the CLI from flags or a JSON file. */
export type Signals = SignalsOf<typeof CONTEXT>;

export type EvaluationContext = ContextOf<typeof CONTEXT> & {
  /** What the sources said of each signal, in words (Signals.said), for the reasons. */
  said?: Record<string, string>;
};

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

export function buildContext(input: ContextInput, decl: ContextDeclaration = CONTEXT): EvaluationContext {
  const login = input.login.toLowerCase();
  const s = (own(input.signals.requesters, login) ?? {}) as Record<string, unknown>;
  const { hour, weekday } = localTime(input.now, input.settings.timezone);
  const ctx = {
    requester: { login: input.login },
    resource: { id: input.resource.id, sensitivity: input.resource.sensitivity, provider: input.resource.provider },
    request: {
      duration_hours: input.durationMs / 3_600_000,
      duration_minutes: Math.ceil(input.durationMs / 60_000),
      ticket: input.ticket ?? "",
      has_ticket: Boolean(input.ticket),
      break_glass: input.breakGlass,
      for_self: login === input.author.toLowerCase(),
      change: input.change,
    },
    time: { hour, weekday, business_hours: hour >= 9 && hour < 18 && weekday !== "Sat" && weekday !== "Sun" },
  } as Record<string, Record<string, unknown>>;
  fillSignals(ctx, decl, s, input);
  // Open on the listed services (ids), or looked up by the reference itself on any service (referenced).
  if (ctx.incident) ctx.incident.referenced_open = referencesOpen(input.ticket, [...((ctx.incident.ids as string[] | undefined) ?? []), ...((ctx.incident.referenced as string[] | undefined) ?? [])]);
  (ctx.requester!.teams as string[] | undefined) &&= (ctx.requester!.teams as string[]).map((t) => t.toLowerCase());
  const built = ctx as unknown as EvaluationContext;
  if (input.signals.said) built.said = input.signals.said;
  built.risk = riskScore(built, input.settings.risk_weights);
  return built;
}

/** Each signal as given, else its cautious value (declared once, in context-declaration.ts). */
function fillSignals(ctx: Record<string, Record<string, unknown>>, decl: ContextDeclaration, mine: Record<string, unknown>, input: ContextInput): void {
  const given = (f: FieldRef): Record<string, unknown> | undefined =>
    f.per === "requester" ? (f.group === "requester" ? mine : (mine[f.group] as Record<string, unknown> | undefined)) : (input.signals as Record<string, Record<string, unknown> | undefined>)[f.group];
  for (const f of fieldsOf(decl)) {
    const sig = f.spec.signal;
    if (!sig) continue;
    const from = given(f);
    let v = from?.[f.field];
    if (v === undefined) v = typeof sig.cautious === "function" ? (sig.cautious as (g: (field: string) => unknown, i: { activeGrants: number }) => unknown)((k) => from?.[k], input) : sig.cautious;
    (ctx[f.group] ??= {})[f.field] = v;
  }
}

/**
 * Whether a request's reference names an open incident: "INC-1234", "#1234" and "1234" name
 * number 1234; anything else must equal an id (PagerDuty's PT4KHLK), case-insensitively.
 */
export function referencesOpen(ref: string | undefined, ids: readonly string[] | undefined): boolean {
  if (!ref || !ids?.length) return false;
  const want = incidentKey(ref);
  return ids.some((id) => incidentKey(id) === want);
}

export function incidentKey(ref: string): string {
  const m = /^\s*(?:INC-?|#)?(\d+)\s*$/i.exec(ref);
  return m ? String(Number(m[1])) : ref.trim().toLowerCase();
}

/**
 * A signal of this context in words: what its source said, or the value as declared
 * ("teams acme/oncall"). For the reasons of a decision that read it.
 */
export function signalSentence(ctx: EvaluationContext, f: FieldRef): string {
  const value = (ctx as unknown as Record<string, Record<string, unknown>>)[f.group]?.[f.field];
  if (f.spec.derivedWords) return (f.spec.derivedWords as unknown as (v: unknown, c: EvaluationContext) => string)(value, ctx);
  const said = ctx.said?.[`${ctx.requester.login.toLowerCase()} ${f.path}`] ?? ctx.said?.[`* ${f.path}`];
  return said ?? signalWords(f, value);
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
export function riskScore(ctx: Omit<EvaluationContext, "risk" | "said">, w: Record<string, number>): { score: number; factors: string[] } {
  const factors: string[] = [];
  let score = 0;
  const add = (points: number, why: string) => {
    if (points > 0) {
      score += points;
      factors.push(`${why} +${points}`);
    }
  };
  add(own(w, `sensitivity.${ctx.resource.sensitivity}`) ?? 0, `${ctx.resource.sensitivity} sensitivity`);
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
