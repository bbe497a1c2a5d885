// The policy context from GitHub: the requester's teams, org membership, active grants and
// open incidents. Fetched only when a condition that decides a file in this change reads
// them (a self-service request costs no call here), once per delivery, in parallel.
import type { AccessConfig } from "../core/config.js";
import { REQUESTS_DIR } from "../core/config.js";
import type { RequesterSignals, Signals } from "../core/context.js";
import type { CheckResult } from "../core/evaluate.js";
import { describeError, graphqlPartial, statusOf, type Api } from "./api.js";
import type { DeliveryRepo } from "./repo.js";

export interface Needs {
  teams: boolean;
  membership: boolean;
  incident: boolean;
  activeGrants: boolean;
}

export interface SignalPlan {
  needs: Needs;
  /** Lower-cased requesters whose files are decided by a condition. */
  logins: string[];
}

/**
 * Which signals can change this verdict: only the auto_approve_if of the tier each file
 * fell into can read them (tiers match on resource and duration, never on signals), and
 * only for a person's own request (someone else's is never self-service).
 */
export function planSignals(config: AccessConfig, first: CheckResult, author: string): SignalPlan {
  const needs: Needs = { teams: false, membership: false, incident: false, activeGrants: false };
  const logins = new Set<string>();
  const w = config.policy.settings.risk_weights;
  for (const f of first.files) {
    if (f.kind !== "request" || f.change === "deleted" || f.break_glass || !f.tier || !f.requester) continue;
    if (f.requester.toLowerCase() !== author.toLowerCase()) continue;
    const tier = config.policy.tiers.find((t) => t.name === f.tier);
    if (!tier?.auto_approve_if || tier.approvals === 0) continue;
    const src = tier.auto_approve_if;
    const reads = (re: RegExp) => re.test(src);
    const risk = reads(/\brisk\b/);
    needs.teams ||= reads(/\brequester\s*\.\s*teams\b/);
    needs.membership ||= reads(/\brequester\s*\.\s*(org_member|outside_collaborator)\b/) || (risk && (w.outside_collaborator ?? 0) !== 0);
    needs.activeGrants ||= reads(/\brequester\s*\.\s*active_grants\b/) || (risk && (w.per_active_grant ?? 0) !== 0);
    needs.incident ||= reads(/\bincident\b/);
    logins.add(f.requester.toLowerCase());
  }
  return { needs, logins: [...logins].sort() };
}

export function needsAnything(n: Needs): boolean {
  return n.teams || n.membership || n.incident || n.activeGrants;
}

export interface Enrichment {
  signals: Signals;
  baseRequestFiles?: string[];
  /** What could not be learned, in words; the cautious default was used instead. */
  notes: string[];
}

export interface EnrichInput {
  api: Api;
  repo: DeliveryRepo;
  config: AccessConfig;
  plan: SignalPlan;
  /** The organisation owning the repository; null for a personal account (no teams, no members). */
  org: string | null;
  baseSha: string;
}

export async function enrich(input: EnrichInput): Promise<Enrichment> {
  const { api, plan, org } = input;
  const notes: string[] = [];
  const requesters: Record<string, RequesterSignals> = {};
  for (const l of plan.logins) requesters[l] = {};
  const [graph, members, files] = await Promise.all([
    graphSignals(input, notes),
    plan.needs.membership && org ? Promise.all(plan.logins.map((l) => membership(api, org, l, notes))) : null,
    plan.needs.activeGrants ? input.repo.listFiles(input.baseSha, REQUESTS_DIR) : undefined,
  ]);
  plan.logins.forEach((l, i) => {
    if (graph.teams) requesters[l]!.teams = graph.teams[l] ?? [];
    if (members) requesters[l]!.org_member = members[i]!;
    else if (plan.needs.membership) requesters[l]!.org_member = false;
  });
  const signals: Signals = { requesters };
  if (graph.incident) signals.incident = graph.incident;
  return { signals, ...(files ? { baseRequestFiles: files } : {}), notes };
}

async function membership(api: Api, org: string, login: string, notes: string[]): Promise<boolean> {
  try {
    // 204: a member (public or private); 404: not a member.
    await api.rest.orgs.checkMembershipForUser({ org, username: login });
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    notes.push(`could not tell whether ${login} is a member of ${org} (${describeError(err)}); treated as an outside collaborator`);
    return false;
  }
}

interface GraphSignals {
  teams?: Record<string, string[]>;
  incident?: { open: boolean; count: number };
}

/** Teams of every requester and the open incident count, in one GraphQL call. */
async function graphSignals(input: EnrichInput, notes: string[]): Promise<GraphSignals> {
  const { plan, org, config } = input;
  const wantTeams = plan.needs.teams && org !== null && plan.logins.length > 0;
  if (!wantTeams && !plan.needs.incident) return {};
  const vars: Record<string, unknown> = {};
  const decl: string[] = [];
  const fields: string[] = [];
  if (wantTeams) {
    vars.org = org;
    decl.push("$org: String!");
    plan.logins.forEach((l, i) => {
      vars[`l${i}`] = l;
      decl.push(`$l${i}: String!`);
      fields.push(`t${i}: organization(login: $org) { teams(first: 100, userLogins: [$l${i}]) { nodes { slug } } }`);
    });
  }
  const settings = config.policy.settings;
  const [iOwner, iName] = (settings.incident_repo ?? `${input.repo.where.owner}/${input.repo.where.repo}`).split("/");
  if (plan.needs.incident) {
    Object.assign(vars, { iOwner, iName, iLabel: settings.incident_label });
    decl.push("$iOwner: String!", "$iName: String!", "$iLabel: String!");
    fields.push("incidents: repository(owner: $iOwner, name: $iName) { issues(labels: [$iLabel], states: OPEN) { totalCount } }");
  }
  type Answer = Record<string, { teams?: { nodes: Array<{ slug: string }> }; issues?: { totalCount: number } } | null>;
  const { data, errors } = await graphqlPartial<Answer>(input.api, `query gitgrantSignals(${decl.join(", ")}) { ${fields.join(" ")} }`, vars);
  const out: GraphSignals = {};
  if (wantTeams) {
    out.teams = {};
    plan.logins.forEach((l, i) => {
      const nodes = data[`t${i}`]?.teams?.nodes;
      if (!nodes) notes.push(`could not read ${l}'s teams in ${org}; treated as no teams`);
      out.teams![l] = (nodes ?? []).map((t) => `${org}/${t.slug}`.toLowerCase());
    });
  }
  if (plan.needs.incident) {
    const count = data.incidents?.issues?.totalCount;
    if (count === undefined) notes.push(`could not read open "${settings.incident_label}" issues in ${iOwner}/${iName}; treated as no open incident`);
    out.incident = { open: (count ?? 0) > 0, count: count ?? 0 };
  }
  for (const e of errors) notes.push(`GitHub: ${e}`);
  return out;
}
