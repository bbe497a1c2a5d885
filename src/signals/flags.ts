// The CLI's signal flags, generated from the context declaration: a signal field with a
// `flag` becomes an option (--team, --org-member, --incident, ...), the --signals JSON file
// is checked against the same declaration, and the app prints the flags that give the
// signals it used (the check run's reproducing line). Pure: the CLI registers and reads them.
import { CONTEXT, signalFields, type ContextDeclaration, type FieldRef, type FlagSpec } from "../core/context-declaration.js";
import type { Signals } from "../core/context.js";
import { ownSlot } from "../core/own.js";

export class SignalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignalInputError";
  }
}

export interface SignalFlag {
  field: FieldRef;
  spec: FlagSpec;
  /** As commander takes it: "--team <login=org/team>". */
  option: string;
  /** The key commander stores it under: "orgMember". */
  key: string;
  help: string;
  repeatable: boolean;
}

export function signalFlags(decl: ContextDeclaration = CONTEXT): SignalFlag[] {
  const out: SignalFlag[] = [];
  for (const field of signalFields(decl)) {
    const spec = field.spec.signal?.flag;
    if (!spec) continue;
    const perRequester = field.per === "requester";
    const boolean = field.spec.type === "bool";
    const arg = spec.arg ?? (perRequester ? (boolean ? "login" : "login=value") : boolean ? undefined : "value");
    out.push({
      field,
      spec,
      option: `--${spec.name}${arg ? ` <${arg}>` : ""}`,
      key: spec.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      help: spec.help,
      repeatable: perRequester || field.spec.type === "list<string>",
    });
  }
  return out;
}

/** The signals the flags give, on top of those of a --signals file (flags win). */
export function signalsFromFlags(values: Record<string, unknown>, base: Signals = {}, decl: ContextDeclaration = CONTEXT): Signals {
  const out = structuredClone(base) as Record<string, unknown>;
  const requesters = (out.requesters ??= {}) as Record<string, Record<string, unknown>>;
  for (const flag of signalFlags(decl)) {
    const given = values[flag.key];
    if (given === undefined || given === false) continue;
    const { field, spec } = flag;
    const items = Array.isArray(given) ? (given as string[]) : [given];
    for (const item of items) {
      let login: string | undefined;
      let raw: unknown = item;
      if (field.per === "requester") {
        if (field.spec.type === "bool") login = String(item);
        else {
          const m = /^([^=]+)=(.+)$/.exec(String(item));
          if (!m) throw new SignalInputError(`--${spec.name} "${item}" must look like ${spec.shape ?? `LOGIN=${field.spec.type}`}`);
          login = m[1]!;
          raw = m[2]!;
        }
      }
      const group = field.per === "requester" ? groupOf(ownSlot(requesters, login!.toLowerCase(), (): Record<string, unknown> => ({})), field) : ((out[field.group] ??= {}) as Record<string, unknown>);
      const value = field.spec.type === "bool" ? true : parseValue(field, spec, String(raw));
      if (spec.pattern && typeof value === "string" && !spec.pattern.test(value)) throw new SignalInputError(`--${spec.name} "${item}" must look like ${spec.shape ?? String(spec.pattern)}`);
      if (field.spec.type === "list<string>") group[field.field] = [...((group[field.field] as string[] | undefined) ?? []), value];
      else group[field.field] = value;
      for (const [k, f] of Object.entries(spec.implies ?? {})) group[k] = f(group[k]);
    }
  }
  return out as Signals;
}

function groupOf(requester: Record<string, unknown>, field: FieldRef): Record<string, unknown> {
  return field.group === "requester" ? requester : ((requester[field.group] ??= {}) as Record<string, unknown>);
}

function parseValue(field: FieldRef, spec: FlagSpec, raw: string): unknown {
  const bad = (what: string) => new SignalInputError(`--${spec.name}: "${raw}" is not ${what}`);
  switch (field.spec.type) {
    case "int": {
      if (!/^-?\d+$/.test(raw)) throw bad("a whole number");
      return Number(raw);
    }
    case "double": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw bad("a number");
      return n;
    }
    case "timestamp": {
      const d = new Date(raw);
      if (!/^\d{4}-\d\d-\d\dT/.test(raw) || Number.isNaN(d.getTime())) throw bad("an ISO 8601 time (2026-11-30T18:00:00Z)");
      return d;
    }
    default:
      return spec.lower ? raw.toLowerCase() : raw;
  }
}

const SAFE = /^[\w@%+=:,./-]+$/;
function quote(s: string): string {
  return SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The flags that give exactly these signals, in declaration order ("--team alice=acme/oncall --incident"). */
export function flagArgs(signals: Signals | undefined, decl: ContextDeclaration = CONTEXT): string[] {
  if (!signals) return [];
  const flags = signalFlags(decl);
  const args: string[] = [];
  const text = (field: FieldRef, v: unknown) => (v instanceof Date ? v.toISOString().replace(/\.000Z$/, "Z") : String(v));
  for (const [login, r] of Object.entries(signals.requesters ?? {})) {
    const implied = new Map<string, unknown>();
    for (const flag of flags) {
      if (flag.field.per !== "requester") continue;
      const group = flag.field.group === "requester" ? (r as Record<string, unknown>) : ((r as Record<string, Record<string, unknown>>)[flag.field.group] ?? {});
      const v = group[flag.field.field];
      if (v === undefined || v === null) continue;
      const key = `${flag.field.group}.${flag.field.field}`;
      if (implied.has(key) && implied.get(key) === v) continue;
      let emitted = false;
      if (flag.field.spec.type === "bool") {
        if (v === true) args.push(`--${flag.spec.name} ${quote(login)}`), (emitted = true);
      } else if (Array.isArray(v)) {
        for (const x of v) args.push(`--${flag.spec.name} ${quote(`${login}=${text(flag.field, x)}`)}`);
        emitted = v.length > 0;
      } else args.push(`--${flag.spec.name} ${quote(`${login}=${text(flag.field, v)}`)}`), (emitted = true);
      if (emitted) for (const [k, f] of Object.entries(flag.spec.implies ?? {})) implied.set(`${flag.field.group}.${k}`, f(undefined));
    }
  }
  for (const flag of flags) {
    if (flag.field.per === "requester") continue;
    const v = (signals as Record<string, Record<string, unknown> | undefined>)[flag.field.group]?.[flag.field.field];
    if (v === undefined || v === null || v === false) continue;
    if (flag.field.spec.type === "bool") args.push(`--${flag.spec.name}`);
    else if (Array.isArray(v)) for (const x of v) args.push(`--${flag.spec.name} ${quote(text(flag.field, x))}`);
    else args.push(`--${flag.spec.name} ${quote(text(flag.field, v))}`);
  }
  return args;
}

/**
 * A --signals file, checked against the declaration: unknown names and wrong types are
 * refused with the path to them, so a typo is never a silently cautious value.
 */
export function checkSignalsFile(value: unknown, decl: ContextDeclaration = CONTEXT): Signals {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SignalInputError("expected a JSON object");
  const fields = signalFields(decl);
  const check = (obj: unknown, where: string, per: "requester" | "change", group: string | null) => {
    if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new SignalInputError(`${where}: expected an object`);
    for (const [k, v] of Object.entries(obj)) {
      const nested = fields.some((f) => f.per === per && f.group === k && (per === "change" || f.group !== "requester"));
      if (group === null && nested) {
        check(v, `${where}${where ? "." : ""}${k}`, per, k);
        continue;
      }
      const f = fields.find((x) => x.per === per && x.group === (group ?? "requester") && x.field === k);
      if (!f) {
        const known = fields.filter((x) => x.per === per && (group ? x.group === group : true)).map((x) => (group || x.group !== "requester" ? `${x.group}.${x.field}` : x.field));
        throw new SignalInputError(`${where}${where ? "." : ""}${k} is not a signal gitgrant knows (known: ${known.join(", ")})`);
      }
      if (!typeFits(f, v)) throw new SignalInputError(`${where}${where ? "." : ""}${k}: expected ${f.spec.type}${f.spec.nullable ? " or null" : ""}, got ${JSON.stringify(v)}`);
    }
  };
  const { requesters, said, ...rest } = value as Record<string, unknown>;
  if (said !== undefined && (typeof said !== "object" || said === null || Object.values(said).some((x) => typeof x !== "string"))) throw new SignalInputError("said: expected an object of sentences");
  if (requesters !== undefined) {
    if (typeof requesters !== "object" || requesters === null || Array.isArray(requesters)) throw new SignalInputError("requesters: expected an object by login");
    for (const [login, r] of Object.entries(requesters)) check(r, `requesters.${login}`, "requester", null);
  }
  for (const [k, v] of Object.entries(rest)) {
    if (!fields.some((f) => f.per === "change" && f.group === k)) throw new SignalInputError(`${k} is not a signal group gitgrant knows (known: requesters, ${[...new Set(fields.filter((f) => f.per === "change").map((f) => f.group))].join(", ")})`);
    check(v, k, "change", k);
  }
  const out = structuredClone(value) as Record<string, unknown>;
  // Times arrive as text; the context holds Dates. Logins compare case-insensitively.
  if (out.requesters) out.requesters = Object.fromEntries(Object.entries(out.requesters as object).map(([l, r]) => [l.toLowerCase(), r]));
  for (const f of fields.filter((x) => x.spec.type === "timestamp")) {
    const holders = f.per === "change" ? [out[f.group]] : Object.values((out.requesters ?? {}) as Record<string, Record<string, unknown>>).map((r) => (f.group === "requester" ? r : r[f.group]));
    for (const h of holders as Array<Record<string, unknown> | undefined>) if (h && typeof h[f.field] === "string") h[f.field] = new Date(h[f.field] as string);
  }
  return out as Signals;
}

function typeFits(f: FieldRef, v: unknown): boolean {
  if (v === null) return f.spec.nullable === true;
  switch (f.spec.type) {
    case "bool":
      return typeof v === "boolean";
    case "int":
      return Number.isInteger(v);
    case "double":
      return typeof v === "number" && Number.isFinite(v);
    case "string":
      return typeof v === "string";
    case "list<string>":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
    case "timestamp":
      return typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(new Date(v).getTime());
  }
}
