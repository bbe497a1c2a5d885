// incident.open / incident.count / incident.ids, from GitHub when no PagerDuty services are
// configured: open issues with settings.incident_label in
// settings.incident_repo (default: the access repository) that a member of
// settings.incident_responders opened or labelled, in the shared GraphQL query. Anyone who
// can label an issue could otherwise declare an incident and open a conditional tier, so
// without responders no issue counts. Cut pages (100 issues, their last 100 label events,
// 100 members) only ever count fewer incidents.
import { GRAPHQL_PAGE_SIZE } from "../github/limits.js";
import { needGitHub } from "./github.js";
import type { SignalSource } from "./types.js";

interface IncidentIssue {
  number: number;
  author: { login: string } | null;
  timelineItems?: { nodes: Array<{ actor?: { login: string } | null; label?: { name: string } } | null> };
}

type Answer = {
  incidents?: { issues?: { nodes: IncidentIssue[] } } | null;
  responders?: { team?: { members?: { nodes: Array<{ login: string }> } } | null } | null;
};

export const githubIncidents: SignalSource = {
  name: "GitHub incident issues",
  fills: ["incident.open", "incident.count", "incident.ids"],
  applies: (config) => !(config.policy.settings.pagerduty?.services?.length ?? 0),
  async fetch(ask, env) {
    const settings = ask.config.policy.settings;
    const responders = settings.incident_responders?.split("/");
    if (!responders) {
      return { signals: { incident: { open: false, count: 0, ...(ask.paths.has("incident.ids") ? { ids: [] } : {}) } }, notes: ["settings.incident_responders is not set, so no open issue counts as an incident"] };
    }
    const gh = needGitHub(env);
    const [iOwner, iName] = (settings.incident_repo ?? `${gh.where.owner}/${gh.where.repo}`).split("/");
    const { data } = await gh.batch.add(
      ["$iOwner: String!", "$iName: String!", "$iLabel: String!", "$rOrg: String!", "$rTeam: String!"],
      [
        `incidents: repository(owner: $iOwner, name: $iName) { issues(labels: [$iLabel], states: OPEN, first: ${GRAPHQL_PAGE_SIZE}) { nodes { number author { login } timelineItems(itemTypes: [LABELED_EVENT], last: ${GRAPHQL_PAGE_SIZE}) { nodes { ... on LabeledEvent { actor { login } label { name } } } } } } }`,
        `responders: organization(login: $rOrg) { team(slug: $rTeam) { members(first: ${GRAPHQL_PAGE_SIZE}, membership: ALL) { nodes { login } } } }`,
      ],
      { iOwner, iName, iLabel: settings.incident_label, rOrg: responders[0], rTeam: responders[1] },
    );
    const answer = data as Answer;
    const issues = answer.incidents?.issues?.nodes;
    const members = answer.responders?.team?.members?.nodes;
    const notes: string[] = [];
    if (!issues) notes.push(`could not read open "${settings.incident_label}" issues in ${iOwner}/${iName}; treated as no open incident`);
    else if (!members) notes.push(`could not read the members of @${settings.incident_responders}; treated as no open incident`);
    const who = new Set((members ?? []).map((m) => m.login.toLowerCase()));
    const label = settings.incident_label.toLowerCase();
    const byResponder = (i: IncidentIssue) =>
      (i.author !== null && who.has(i.author.login.toLowerCase())) ||
      (i.timelineItems?.nodes ?? []).some((e) => e?.label?.name.toLowerCase() === label && e.actor && who.has(e.actor.login.toLowerCase()));
    const counted = issues && members ? issues.filter(byResponder) : [];
    const count = counted.length;
    if (issues && members && count < issues.length) notes.push(`${issues.length - count} open "${settings.incident_label}" issue(s) were neither opened nor labelled by @${settings.incident_responders} and do not count`);
    const ids = counted.map((i) => String(i.number));
    return { signals: { incident: { open: count > 0, count, ...(ask.paths.has("incident.ids") ? { ids } : {}) } }, notes };
  },
};
