// Which signals can change a verdict, from the conditions' ASTs: only the auto_approve_if
// of the tier each file fell into reads them (tiers match on resource and duration, never
// on signals), and only for a person's own request (someone else's is never self-service).
import type { AccessConfig } from "../core/config.js";
import { CONTEXT, fieldsOf, withDependencies, type ContextDeclaration } from "../core/context-declaration.js";
import type { CheckResult } from "../core/evaluate.js";
import { MAX_REQUEST_BYTES, parseYaml } from "../core/yaml.js";

export interface SignalPlan {
  /** Context fields the deciding conditions read, with what those depend on. */
  paths: Set<string>;
  /** Lower-cased requesters whose files are decided by a condition. */
  logins: string[];
  /** Incident references those files name. */
  refs: string[];
}

export function planSignals(config: AccessConfig, first: CheckResult, author: string, refsOf: (path: string) => string | undefined = () => undefined): SignalPlan {
  const decl = config.context ?? CONTEXT;
  const reads = new Set<string>();
  const logins = new Set<string>();
  const refs = new Set<string>();
  for (const f of first.files) {
    if (f.kind !== "request" || f.change === "deleted" || f.break_glass || !f.tier || !f.requester) continue;
    if (f.requester.toLowerCase() !== author.toLowerCase()) continue;
    const tier = config.policy.tiers.find((t) => t.name === f.tier);
    const cond = config.conditions.get(f.tier);
    if (!tier?.auto_approve_if || tier.approvals === 0 || !cond) continue;
    for (const p of cond.reads) for (const e of expand(decl, p)) reads.add(e);
    logins.add(f.requester.toLowerCase());
    const ref = refsOf(f.path);
    if (ref) refs.add(ref);
  }
  return { paths: withDependencies(decl, reads, config.policy.settings), logins: [...logins].sort(), refs: [...refs].sort() };
}

/** "requester.*" (the whole group read) is every field of it. */
function expand(decl: ContextDeclaration, path: string): string[] {
  if (!path.endsWith(".*")) return [path];
  const group = path.slice(0, -2);
  return fieldsOf(decl).filter((f) => f.group === group).map((f) => f.path);
}

/** Each changed request's incident reference (its `ticket`, else its `incident`, as request.ticket), by path. */
export function requestRefs(changes: ReadonlyArray<{ path: string; text: string | null }>): (path: string) => string | undefined {
  const byPath = new Map(changes.map((c) => [c.path, c.text]));
  return (path) => {
    const text = byPath.get(path);
    if (!text) return undefined;
    const doc = parseYaml(text, { maxBytes: MAX_REQUEST_BYTES, what: path });
    const v = doc.errors.length ? null : (doc.value as { incident?: unknown; ticket?: unknown } | null);
    const ref = v?.ticket ?? v?.incident; // as the core reads request.ticket
    return typeof ref === "string" && ref.trim() ? ref.trim() : undefined;
  };
}
