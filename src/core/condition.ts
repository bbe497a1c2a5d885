// auto_approve_if conditions, in CEL (Common Expression Language) through
// @marcbachmann/cel-js. Conditions are type-checked against the documented context
// when the policy loads, so a typo (requester.team) is a policy error, not a silent false.
import { Environment } from "@marcbachmann/cel-js";
import { readPaths } from "./condition-reads.js";
import type { EvaluationContext } from "./context.js";
import { CONTEXT, celSchema, toCel, type ContextDeclaration } from "./context-declaration.js";

const envs = new WeakMap<ContextDeclaration, Environment>();
function envFor(decl: ContextDeclaration): Environment {
  let env = envs.get(decl);
  if (!env) {
    env = new Environment();
    for (const v of celSchema(decl)) env.registerVariable(v);
    envs.set(decl, env);
  }
  return env;
}

export interface CompiledCondition {
  source: string;
  run(ctx: EvaluationContext): boolean;
  /** The context fields it reads ("requester.teams"; "requester.*" for the whole group), from its AST. */
  reads: ReadonlySet<string>;
}

export function compileCondition(source: string, decl: ContextDeclaration = CONTEXT): CompiledCondition | { error: string } {
  const env = envFor(decl);
  const checked = env.check(source);
  if (!checked.valid) return { error: firstLine(checked.error) };
  if (checked.type !== "bool") return { error: `it yields ${checked.type}, not a true/false answer` };
  const program = env.parse(source);
  return {
    source,
    run: (ctx) => program(toCel(decl, ctx as unknown as Record<string, Record<string, unknown>>)) === true,
    reads: readPaths(program.ast, new Set(Object.keys(decl))),
  };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!;
}

