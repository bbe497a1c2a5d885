// incident.*, from GitHub when no PagerDuty services are configured: open issues with
// settings.incident_label in settings.incident_repo (default: the access repository), in the
// shared GraphQL query; their numbers too when a condition reads incident.ids.
import { needGitHub } from "./github.js";
import type { SignalSource } from "./types.js";

type Answer = { incidents?: { issues?: { totalCount: number; nodes?: Array<{ number: number }> } } | null };

export const githubIncidents: SignalSource = {
  name: "GitHub incident issues",
  fills: ["incident.open", "incident.count", "incident.ids"],
  applies: (config) => !(config.policy.settings.pagerduty?.services?.length ?? 0),
  async fetch(ask, env) {
    const gh = needGitHub(env);
    const settings = ask.config.policy.settings;
    const [iOwner, iName] = (settings.incident_repo ?? `${gh.where.owner}/${gh.where.repo}`).split("/");
    const wantIds = ask.paths.has("incident.ids");
    const { data } = await gh.batch.add(
      ["$iOwner: String!", "$iName: String!", "$iLabel: String!"],
      [`incidents: repository(owner: $iOwner, name: $iName) { issues(${wantIds ? "first: 100, " : ""}labels: [$iLabel], states: OPEN) { totalCount${wantIds ? " nodes { number }" : ""} } }`],
      { iOwner, iName, iLabel: settings.incident_label },
    );
    const issues = (data as Answer).incidents?.issues;
    const count = issues?.totalCount;
    const notes = count === undefined ? [`could not read open "${settings.incident_label}" issues in ${iOwner}/${iName}; treated as no open incident`] : [];
    const ids = (issues?.nodes ?? []).map((n) => String(n.number));
    return { signals: { incident: { open: (count ?? 0) > 0, count: count ?? 0, ...(wantIds ? { ids } : {}) } }, notes };
  },
};
