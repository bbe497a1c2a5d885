// incident.open / incident.count: open issues with settings.incident_label in
// settings.incident_repo (default: the access repository), in the shared GraphQL query.
import { needGitHub } from "./github.js";
import type { SignalSource } from "./types.js";

type Answer = { incidents?: { issues?: { totalCount: number } } | null };

export const githubIncidents: SignalSource = {
  name: "GitHub incident issues",
  fills: ["incident.open", "incident.count"],
  async fetch(ask, env) {
    const gh = needGitHub(env);
    const settings = ask.config.policy.settings;
    const [iOwner, iName] = (settings.incident_repo ?? `${gh.where.owner}/${gh.where.repo}`).split("/");
    const { data } = await gh.batch.add(
      ["$iOwner: String!", "$iName: String!", "$iLabel: String!"],
      ["incidents: repository(owner: $iOwner, name: $iName) { issues(labels: [$iLabel], states: OPEN) { totalCount } }"],
      { iOwner, iName, iLabel: settings.incident_label },
    );
    const count = (data as Answer).incidents?.issues?.totalCount;
    const notes = count === undefined ? [`could not read open "${settings.incident_label}" issues in ${iOwner}/${iName}; treated as no open incident`] : [];
    return { signals: { incident: { open: (count ?? 0) > 0, count: count ?? 0 } }, notes };
  },
};
