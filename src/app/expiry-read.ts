// The app's reads of the tree, over GraphQL (the app has no clone): the request files on the
// default branch with their texts and blob ids, the rules, and when each file last landed
// (its history's newest commit). One call for the tree and rules, then one per 50 files for
// the landings: for the expiry timers at start, and for a push's convergence (only the
// folders of the resources it touched).
import { REQUESTS_DIR } from "../core/config.js";
import { judgeBranch, type BranchFile, type ExpiryReport } from "../core/expiry.js";
import type { Grant } from "../core/types.js";
import { loadConfigAt } from "../git/load.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { CONFIG_PATHS, DeliveryRepo, type GqlBlobWithId } from "./repo.js";

export interface ScheduledGrant {
  path: string;
  grant: Grant;
  /** The commit whose tree says so (receipts are recorded on it). */
  commit: string;
  /** The file's blob id there, to tell at the second whether it changed since. */
  blobId?: string;
}

interface Entry {
  name: string;
  type: string;
  mode: number;
  oid: string;
  object?: { entries?: Entry[] } & Partial<GqlBlobWithId>;
}

const BLOB = "... on Blob { text isBinary isTruncated }";
const LANDINGS_PER_CALL = 50;

function tipRef(branch: string | undefined): string {
  return branch ? `tip: ref(qualifiedName: $branch)` : "tip: defaultBranchRef";
}

/** Every grant on the branch whose window has not ended at `now`, with its commit and blob id. */
export async function readSchedule(api: GitHub, where: RepoRef, branch?: string, now: Date = new Date()): Promise<ScheduledGrant[]> {
  const report = await readBranchReport(api, where, { branch, now });
  return report.grants.filter((g) => g.status !== "expired").map((g) => ({ path: g.path, grant: g.grant, commit: report.sha, blobId: g.blobSha }));
}

export interface BranchReadOptions {
  /** The branch (default: the repository's default branch). */
  branch?: string | undefined;
  now: Date;
  /** Only the request files of these resources (default: every request file). */
  resources?: string[];
}

/**
 * The branch tip judged at `now`, as the sweep judges a clone (operations/expiry.ts): one
 * GraphQL call for the tip, its rules and the request files' texts, then one per 50 files
 * for their landings. With `resources`, only those folders are read (what a push touched).
 */
export async function readBranchReport(api: GitHub, where: RepoRef, options: BranchReadOptions): Promise<ExpiryReport> {
  const { branch, now } = options;
  const dirs = options.resources?.map((id) => `${REQUESTS_DIR}/${id}`);
  const variables: Record<string, unknown> = { owner: where.owner, repo: where.repo, ...(branch ? { branch: `refs/heads/${branch}` } : {}) };
  CONFIG_PATHS.forEach((p, i) => (variables[`c${i}`] = p));
  const folders = dirs ?? [REQUESTS_DIR];
  folders.forEach((d, i) => (variables[`d${i}`] = d));
  // The whole requests folder is two levels of trees; one resource's folder is one.
  const files = (depth: number): string => (depth ? `entries { name type mode oid object { ... on Tree { ${files(depth - 1)} } ${BLOB} } }` : `entries { name type mode oid object { ${BLOB} } }`);
  const query = `query gitgrantBranch($owner: String!, $repo: String!${branch ? ", $branch: String!" : ""}, ${[...CONFIG_PATHS.map((_, i) => `$c${i}: String!`), ...folders.map((_, i) => `$d${i}: String!`)].join(", ")}) {
  repository(owner: $owner, name: $repo) {
    ${tipRef(branch)} { target { oid ... on Commit {
      ${CONFIG_PATHS.map((_, i) => `c${i}: file(path: $c${i}) { oid object { ${BLOB} } }`).join("\n      ")}
      ${folders.map((_, i) => `d${i}: file(path: $d${i}) { object { ... on Tree { ${files(dirs ? 0 : 1)} } } }`).join("\n      ")}
    } } }
  }
}`;
  type Folder = { object?: { entries?: Entry[] } | null } | null;
  type Tip = { oid: string } & Record<string, ({ oid: string; object?: GqlBlobWithId | null } & Folder) | null>;
  const data = await api.graphql<{ repository: { tip: { target: Tip | null } | null } }>(query, variables);
  const tip = data.repository.tip?.target;
  if (!tip) throw new Error(`${where.owner}/${where.repo} has no ${branch ?? "default"} branch to read grants from`);
  const sha = tip.oid;
  const repo = new DeliveryRepo(api, where);
  CONFIG_PATHS.forEach((p, i) => {
    const f = tip[`c${i}`];
    repo.seedBlob(sha, p, f ? { ...(f.object ?? { text: null, isBinary: true, isTruncated: false }), oid: f.oid } : null);
  });
  const config = await loadConfigAt(repo, sha, PROVIDER_RULES);

  const found: Array<{ path: string; oid: string; text: string | null | undefined }> = [];
  const add = (dir: string, f: Entry) => {
    // Only regular files are requests; anything else is judgeBranch's "not a request file" or unread.
    const regular = f.type === "blob" && (f.mode === 0o100644 || f.mode === 0o100755);
    found.push({ path: `${dir}/${f.name}`, oid: f.oid, text: regular && f.object && !f.object.isBinary && !f.object.isTruncated ? f.object.text : undefined });
  };
  folders.forEach((folder, i) => {
    for (const e of tip[`d${i}`]?.object?.entries ?? []) {
      if (dirs) add(folder, e);
      else for (const f of e.object?.entries ?? []) add(`${folder}/${e.name}`, f);
    }
  });
  const landings = await landingsOf(api, where, sha, found.map((f) => f.path));
  const branchFiles: BranchFile[] = found.map((f) => ({ path: f.path, blobSha: f.oid, text: f.text, landing: landings.get(f.path) }));
  return judgeBranch({ ref: branch ?? "HEAD", sha, now, config, files: branchFiles });
}

/** The newest commit on `sha`'s history that touched each path: when it last landed. */
async function landingsOf(api: GitHub, where: RepoRef, sha: string, paths: string[]): Promise<Map<string, { sha: string; time: Date }>> {
  const out = new Map<string, { sha: string; time: Date }>();
  for (let start = 0; start < paths.length; start += LANDINGS_PER_CALL) {
    const batch = paths.slice(start, start + LANDINGS_PER_CALL);
    const variables: Record<string, unknown> = { owner: where.owner, repo: where.repo, sha };
    batch.forEach((p, i) => (variables[`p${i}`] = p));
    const query = `query gitgrantLandings($owner: String!, $repo: String!, $sha: GitObjectID!, ${batch.map((_, i) => `$p${i}: String!`).join(", ")}) {
  repository(owner: $owner, name: $repo) { commit: object(oid: $sha) { ... on Commit {
    ${batch.map((_, i) => `h${i}: history(path: $p${i}, first: 1) { nodes { oid committedDate } }`).join("\n    ")}
  } } }
}`;
    const data = await api.graphql<{ repository: { commit: Record<string, { nodes: Array<{ oid: string; committedDate: string }> }> | null } }>(query, variables);
    batch.forEach((p, i) => {
      const n = data.repository.commit?.[`h${i}`]?.nodes[0];
      if (n) out.set(p, { sha: n.oid, time: new Date(n.committedDate) });
    });
  }
  return out;
}

/** The blob id of each path at the branch tip now (absent: no such file there). */
export async function tipBlobIds(api: GitHub, where: RepoRef, paths: string[], branch?: string): Promise<{ sha: string; ids: Map<string, string> }> {
  const variables: Record<string, unknown> = { owner: where.owner, repo: where.repo, ...(branch ? { branch: `refs/heads/${branch}` } : {}) };
  paths.forEach((p, i) => (variables[`p${i}`] = p));
  const query = `query gitgrantTip($owner: String!, $repo: String!${branch ? ", $branch: String!" : ""}${paths.map((_, i) => `, $p${i}: String!`).join("")}) {
  repository(owner: $owner, name: $repo) { ${tipRef(branch)} { target { oid ... on Commit { ${paths.map((_, i) => `p${i}: file(path: $p${i}) { oid }`).join(" ")} } } } }
}`;
  const data = await api.graphql<{ repository: { tip: { target: ({ oid: string } & Record<string, { oid: string } | null>) | null } | null } }>(query, variables);
  const tip = data.repository.tip?.target;
  if (!tip) throw new Error(`${where.owner}/${where.repo} has no ${branch ?? "default"} branch`);
  const ids = new Map<string, string>();
  paths.forEach((p, i) => {
    const f = tip[`p${i}`];
    if (f && typeof f === "object" && f.oid) ids.set(p, f.oid);
  });
  return { sha: tip.oid, ids };
}

/** The branch tip's commit id, alone (one small GraphQL call). */
export async function tipSha(api: GitHub, where: RepoRef, branch?: string): Promise<string> {
  const variables: Record<string, unknown> = { owner: where.owner, repo: where.repo, ...(branch ? { branch: `refs/heads/${branch}` } : {}) };
  const query = `query gitgrantTipSha($owner: String!, $repo: String!${branch ? ", $branch: String!" : ""}) {
  repository(owner: $owner, name: $repo) { ${tipRef(branch)} { target { oid } } }
}`;
  const data = await api.graphql<{ repository: { tip: { target: { oid: string } | null } | null } }>(query, variables);
  const oid = data.repository.tip?.target?.oid;
  if (!oid) throw new Error(`${where.owner}/${where.repo} has no ${branch ?? "default"} branch`);
  return oid;
}
