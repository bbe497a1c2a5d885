// requester.teams: each requester's teams in the organisation, as org/team, in the shared
// GraphQL query (GitHub lists at most 100 teams per user here, enough for a policy check).
import type { RequesterSignals } from "../core/context.js";
import { needGitHub } from "./github.js";
import type { SignalSource } from "./types.js";

type Answer = Record<string, { teams?: { nodes: Array<{ slug: string }> } } | null | undefined>;

export const githubTeams: SignalSource = {
  name: "GitHub teams",
  fills: ["requester.teams"],
  async fetch(ask, env) {
    const gh = needGitHub(env);
    const org = gh.org;
    if (org === null || ask.logins.length === 0) return {};
    const vars: Record<string, unknown> = { org };
    const decl = ["$org: String!"];
    const fields: string[] = [];
    ask.logins.forEach((l, i) => {
      vars[`l${i}`] = l;
      decl.push(`$l${i}: String!`);
      fields.push(`t${i}: organization(login: $org) { teams(first: 100, userLogins: [$l${i}]) { nodes { slug } } }`);
    });
    const { data } = await gh.batch.add(decl, fields, vars);
    const notes: string[] = [];
    const requesters: Record<string, RequesterSignals> = {};
    ask.logins.forEach((l, i) => {
      const nodes = (data as Answer)[`t${i}`]?.teams?.nodes;
      if (!nodes) notes.push(`could not read ${l}'s teams in ${org}; treated as no teams`);
      requesters[l] = { teams: (nodes ?? []).map((t) => `${org}/${t.slug}`.toLowerCase()) };
    });
    return { signals: { requesters }, notes };
  },
};
