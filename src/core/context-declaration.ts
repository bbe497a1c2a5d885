// The evaluation context, declared once. From this one table come the TypeScript type of
// the context (ContextOf), the CEL type environment conditions are checked against
// (celSchema), the values handed to CEL (toCel), the cautious values used when a signal
// is unknown (buildContext) and the CLI's signal flags (src/signals/flags.ts).
// Pure data and pure functions: no I/O here.

/** The CEL types a context field may have. */
export type CelType = "string" | "bool" | "int" | "double" | "list<string>" | "timestamp";

/** How a signal is given on the command line (gitgrant check / validate). */
export interface FlagSpec {
  /** The option's name without dashes: "team" gives --team. */
  name: string;
  /** Shown in --help after the option: "login=org/team". */
  arg?: string;
  help: string;
  /** The value (after "login=" for a requester's signal) must match this. */
  pattern?: RegExp;
  /** Said when the value does not match. */
  shape?: string;
  /** Other fields of the same group the flag also sets, from their value so far ("a team member is an org member"). */
  implies?: Record<string, (before: unknown) => unknown>;
  /** Lower-case the value (team slugs, logins compare case-insensitively). */
  lower?: boolean;
}

/** A cautious value that follows from other signals of the group or from the request. */
export type CautiousFrom = (given: (field: string) => unknown, input: { activeGrants: number }) => unknown;
type Given = (field: string) => unknown;

export interface SignalSpec {
  /**
   * The value when no source could tell: the one that never makes a condition pass that
   * would not pass otherwise (no teams, not a member, no incident, not on call, unknown).
   * A function when the cautious value follows from other inputs of the same request.
   */
  cautious: unknown | CautiousFrom;
  /**
   * The value when its source failed, where the default above would not be cautious (no
   * active grants would lower the risk score; an unknown count is taken as the ceiling).
   */
  failed?: unknown;
  flag?: FlagSpec;
  /** The value in words, for the decision's reasons ("on call for payments (level 1)"). */
  words?: (value: never) => string;
}

export interface FieldSpec {
  type: CelType;
  description: string;
  /** May be null (not known, or nothing to report); conditions reading null fail closed. */
  nullable?: boolean;
  /** Filled by a signal source (src/signals); without it the core computes it from the request. */
  signal?: SignalSpec;
  /** Fields this one is computed from (read one, and those are needed too). */
  dependsOn?: (settings: { risk_weights: Record<string, number> }) => string[];
  /** Kept out of CEL (the risk score's factor list is for words, not for conditions). */
  cel?: false;
  /** Words for a field the core derives from signals (listed with the signals a condition read). */
  derivedWords?: (value: never, ctx: { request: { ticket: string }; said?: Record<string, string> }) => string;
}

export interface GroupSpec {
  /**
   * "requester": varies with the requester (signals JSON: requesters.<login>); "change":
   * one value for the whole change (signals JSON: top level); "request": computed by the
   * core from the request itself.
   */
  per: "requester" | "change" | "request";
  fields: Record<string, FieldSpec>;
}

export type ContextDeclaration = Record<string, GroupSpec>;

export const CONTEXT = {
  requester: {
    per: "requester",
    fields: {
      login: { type: "string", description: "the requester's GitHub login" },
      teams: {
        type: "list<string>",
        description: "the requester's teams in the organisation, as org/team, lower-cased",
        signal: {
          cautious: [],
          flag: { name: "team", arg: "login=org/team", help: "the login belongs to the team (repeatable)", pattern: /^[^/]+\/.+$/, shape: "LOGIN=org/team", implies: { org_member: (before: unknown) => before ?? true }, lower: true },
          words: (v: string[]) => (v.length ? `teams ${v.join(", ")}` : "in no team"),
        },
      },
      org_member: {
        type: "bool",
        description: "the requester is a member of the organisation",
        signal: {
          cautious: false,
          flag: { name: "org-member", arg: "login", help: "the login is an organisation member (repeatable)" },
          words: (v: boolean) => (v ? "an organisation member" : "not an organisation member"),
        },
      },
      outside_collaborator: {
        type: "bool",
        description: "the requester is not an organisation member",
        dependsOn: () => ["requester.org_member"],
        signal: { cautious: (given: Given) => !(given("org_member") ?? false), words: (v: boolean) => (v ? "an outside collaborator" : "not an outside collaborator") },
      },
      active_grants: {
        type: "int",
        description: "other grants the requester holds now (request files on the base branch)",
        signal: { cautious: (_given: Given, input: { activeGrants: number }) => input.activeGrants, failed: 100, words: (v: number) => `${v} other active grant(s)` },
      },
    },
  },
  resource: {
    per: "request",
    fields: {
      id: { type: "string", description: "the resource's catalog id" },
      sensitivity: { type: "string", description: "low, medium, high or critical" },
      provider: { type: "string", description: "the resource's provider" },
    },
  },
  request: {
    per: "request",
    fields: {
      duration_hours: { type: "double", description: "the requested duration in hours" },
      duration_minutes: { type: "int", description: "the requested duration in minutes, rounded up" },
      ticket: { type: "string", description: "the ticket (or incident) reference, or empty" },
      has_ticket: { type: "bool", description: "a ticket or incident is named" },
      break_glass: { type: "bool", description: "break_glass: true" },
      for_self: { type: "bool", description: "the requester opened the change" },
      change: { type: "string", description: "added or modified" },
    },
  },
  time: {
    per: "request",
    fields: {
      hour: { type: "int", description: "the hour now in settings.timezone" },
      weekday: { type: "string", description: "Mon..Sun in settings.timezone" },
      business_hours: { type: "bool", description: "09:00-18:00 Monday to Friday" },
    },
  },
  incident: {
    per: "change",
    fields: {
      open: {
        type: "bool",
        description: "an incident is open (PagerDuty's configured services, else labelled GitHub issues)",
        signal: { cautious: false, flag: { name: "incident", help: "an incident is open", implies: { count: (before: unknown) => Math.max(1, (before as number | undefined) ?? 1) } }, words: (v: boolean) => (v ? "an incident is open" : "no open incident") },
      },
      count: {
        type: "int",
        description: "how many incidents are open",
        dependsOn: () => ["incident.open"],
        signal: { cautious: (given: Given) => (given("open") ? 1 : 0), words: (v: number) => `${v} open incident(s)` },
      },
      ids: {
        type: "list<string>",
        description: "the open incidents' ids and numbers (PagerDuty: id and number; GitHub: issue number)",
        signal: {
          cautious: [],
          flag: { name: "incident-id", arg: "id", help: "this incident is open (repeatable; also sets --incident)", implies: { open: () => true, count: (before: unknown) => Math.max(1, (before as number | undefined) ?? 1) } },
          words: (v: string[]) => (v.length ? `open incidents ${v.join(", ")}` : "no open incident"),
        },
      },
      referenced: {
        type: "list<string>",
        description: "the incidents the requests name that PagerDuty, asked for each by id or number, says are open on any service (ids and numbers); for referenced_open",
        cel: false,
        signal: { cautious: [], words: (v: string[]) => (v.length ? `referenced incidents open in PagerDuty: ${v.join(", ")}` : "no referenced incident open in PagerDuty") },
      },
      referenced_open: {
        type: "bool",
        description: "the request's incident (or ticket) names an open incident: INC-1234, #1234 or 1234 match number 1234, an id matches itself",
        dependsOn: () => ["incident.ids", "incident.referenced"],
        derivedWords: (v: boolean, ctx) =>
          !ctx.request.ticket
            ? "the request names no incident"
            : (ctx.said?.[`* incident.referenced ${ctx.request.ticket}`] ?? `${ctx.request.ticket} is ${v ? "" : "not "}among the open incidents`),
      },
    },
  },
  risk: {
    per: "request",
    fields: {
      score: {
        type: "int",
        description: "the risk score, 0..100, from settings.risk_weights",
        dependsOn: (s) => [
          ...((s.risk_weights.outside_collaborator ?? 0) !== 0 ? ["requester.outside_collaborator"] : []),
          ...((s.risk_weights.per_active_grant ?? 0) !== 0 ? ["requester.active_grants"] : []),
        ],
      },
      factors: { type: "list<string>", description: "what the score is made of, in words", cel: false },
    },
  },
  oncall: {
    per: "requester",
    fields: {
      now: {
        type: "bool",
        description: "the requester is on call now (PagerDuty), on the escalation policies or schedules settings.pagerduty names",
        signal: { cautious: false, flag: { name: "oncall", arg: "login", help: "the login is on call now (repeatable)" }, words: (v: boolean) => (v ? "on call" : "not on call") },
      },
      level: {
        type: "int",
        nullable: true,
        description: "the lowest escalation level the requester is on call at (1 is first); null when not on call",
        dependsOn: () => ["oncall.now"],
        signal: { cautious: null, flag: { name: "oncall-level", arg: "login=level", help: "the login's escalation level while on call (repeatable)", implies: { now: () => true } }, words: (v: number) => `at escalation level ${v}` },
      },
      ends_at: {
        type: "timestamp",
        nullable: true,
        description: "when that on-call shift ends; null when not on call or on call with no end",
        dependsOn: () => ["oncall.now"],
        signal: { cautious: null, flag: { name: "oncall-until", arg: "login=time", help: "the login's on-call shift ends then (ISO 8601, repeatable)", implies: { now: () => true } }, words: (v: Date) => `until ${v.toISOString().slice(0, 16).replace("T", " ")} UTC` },
      },
      policies: {
        type: "list<string>",
        description: "the escalation policies (or schedules) the requester is on call for, by name",
        dependsOn: () => ["oncall.now"],
        signal: { cautious: [], words: (v: string[]) => (v.length ? `for ${v.join(", ")}` : "for no escalation policy") },
      },
    },
  },
  signin: {
    per: "requester",
    fields: {
      mfa_within_minutes: {
        type: "int",
        nullable: true,
        description: "minutes since the requester's last successful sign-in that satisfied MFA (Entra sign-in log); null when none in settings.signin_lookback",
        signal: { cautious: null, flag: { name: "mfa-minutes", arg: "login=minutes", help: "the login last signed in with MFA this many minutes ago (repeatable)" }, words: (v: number) => `MFA ${v} minute(s) ago` },
      },
      risky: {
        type: "bool",
        nullable: true,
        description: "Entra rated that sign-in's risk low, medium or high; null where the tenant does not report risk (no Entra ID P2: 'hidden')",
        signal: { cautious: null, flag: { name: "signin-risky", arg: "login", help: "the login's last MFA sign-in was rated risky (repeatable)" }, words: (v: boolean) => (v ? "that sign-in was rated risky" : "that sign-in was not rated risky") },
      },
    },
  },
} as const satisfies ContextDeclaration;

/** Identity keys the signal sources read in identities.yaml (next to the providers' keys). */
export const SIGNAL_IDENTITY_KEYS: Record<string, Record<string, unknown>> = {
  pagerduty: { type: "string", description: "PagerDuty user id (PXPGF42) or email, for the on-call signal." },
  // Not signals, but read the same way: who to mention when gitgrant tells someone in chat.
  slack: { type: "string", pattern: "^[UW][A-Z0-9]{2,20}$", description: "Slack member id (U012AB3CD), to mention the person in gitgrant's Slack messages." },
  teams: { type: "string", description: "Microsoft Teams user (UPN or Entra object id), to mention the person in gitgrant's Teams messages." },
};

// ---- The TypeScript type, from the declaration ----

type TsOf<F> = F extends { type: infer T; nullable?: infer N }
  ? (T extends "string" ? string : T extends "bool" ? boolean : T extends "int" | "double" ? number : T extends "list<string>" ? string[] : T extends "timestamp" ? Date : never) | (N extends true ? null : never)
  : never;

/** The context a declaration describes: group -> field -> value. */
export type ContextOf<D extends ContextDeclaration> = { -readonly [G in keyof D]: { -readonly [F in keyof D[G]["fields"]]: TsOf<D[G]["fields"][F]> } };

type SignalFields<G extends GroupSpec> = { -readonly [F in keyof G["fields"] as G["fields"][F] extends { signal: SignalSpec } ? F : never]: TsOf<G["fields"][F]> };
type GroupsPer<D extends ContextDeclaration, P> = { [G in keyof D as D[G]["per"] extends P ? G : never]: D[G] };

/**
 * What the caller knows about one requester: the requester group's signals flat (as the
 * --signals JSON has always had them), other per-requester groups nested by name.
 */
export type RequesterSignalsOf<D extends ContextDeclaration> = Partial<SignalFields<D["requester"]>> & {
  -readonly [G in keyof GroupsPer<D, "requester"> as G extends "requester" ? never : G]?: Partial<SignalFields<D[G]>>;
};

export type SignalsOf<D extends ContextDeclaration> = {
  /** By lower-cased login. */
  requesters?: Record<string, RequesterSignalsOf<D>>;
  /**
   * What a source said about a value, in words, by "login path" (or "* path" for the
   * whole change): "on call for payments (level 1) until 18:00 UTC", or why it is not known.
   */
  said?: Record<string, string>;
} & { -readonly [G in keyof GroupsPer<D, "change">]?: Partial<SignalFields<D[G]>> };

// ---- Walking the declaration ----

export interface FieldRef {
  group: string;
  field: string;
  path: string;
  per: GroupSpec["per"];
  spec: FieldSpec;
}

const fieldCache = new WeakMap<ContextDeclaration, FieldRef[]>();

export function fieldsOf(decl: ContextDeclaration): FieldRef[] {
  let out = fieldCache.get(decl);
  if (!out) {
    out = [];
    for (const [group, g] of Object.entries(decl)) {
      for (const [field, spec] of Object.entries(g.fields)) out.push({ group, field, path: `${group}.${field}`, per: g.per, spec: spec as FieldSpec });
    }
    fieldCache.set(decl, out);
  }
  return out;
}

/** Fields a condition's reasons list: the signals, and what the core derives from them. */
export function listedFields(decl: ContextDeclaration): FieldRef[] {
  return fieldsOf(decl).filter((f) => f.spec.signal || f.spec.derivedWords);
}

/** The signal fields: those a source fills (and a flag or the --signals file may give). */
export function signalFields(decl: ContextDeclaration): FieldRef[] {
  return fieldsOf(decl).filter((f) => f.spec.signal);
}

/** The CEL schema of each group (registerVariable's `schema`). */
export function celSchema(decl: ContextDeclaration): Array<{ name: string; schema: Record<string, string> }> {
  return Object.entries(decl).map(([name, g]) => ({
    name,
    schema: Object.fromEntries(Object.entries(g.fields).filter(([, f]) => (f as FieldSpec).cel !== false).map(([k, f]) => [k, (f as FieldSpec).type === "timestamp" ? "google.protobuf.Timestamp" : (f as FieldSpec).type])),
  }));
}

/** CEL ints are BigInt in cel-js and timestamps are Dates; the context is built with JS numbers. */
export function toCel(decl: ContextDeclaration, ctx: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const f of fieldsOf(decl)) {
    if (f.spec.cel === false) continue;
    const v = ctx[f.group]?.[f.field];
    (out[f.group] ??= {})[f.field] = f.spec.type === "int" && typeof v === "number" ? BigInt(Math.trunc(v)) : v;
  }
  return out;
}

/** Every path a read of `paths` needs, following dependsOn. */
export function withDependencies(decl: ContextDeclaration, paths: Iterable<string>, settings: { risk_weights: Record<string, number> }): Set<string> {
  const byPath = new Map(fieldsOf(decl).map((f) => [f.path, f]));
  const out = new Set<string>();
  const visit = (p: string) => {
    if (out.has(p)) return;
    out.add(p);
    for (const d of byPath.get(p)?.spec.dependsOn?.(settings) ?? []) visit(d);
  };
  for (const p of paths) visit(p);
  return out;
}

/** The words for one signal value, from its declaration (or plainly, when it has none). */
export function signalWords(f: FieldRef, value: unknown): string {
  if (value === null || value === undefined) return `${f.path} is not known`;
  const words = f.spec.signal?.words as ((v: unknown) => string) | undefined;
  return words ? words(value) : `${f.path} = ${value instanceof Date ? value.toISOString() : JSON.stringify(value)}`;
}
