// auto_approve_if conditions, in CEL (Common Expression Language) through
// @marcbachmann/cel-js. Conditions are type-checked against the documented context
// when the policy loads, so a typo (requester.team) is a policy error, not a silent false.
import { Environment } from "@marcbachmann/cel-js";
import { readPaths } from "./condition-reads.js";
import type { EvaluationContext } from "./context.js";
import { CONTEXT, celSchema, toCel, type ContextDeclaration } from "./context-declaration.js";
import { CONDITION_LIMITS as L, RE2_MATCHES, checkInputs, prepareAst, re2Matches } from "./condition-limits.js";

const envs = new WeakMap<ContextDeclaration, Environment>();
function envFor(decl: ContextDeclaration): Environment {
  let env = envs.get(decl);
  if (!env) {
    env = new Environment({
      limits: { maxAstNodes: L.maxAstNodes, maxDepth: L.maxDepth, maxListElements: L.maxListElements, maxMapEntries: L.maxMapEntries, maxCallArguments: L.maxCallArguments },
    });
    // matches() runs on RE2 (see condition-limits.ts); compileCondition re-points the call sites.
    env.registerFunction(`string.${RE2_MATCHES}(string): bool`, re2Matches);
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
  if (source.length > L.maxSourceLength) return { error: `it is ${source.length} characters; the limit is ${L.maxSourceLength}` };
  let program: ReturnType<Environment["parse"]>;
  try {
    program = env.parse(source);
  } catch (e) {
    return { error: firstLine(e) };
  }
  const problems = prepareAst(program.ast);
  if (problems.length) return { error: problems.join("; ") };
  const checked = program.check();
  if (!checked.valid) return { error: firstLine(checked.error) };
  if (checked.type !== "bool") return { error: `it yields ${checked.type}, not a true/false answer` };
  return {
    source,
    run: (ctx) => {
      // Over-long inputs throw here, and a computed pattern RE2 cannot run throws in
      // matches(): the caller treats a throw as "does not apply" (fail closed).
      checkInputs(ctx);
      return program(toCel(decl, ctx as unknown as Record<string, Record<string, unknown>>)) === true;
    },
    reads: readPaths(program.ast, new Set(Object.keys(decl))),
  };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.replaceAll(RE2_MATCHES, "matches");
}

