// Ask the sources whose fields the plan needs, all at once, and merge what they say. A
// source that fails leaves the cautious value and a sentence saying so, never a silent
// pass; one failing source never hides the others' answers.
import type { AccessConfig } from "../core/config.js";
import { CONTEXT, signalFields, signalWords, type ContextDeclaration, type FieldRef } from "../core/context-declaration.js";
import type { Signals } from "../core/context.js";
import { describeError } from "./github.js";
import type { SignalPlan } from "./plan.js";
import { SOURCES } from "./registry.js";
import type { SignalAnswer, SignalAsk, SignalEnv, SignalSource } from "./types.js";
import { ownSlot } from "../core/own.js";

export interface Gathered {
  signals: Signals;
  baseRequestFiles?: string[];
  /** What could not be learned, in words; the cautious value was used instead. */
  notes: string[];
  /** The sources asked, by name (none when no deciding condition reads a signal). */
  asked: string[];
}

/** The sources that fill a field the plan needs. */
export function sourcesFor(plan: SignalPlan, sources: readonly SignalSource[] = SOURCES, config?: AccessConfig): SignalSource[] {
  if (plan.logins.length === 0) return [];
  return sources.filter((s) => s.fills.some((p) => plan.paths.has(p)) && (!s.applies || !config || s.applies(config)));
}

export async function gatherSignals(
  plan: SignalPlan,
  ask: Omit<SignalAsk, "logins" | "paths" | "refs">,
  env: SignalEnv,
  sources: readonly SignalSource[] = SOURCES,
): Promise<Gathered> {
  const decl = ask.config.context ?? CONTEXT;
  const chosen = sourcesFor(plan, sources, ask.config);
  const full: SignalAsk = { ...ask, logins: plan.logins, paths: plan.paths, refs: plan.refs };
  // Every source starts before the shared GitHub query is sent, so it carries all their fields.
  const running = chosen.map((s) => s.fetch(full, env).catch((err: unknown) => failed(decl, s, plan.logins, err)));
  env.github?.batch.send();
  const answers = await Promise.all(running);
  const out: Gathered = { signals: {}, notes: [], asked: chosen.map((s) => s.name) };
  for (const a of answers) {
    merge(out.signals, a.signals ?? {});
    if (a.baseRequestFiles) out.baseRequestFiles = a.baseRequestFiles;
    out.notes.push(...(a.notes ?? []));
  }
  out.notes.push(...(env.github?.batch.notes ?? []));
  return out;
}

/** The answer of a source that could not be asked: cautious values, and why, in words. */
function failed(decl: ContextDeclaration, source: SignalSource, logins: string[], err: unknown): SignalAnswer {
  const why = describeError(err);
  const fields = signalFields(decl).filter((f) => source.fills.includes(f.path));
  const signals: Record<string, unknown> = {};
  const said: Record<string, string> = {};
  const treated: string[] = [];
  for (const f of fields) {
    const value = f.spec.signal?.failed ?? (typeof f.spec.signal?.cautious === "function" ? undefined : f.spec.signal?.cautious);
    // Said for the main fields only (not those computed from another), once each.
    if (value !== undefined && value !== null && !f.spec.dependsOn && !treated.includes(signalWords(f, value))) treated.push(signalWords(f, value));
    const sentence = `${f.path} not known (${source.name}: ${why})${value !== undefined ? `, treated as ${signalWords(f, value)}` : ""}`;
    for (const who of f.per === "requester" ? logins : ["*"]) {
      said[`${who} ${f.path}`] = sentence;
      if (f.spec.signal?.failed !== undefined) put(signals, f, who, f.spec.signal.failed);
    }
  }
  return {
    signals: { ...(signals as Signals), said },
    notes: [`could not ask ${source.name} (${why}); treated as ${treated.join(", ") || "unknown"}`],
  };
}

function put(signals: Record<string, unknown>, f: FieldRef, who: string, value: unknown): void {
  if (f.per === "requester") {
    const r = ownSlot((signals.requesters ??= {}) as Record<string, Record<string, unknown>>, who, (): Record<string, unknown> => ({}));
    if (f.group === "requester") r[f.field] = value;
    else ((r[f.group] ??= {}) as Record<string, unknown>)[f.field] = value;
  } else ((signals[f.group] ??= {}) as Record<string, unknown>)[f.field] = value;
}

/** Two levels deep for requesters (login -> group), one for everything else. */
function merge(into: Signals, from: Signals): void {
  const a = into as Record<string, unknown>;
  for (const [k, v] of Object.entries(from)) {
    if (k === "requesters") {
      const rs = (a.requesters ??= {}) as Record<string, Record<string, unknown>>;
      for (const [login, r] of Object.entries(v as Record<string, Record<string, unknown>>)) {
        const mine = ownSlot(rs, login, (): Record<string, unknown> => ({}));
        for (const [f, x] of Object.entries(r)) mine[f] = x && typeof x === "object" && !Array.isArray(x) ? { ...(mine[f] as object), ...x } : x;
      }
    } else a[k] = v && typeof v === "object" && !Array.isArray(v) ? { ...(a[k] as object), ...(v as object) } : v;
  }
}
