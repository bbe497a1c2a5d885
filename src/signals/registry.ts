// Every signal source, one line each. Each declared signal field (src/core/context-declaration.ts)
// is filled by exactly one source here (test/signals/registry.test.ts holds them to it).
import { activeGrants } from "./active-grants.js";
import { githubIncidents } from "./github-incidents.js";
import { githubMembership } from "./github-membership.js";
import { githubTeams } from "./github-teams.js";
import type { SignalSource } from "./types.js";

export const SOURCES: readonly SignalSource[] = [
  githubTeams,
  githubMembership,
  activeGrants,
  githubIncidents,
];
