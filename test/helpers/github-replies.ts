// Replies of the GitHub endpoints the approval and enrichment paths call, in GitHub's shapes.
import type nock from "nock";
import { BASE, OWNER, R } from "./app.js";

export interface ReviewRow {
  login: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  commit: string;
  at?: string;
}

/** GET .../pulls/{n}/reviews, .../pulls/{n}/commits and .../issues/{n}/events (one page each). */
export function reviewFacts(
  scope: nock.Scope,
  number: number,
  f: { reviews?: ReviewRow[]; commits?: Array<{ author: string | null; committer: string | null }>; requested?: { users?: string[]; teams?: string[] } },
): void {
  scope
    .get(`${R}/pulls/${number}/reviews`)
    .query({ per_page: "100" })
    .reply(
      200,
      (f.reviews ?? []).map((r, i) => ({
        id: 80 + i,
        node_id: `PRR_${i}`,
        user: { login: r.login, id: 1000 + i, type: "User" },
        body: "",
        state: r.state,
        html_url: `https://github.com/${OWNER}/access/pull/${number}#pullrequestreview-${80 + i}`,
        pull_request_url: `https://api.github.com${R}/pulls/${number}`,
        author_association: "MEMBER",
        submitted_at: r.at ?? `2026-11-30T09:0${i}:00Z`,
        commit_id: r.commit,
      })),
    );
  scope
    .get(`${R}/pulls/${number}/commits`)
    .query({ per_page: "100" })
    .reply(
      200,
      (f.commits ?? []).map((c, i) => ({
        sha: String(i).repeat(40).slice(0, 40),
        commit: { author: { name: c.author ?? "someone", email: "x@example.com", date: "2026-11-30T08:00:00Z" }, committer: { name: c.committer ?? "someone", email: "y@example.com", date: "2026-11-30T08:00:00Z" }, message: "request" },
        author: c.author ? { login: c.author, id: 1, type: "User" } : null,
        committer: c.committer ? { login: c.committer, id: 2, type: c.committer === "web-flow" ? "User" : "User" } : null,
        parents: [],
      })),
    );
  const events = [
    ...(f.requested?.users ?? []).map((login) => ({ event: "review_requested", actor: { login: "gitgrant[bot]" }, requested_reviewer: { login }, review_requester: { login: "gitgrant[bot]" } })),
    ...(f.requested?.teams ?? []).map((slug) => ({ event: "review_requested", actor: { login: "gitgrant[bot]" }, requested_team: { slug, name: slug }, review_requester: { login: "gitgrant[bot]" } })),
    { event: "labeled", actor: { login: "gitgrant[bot]" }, label: { name: "access:conditional", color: "ededed" } },
  ].map((e, i) => ({ id: 700 + i, node_id: `E_${i}`, url: "", commit_id: null, commit_url: null, created_at: "2026-11-30T09:00:00Z", ...e }));
  scope.get(`${R}/issues/${number}/events`).query({ per_page: "100" }).reply(200, events);
}

/** GET /orgs/{org}/teams/{slug}/memberships/{user}: 200 active, or 404. */
export function teamMembership(scope: nock.Scope, team: string, login: string, member: boolean): void {
  const [org, slug] = team.split("/");
  const i = scope.get(`/orgs/${org}/teams/${slug}/memberships/${login}`);
  if (member) i.reply(200, { url: `https://api.github.com/teams/1/memberships/${login}`, role: "member", state: "active" });
  else i.reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user", status: "404" });
}

/** The enrichment GraphQL call (teams and open incidents) and the REST calls beside it. */
export function signals(
  scope: nock.Scope,
  f: {
    teams?: Record<string, string[]>;
    /** Open incident issues, each opened by a responder (rita). */
    incidents?: number;
    /** Open incident issues by who opened them and who labelled them. */
    incidentIssues?: Array<{ author: string; labeledBy?: string[] }>;
    /** Members of @acme/responders (default rita). */
    responders?: string[];
    member?: Record<string, boolean>;
    baseFiles?: string[];
    base?: string;
  },
  seen?: any[],
): void {
  const logins = Object.keys(f.teams ?? f.member ?? {}).sort();
  scope
    .post("/graphql", (body: any) => {
      if (!String(body.query).includes("query gitgrantSignals")) return false;
      seen?.push(body);
      return true;
    })
    .reply(200, () => {
      const data: Record<string, unknown> = {};
      logins.forEach((l, i) => (data[`t${i}`] = { teams: { nodes: (f.teams?.[l] ?? []).map((slug) => ({ slug })) } }));
      if (f.incidents !== undefined || f.incidentIssues) {
        const issues = f.incidentIssues ?? Array.from({ length: f.incidents ?? 0 }, () => ({ author: "rita", labeledBy: ["rita"] }));
        data.incidents = {
          issues: {
            nodes: issues.map((i) => ({
              author: { login: i.author },
              timelineItems: { nodes: (i.labeledBy ?? []).map((login) => ({ actor: { login }, label: { name: "incident" } })) },
            })),
          },
        };
        data.responders = { team: { members: { nodes: (f.responders ?? ["rita"]).map((login) => ({ login })) } } };
      }
      return { data };
    });
  for (const [login, member] of Object.entries(f.member ?? {})) {
    const i = scope.get(`/orgs/${OWNER}/members/${login}`);
    if (member) i.reply(204);
    else i.reply(404, { message: "User does not exist or is not a member of the organization", status: "404" });
  }
  if (f.baseFiles) {
    scope
      .get(`${R}/git/trees/${f.base ?? BASE}`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: f.base ?? BASE,
        url: "",
        truncated: false,
        tree: f.baseFiles.map((path) => ({ path, mode: "100644", type: "blob", sha: "a".repeat(40), size: 10, url: "" })),
      });
  }
}

/**
 * refs/notes/gitgrant on a repository that has none yet, as the push apply meets it: the read
 * (404), and, when `records`, the first write (blob, root tree, root commit, POST /git/refs).
 */
export function freshReceiptNotes(scope: nock.Scope, options: { records: boolean; repo?: string }): void {
  const r = options.repo ?? R;
  const missing = { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/refs#get-a-reference", status: "404" };
  scope.get(`${r}/git/ref/notes/gitgrant`).times(options.records ? 2 : 1).reply(404, missing);
  if (!options.records) return;
  const [blob, tree, commit] = ["d1", "d2", "d3"].map((p) => p.repeat(20));
  scope.post(`${r}/git/blobs`, (b) => b.encoding === "utf-8" && String(b.content).includes('"event":"created"')).reply(201, { sha: blob, url: "" });
  scope.post(`${r}/git/trees`, (b) => !("base_tree" in b) && b.tree[0].sha === blob).reply(201, { sha: tree, url: "", tree: [], truncated: false });
  scope.post(`${r}/git/commits`, (b) => b.tree === tree && b.parents.length === 0).reply(201, { sha: commit, tree: { sha: tree }, parents: [] });
  scope.post(`${r}/git/refs`, { ref: "refs/notes/gitgrant", sha: commit }).reply(201, { ref: "refs/notes/gitgrant", object: { type: "commit", sha: commit } });
}
