// Replies of the GitHub endpoints the approval and enrichment paths call, in GitHub's shapes.
import type nock from "nock";
import { BASE, OWNER, R, gitBlobId } from "./app.js";

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
 * (404, once per read), and, when `records`, the first write (blob, root tree, root commit, POST /git/refs).
 */
export function freshReceiptNotes(scope: nock.Scope, options: { records: boolean; repo?: string; reads?: number | "any" }): void {
  const r = options.repo ?? R;
  const missing = { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/refs#get-a-reference", status: "404" };
  // Read by the apply, by the write, and by a convergence after them (`reads` says how many;
  // "any" for a load test, where how many reads a delivery needs depends on the interleaving).
  const read = scope.get(`${r}/git/ref/notes/gitgrant`);
  if (options.reads === "any") read.reply(404, missing).persist();
  else read.times(options.reads ?? (options.records ? 2 : 1)).reply(404, missing);
  if (!options.records) return;
  const [blob, tree, commit] = ["d1", "d2", "d3"].map((p) => p.repeat(20));
  scope.post(`${r}/git/blobs`, (b) => b.encoding === "utf-8" && String(b.content).includes('"event":"created"')).reply(201, { sha: blob, url: "" });
  scope.post(`${r}/git/trees`, (b) => !("base_tree" in b) && b.tree[0].sha === blob).reply(201, { sha: tree, url: "", tree: [], truncated: false });
  scope.post(`${r}/git/commits`, (b) => b.tree === tree && b.parents.length === 0).reply(201, { sha: commit, tree: { sha: tree }, parents: [] });
  scope.post(`${r}/git/refs`, { ref: "refs/notes/gitgrant", sha: commit }).reply(201, { ref: "refs/notes/gitgrant", object: { type: "commit", sha: commit } });
}

const TIP_CONFIG_PATHS = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

interface TipState {
  sha: string;
  /** path → text at that tip. */
  files: Record<string, string>;
}

/**
 * The app's read of a branch tip for convergence (src/app/expiry-read.ts), on GraphQL's wire:
 * query gitgrantBranch for the rules and the named resources' request folders at the tip of
 * refs/heads/<branch>, then gitgrantLandings (each file's newest commit, at `landed`). One
 * reply per state in `tips`, in order (the branch may move between two reads); `times`
 * repeats a single state.
 */
export function branchTipReads(
  scope: nock.Scope,
  o: { repo: string; branch: string; resources?: string[]; landed: string; landedIn?: string; times?: number } & ({ tips: TipState[] } | TipState),
): void {
  const [owner, name] = o.repo.replace(/^\/repos\//, "").split("/");
  // Without `resources`, the whole requests folder: one tree per resource inside it, as the
  // timers read it at start; with them, one folder each, as a push's convergence reads them.
  const whole = !o.resources;
  const dirs = o.resources ? o.resources.map((id) => `access/requests/${id}`) : ["access/requests"];
  const tips: TipState[] = "tips" in o ? o.tips : Array.from({ length: o.times ?? 1 }, () => ({ sha: o.sha, files: o.files }));
  /** The request files in the order the reply lists them: by resource folder, then as given. */
  const inDirs = (files: Record<string, string>) => {
    const found = Object.keys(files).filter((p) => dirs.some((d) => p.startsWith(`${d}/`)));
    const folder = (p: string) => p.split("/").slice(0, 3).join("/");
    const folders = [...new Set(found.map(folder))];
    return folders.flatMap((f) => found.filter((p) => folder(p) === f));
  };
  const blob = (files: Record<string, string>, p: string, name: string) => ({ name, type: "blob", mode: 33188, oid: gitBlobId(files[p]!), object: { text: files[p], isBinary: false, isTruncated: false } });
  const folderOf = (files: Record<string, string>, d: string) => {
    const paths = inDirs(files).filter((p) => p.startsWith(`${d}/`));
    if (!whole) return paths.map((p) => blob(files, p, p.slice(d.length + 1)));
    const ids = [...new Set(paths.map((p) => p.split("/")[2]!))];
    return ids.map((id, k) => ({ name: id, type: "tree", mode: 16384, oid: String(3 + k).repeat(40).slice(0, 40), object: { entries: paths.filter((p) => p.split("/")[2] === id).map((p) => blob(files, p, p.split("/")[3]!)) } }));
  };
  let next = 0;
  scope
    .post("/graphql", (b: any) => {
      const v = b.variables ?? {};
      return String(b.query).includes("query gitgrantBranch") && v.owner === owner && v.repo === name && v.branch === `refs/heads/${o.branch}` && dirs.every((d, i) => v[`d${i}`] === d) && v[`d${dirs.length}`] === undefined;
    })
    .times(tips.length)
    .reply(200, () => {
      const t = tips[next++]!;
      return {
        data: {
          repository: {
            tip: {
              target: {
                oid: t.sha,
                ...Object.fromEntries(TIP_CONFIG_PATHS.map((p, i) => [`c${i}`, t.files[p] === undefined ? null : { oid: gitBlobId(t.files[p]!), object: { text: t.files[p], isBinary: false, isTruncated: false } }])),
                ...Object.fromEntries(
                  dirs.map((d, i) => {
                    const entries = folderOf(t.files, d);
                    return [`d${i}`, entries.length ? { object: { entries } } : null];
                  }),
                ),
              },
            },
          },
        },
      };
    });
  const reads = tips.filter((t) => inDirs(t.files).length);
  if (!reads.length) return;
  scope
    .post("/graphql", (b: any) => {
      const t = tips.find((x) => x.sha === b.variables?.sha);
      return String(b.query).includes("query gitgrantLandings") && !!t && inDirs(t.files).every((p, i) => b.variables[`p${i}`] === p);
    })
    .times(reads.length)
    .reply(200, (_uri, body: any) => ({ data: { repository: { commit: Object.fromEntries(Object.keys(body.variables).filter((k) => /^p\d+$/.test(k)).map((k) => [`h${k.slice(1)}`, { nodes: [{ oid: o.landedIn ?? body.variables.sha, committedDate: o.landed }] }])) } } }));
}

/** query gitgrantTipSha: the tip of refs/heads/<branch>, one reply per sha in `shas` (or `sha`, `times` times); convergence asks before its changes and after them. */
export function tipShaRead(scope: nock.Scope, o: { repo: string; branch: string; sha?: string; shas?: string[]; times?: number | "any" }): void {
  const [owner, name] = o.repo.replace(/^\/repos\//, "").split("/");
  const read = scope.post("/graphql", (b: any) => String(b.query).includes("query gitgrantTipSha") && b.variables.owner === owner && b.variables.repo === name && b.variables.branch === `refs/heads/${o.branch}`);
  // "any": a load test, where how often a delivery checks the tip depends on the interleaving.
  if (o.times === "any") {
    read.reply(200, { data: { repository: { tip: { target: { oid: o.sha } } } } }).persist();
    return;
  }
  const shas = o.shas ?? Array.from({ length: o.times ?? 1 }, () => o.sha!);
  let next = 0;
  read.times(shas.length).reply(200, () => ({ data: { repository: { tip: { target: { oid: shas[next++] } } } } }));
}
