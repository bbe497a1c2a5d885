// Conditions run in bounded time. CEL promises RE2 (linear-time) regular expressions; the
// CEL library evaluates matches() with JavaScript's backtracking RegExp, where a pattern such
// as ^([A-Z]+-?)+[0-9]+$ takes exponential time on a 40-character ticket. So every
// matches() call is re-pointed at an RE2 port (re2js) before the condition is type-checked,
// literal patterns must compile when the policy loads, and the size of the expression and
// of its inputs is bounded so that no condition can run long.
import { RE2JS } from "re2js";

/** The name matches() calls are re-pointed at; the same length as "matches", so error columns stay right. */
export const RE2_MATCHES = "__re2__";

export const CONDITION_LIMITS = {
  /** Characters of an auto_approve_if expression. */
  maxSourceLength: 4096,
  /** The CEL library's own parser limits. */
  maxAstNodes: 500,
  maxDepth: 32,
  maxListElements: 100,
  maxMapEntries: 100,
  maxCallArguments: 8,
  /** Comprehensions (exists, all, map, filter, exists_one) inside one another. */
  maxComprehensionNesting: 2,
  /** Characters of a regular expression, literal or computed. */
  maxPatternLength: 1024,
  /** Characters of any string in the evaluation context. */
  maxInputString: 1024,
  /** Elements of any list in the evaluation context (e.g. a requester's teams). */
  maxInputList: 100,
} as const;

const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);

export class ConditionLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConditionLimitError";
  }
}

const compiled = new Map<string, RE2JS>();

/** An RE2 program for a pattern, or an error in words (lookarounds and backreferences are not RE2). */
export function compileRe2(pattern: string): RE2JS | { error: string } {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  if (pattern.length > CONDITION_LIMITS.maxPatternLength) {
    return { error: `the regular expression is ${pattern.length} characters; the limit is ${CONDITION_LIMITS.maxPatternLength}` };
  }
  try {
    const re = RE2JS.compile(pattern);
    if (compiled.size > 256) compiled.clear();
    compiled.set(pattern, re);
    return re;
  } catch (e) {
    return { error: `${JSON.stringify(pattern)} is not an RE2 regular expression (${(e as Error).message})` };
  }
}

/** CEL's string.matches(string): a partial match, as RE2's find. Fails (closed) on a pattern RE2 cannot run. */
export function re2Matches(text: string, pattern: string): boolean {
  const re = compileRe2(pattern);
  if ("error" in re) throw new ConditionLimitError(`matches(): ${re.error}`);
  return re.test(text);
}

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as AstNode).op === "string";
}

/**
 * Re-point every matches() call of a parsed condition at RE2, check its literal patterns and
 * the comprehension nesting. Returns the problems in words (empty when the condition is fine).
 */
export function prepareAst(root: unknown): string[] {
  const problems: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, nesting: number): void => {
    if (typeof v !== "object" || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x, nesting);
      return;
    }
    let depth = nesting;
    if (isNode(v) && (v.op === "rcall" || v.op === "call") && Array.isArray(v.args)) {
      const name = v.args[0];
      if (name === "matches") {
        v.args[0] = RE2_MATCHES;
        const callArgs = (v.op === "rcall" ? v.args[2] : v.args[1]) as unknown[];
        const pattern = callArgs?.[v.op === "rcall" ? 0 : 1];
        if (isNode(pattern) && pattern.op === "value" && typeof pattern.args === "string") {
          const re = compileRe2(pattern.args);
          if ("error" in re) problems.push(`matches(): ${re.error}`);
        }
      } else if (v.op === "rcall" && typeof name === "string" && COMPREHENSIONS.has(name)) {
        depth = nesting + 1;
        if (depth > CONDITION_LIMITS.maxComprehensionNesting) {
          problems.push(`comprehensions (${[...COMPREHENSIONS].join(", ")}) may be nested at most ${CONDITION_LIMITS.maxComprehensionNesting} deep`);
        }
      }
    }
    for (const [key, x] of Object.entries(v)) if (key !== "input") visit(x, depth);
  };
  visit(root, 0);
  return [...new Set(problems)];
}

/** Throws ConditionLimitError when a string or list of the evaluation context is over its bound. */
export function checkInputs(value: unknown, path = ""): void {
  if (typeof value === "string") {
    if (value.length > CONDITION_LIMITS.maxInputString) {
      throw new ConditionLimitError(`${path} is ${value.length} characters, over the ${CONDITION_LIMITS.maxInputString} a condition may read`);
    }
  } else if (Array.isArray(value)) {
    if (value.length > CONDITION_LIMITS.maxInputList) {
      throw new ConditionLimitError(`${path} has ${value.length} entries, over the ${CONDITION_LIMITS.maxInputList} a condition may read`);
    }
    value.forEach((x, i) => checkInputs(x, `${path}[${i}]`));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, x] of Object.entries(value)) checkInputs(x, path ? `${path}.${k}` : k);
  }
}
