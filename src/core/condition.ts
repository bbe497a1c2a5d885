// auto_approve_if conditions, in CEL (Common Expression Language) through
// @marcbachmann/cel-js. Conditions are type-checked against the documented context
// when the policy loads, so a typo (requester.team) is a policy error, not a silent false.
import { Environment } from "@marcbachmann/cel-js";
import type { EvaluationContext } from "./context.js";

const env = new Environment()
  .registerVariable({
    name: "requester",
    schema: { login: "string", teams: "list<string>", org_member: "bool", outside_collaborator: "bool", active_grants: "int" },
  })
  .registerVariable({ name: "resource", schema: { id: "string", sensitivity: "string", provider: "string" } })
  .registerVariable({
    name: "request",
    schema: { duration_hours: "double", duration_minutes: "int", ticket: "string", has_ticket: "bool", break_glass: "bool", for_self: "bool", change: "string" },
  })
  .registerVariable({ name: "time", schema: { hour: "int", weekday: "string", business_hours: "bool" } })
  .registerVariable({ name: "incident", schema: { open: "bool", count: "int" } })
  .registerVariable({ name: "risk", schema: { score: "int" } });

export interface CompiledCondition {
  source: string;
  run(ctx: EvaluationContext): boolean;
}

export function compileCondition(source: string): CompiledCondition | { error: string } {
  const checked = env.check(source);
  if (!checked.valid) return { error: firstLine(checked.error) };
  if (checked.type !== "bool") return { error: `it yields ${checked.type}, not a true/false answer` };
  const program = env.parse(source);
  return {
    source,
    run: (ctx) => program(toCel(ctx)) === true,
  };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!;
}

/** CEL ints are BigInt in this library; the context is built with JS numbers. */
function toCel(ctx: EvaluationContext) {
  return {
    requester: { ...ctx.requester, active_grants: BigInt(ctx.requester.active_grants) },
    resource: ctx.resource,
    request: { ...ctx.request, duration_minutes: BigInt(ctx.request.duration_minutes) },
    time: { ...ctx.time, hour: BigInt(ctx.time.hour) },
    incident: { open: ctx.incident.open, count: BigInt(ctx.incident.count) },
    risk: { score: BigInt(ctx.risk.score) },
  };
}
