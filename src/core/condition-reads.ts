// Which context fields a condition reads, from its parsed CEL AST (never from its text:
// a string literal "incident" or a macro variable named like a field reads nothing).
// The signal sources are asked only for these, so a condition over request.* costs no call.
import type { ASTNode } from "@marcbachmann/cel-js";

/** Macros that bind their first argument as a variable over the receiver's elements. */
const BINDING_MACROS = new Set(["all", "exists", "exists_one", "map", "filter", "existsOne", "transformList", "transformMap"]);

/**
 * Paths "group.field" the expression reads; a bare group read (passed whole to a function,
 * or indexed by a computed key) yields "group.*".
 */
export function readPaths(ast: ASTNode, roots: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const walk = (n: ASTNode, bound: ReadonlySet<string>): void => {
    switch (n.op) {
      case "value":
        return;
      case "id":
        if (roots.has(n.args) && !bound.has(n.args)) out.add(`${n.args}.*`);
        return;
      case ".":
      case ".?": {
        const [target, field] = n.args;
        if (target.op === "id" && roots.has(target.args) && !bound.has(target.args)) out.add(`${target.args}.${field}`);
        else walk(target, bound);
        return;
      }
      case "[]":
      case "[?]": {
        const [target, key] = n.args;
        if (target.op === "id" && roots.has(target.args) && !bound.has(target.args) && key.op === "value" && typeof key.args === "string") out.add(`${target.args}.${key.args}`);
        else walk(target, bound);
        walk(key, bound);
        return;
      }
      case "call": {
        for (const a of n.args[1]) walk(a, bound);
        return;
      }
      case "rcall": {
        const [name, receiver, args] = n.args;
        // cel.bind(name, init, body): name is bound in body only.
        if (name === "bind" && receiver.op === "id" && receiver.args === "cel" && args.length === 3 && args[0]!.op === "id") {
          walk(args[1]!, bound);
          walk(args[2]!, new Set([...bound, args[0]!.args]));
          return;
        }
        walk(receiver, bound);
        if (BINDING_MACROS.has(name) && args.length >= 2 && args[0]!.op === "id") {
          const inner = new Set([...bound, args[0]!.args]);
          if (args.length >= 3 && args[1]!.op === "id") inner.add(args[1]!.args); // two-variable forms
          for (const a of args.slice(1)) walk(a, inner);
          return;
        }
        for (const a of args) walk(a, bound);
        return;
      }
      case "list":
        for (const a of n.args) walk(a, bound);
        return;
      case "map":
        for (const [k, v] of n.args) {
          walk(k, bound);
          walk(v, bound);
        }
        return;
      case "!_":
      case "-_":
        walk(n.args, bound);
        return;
      default:
        for (const a of n.args as ASTNode[]) walk(a, bound);
    }
  };
  walk(ast, new Set());
  return out;
}
