// Every signal source, one line each. Each declared signal field (src/core/context-declaration.ts)
// is filled by exactly one source here (test/signals/registry.test.ts holds them to it).
import { CONTEXT, signalFields, type ContextDeclaration } from "../core/context-declaration.js";
import { activeGrants } from "./active-grants.js";
import { entraSignIns } from "./entra-signins.js";
import { githubIncidents } from "./github-incidents.js";
import { githubMembership } from "./github-membership.js";
import { githubTeams } from "./github-teams.js";
import { pagerDutyIncidents } from "./pagerduty-incidents.js";
import { pagerDutyOnCall } from "./pagerduty-oncall.js";
import type { SignalSource } from "./types.js";

export const SOURCES: readonly SignalSource[] = [
  githubTeams,
  githubMembership,
  activeGrants,
  githubIncidents,
  pagerDutyIncidents,
  pagerDutyOnCall,
  entraSignIns,
];

/**
 * What is wrong between a declaration and a set of sources: a declared signal that no
 * source fills (a condition could read it and never learn it), one filled twice, or a
 * source filling a field nobody declared.
 */
export function registryProblems(decl: ContextDeclaration = CONTEXT, sources: readonly SignalSource[] = SOURCES): string[] {
  const problems: string[] = [];
  const declared = new Set(signalFields(decl).map((f) => f.path));
  const filledBy = new Map<string, string[]>();
  for (const s of sources) for (const p of s.fills) filledBy.set(p, [...(filledBy.get(p) ?? []), s.name]);
  for (const p of declared) {
    const by = filledBy.get(p) ?? [];
    if (by.length === 0) problems.push(`${p} is declared as a signal but no source fills it`);
    // Two sources may fill one field only if each says for which policies it answers.
    const unconditional = sources.filter((s) => s.fills.includes(p) && !s.applies).map((s) => s.name);
    if (by.length > 1 && unconditional.length) problems.push(`${p} is filled by ${by.join(" and ")}`);
  }
  for (const [p, by] of filledBy) if (!declared.has(p)) problems.push(`${by.join(", ")} fills ${p}, which is not a declared signal`);
  return problems;
}
