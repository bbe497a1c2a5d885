// One GraphQL call at the start of every delivery: the pull request as it is now, the
// rules (catalog, policy, identities, CODEOWNERS) at the base SHA, and gitgrant's own check
// run on the head, if one exists. Over REST this is one call per file plus two.
import { ACCESS_DIR, REQUESTS_DIR } from "../core/config.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { BLOB_ID_FRAGMENT, CONFIG_PATHS, type DeliveryRepo, type GqlBlobWithId } from "./repo.js";
import { GRAPHQL_PAGE_SIZE } from "../github/limits.js";

export const CHECK_NAME = "gitgrant";

export { CONFIG_PATHS };

export interface PullRequestInfo {
  nodeId: string;
  number: number;
  title: string;
  body: string;
  draft: boolean;
  state: "OPEN" | "CLOSED" | "MERGED";
  headSha: string;
  headRef: string;
  baseRef: string;
  /** REST spelling: bots end in "[bot]". */
  author: string;
  authorIsBot: boolean;
  fromFork: boolean;
  labels: string[];
  changedFiles: number;
  /** Commits on the PR as GitHub counts them (its REST listing stops at PR_COMMITS_LIMIT). */
  commitCount: number;
  /** The repository's default branch: the only base gitgrant merges into. */
  defaultBranch: string | null;
  /** Whether the base branch has a merge queue (which drops the merge commit message). */
  mergeQueue: boolean;
  /** GitHub auto-merge armed on the PR: the commit body it will use (gitgrant's names the judged head). */
  autoMerge: { commitBody: string } | null;
}

export interface ExistingCheckRun {
  id: number;
  externalId: string | null;
  /** GraphQL's CheckStatusState: QUEUED, IN_PROGRESS, COMPLETED, ... */
  status: string;
  /** When it was completed, if it was (a verdict published moments ago is still being merged by its publisher). */
  completedAt?: string | null;
}

export interface Snapshot {
  pr: PullRequestInfo;
  checkRun: ExistingCheckRun | null;
  /** The commit the rules were read at: the base branch's tip now, not the payload's base.sha. */
  baseSha: string;
  /** Git modes ("100644", "120000" ...) of what is under access/ at the head, three levels deep, by path. */
  headModes: Map<string, string>;
  /** The request files on the base (one file per person and resource is judged against them); null when GitHub's answer did not list them. */
  baseRequestFiles: string[] | null;
}

interface TreeEntry {
  name: string;
  type: string;
  /** GraphQL gives the git mode as a number (33188 is 100644). */
  mode?: number;
  object?: { entries?: TreeEntry[] } | null;
}

interface Answer {
  repository: {
    pullRequest: {
      id: string;
      number: number;
      title: string;
      body: string;
      isDraft: boolean;
      state: PullRequestInfo["state"];
      headRefOid: string;
      headRefName: string;
      baseRefName: string;
      changedFiles: number;
      isCrossRepository: boolean;
      author: { __typename: string; login: string } | null;
      labels: { nodes: Array<{ name: string }> } | null;
      commits?: { totalCount: number } | null;
      autoMergeRequest?: { commitBody: string | null } | null;
    } | null;
    defaultBranchRef?: { name: string } | null;
    mergeQueue?: { id: string } | null;
    baseTip: { target: { oid: string } | null } | null;
    headAccess?: { entries?: TreeEntry[] } | null;
    baseRequests?: { entries?: TreeEntry[] } | null;
    head: { checkSuites?: { nodes: Array<{ app: { databaseId: number } | null; checkRuns: { nodes: Array<{ databaseId: number; externalId: string | null; status: string; completedAt?: string | null }> } | null }> } } | null;
  } & Record<string, GqlBlobWithId | null>;
}

const ENTRY = "name type mode";
const TREE_3 = `... on Tree { entries { ${ENTRY} object { ... on Tree { entries { ${ENTRY} object { ... on Tree { entries { ${ENTRY} } } } } } } } }`;
const TREE_2 = `... on Tree { entries { name type object { ... on Tree { entries { name type } } } } }`;

const QUERY = `query gitgrantContext($owner: String!, $repo: String!, $number: Int!, $head: GitObjectID!, $baseRef: String!, $branch: String, $headAccess: String!, $baseRequests: String!, ${CONFIG_PATHS.map((_, i) => `$c${i}: String!`).join(", ")}) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      id number title body isDraft state headRefOid headRefName baseRefName changedFiles isCrossRepository
      author { __typename login }
      labels(first: ${GRAPHQL_PAGE_SIZE}) { nodes { name } }
      commits { totalCount }
      autoMergeRequest { commitBody }
    }
    defaultBranchRef { name }
    mergeQueue(branch: $branch) { id }
    baseTip: ref(qualifiedName: $baseRef) { target { oid } }
    headAccess: object(expression: $headAccess) { ${TREE_3} }
    baseRequests: object(expression: $baseRequests) { ${TREE_2} }
    ${CONFIG_PATHS.map((_, i) => `c${i}: object(expression: $c${i}) { ...gitgrantBlobId }`).join("\n    ")}
    head: object(oid: $head) {
      ... on Commit {
        checkSuites(first: 50) { nodes { app { databaseId } checkRuns(last: 10, filterBy: { checkName: "${CHECK_NAME}" }) { nodes { databaseId externalId status completedAt } } } }
      }
    }
  }
}
${BLOB_ID_FRAGMENT}`;

export class PullRequestGoneError extends Error {
  constructor(where: RepoRef, number: number) {
    super(`Pull request ${where.owner}/${where.repo}#${number} does not exist or the app cannot see it.`);
    this.name = "PullRequestGoneError";
  }
}

/**
 * Reads the snapshot and seeds the config texts at the base into the delivery's repo.
 * With `base.ref` (the base branch's name), the rules are those at the branch's tip now:
 * a webhook's base.sha is where the branch was at the PR's last push, so a policy tightened
 * since then would otherwise not apply. Without it, the rules at `base.sha`.
 * `appId` picks gitgrant's own check run when another app also has one named "gitgrant".
 */
export async function loadSnapshot(api: GitHub, repo: DeliveryRepo, number: number, base: { sha: string; ref?: string }, headSha: string, appId?: number): Promise<Snapshot> {
  const qualified = base.ref ? `refs/heads/${base.ref}` : "";
  const at = qualified || base.sha;
  const variables: Record<string, unknown> = {
    owner: repo.where.owner,
    repo: repo.where.repo,
    number,
    head: headSha,
    baseRef: qualified,
    branch: base.ref ?? null,
    headAccess: `${headSha}:${ACCESS_DIR}`,
    baseRequests: `${at}:${REQUESTS_DIR}`,
  };
  CONFIG_PATHS.forEach((p, i) => (variables[`c${i}`] = `${at}:${p}`));
  const data = await api.graphql<Answer>(QUERY, variables);
  const r = data.repository;
  const baseSha = qualified ? r.baseTip?.target?.oid : base.sha;
  if (!baseSha) throw new Error(`The base branch ${base.ref} of #${number} no longer exists; gitgrant has no rules to judge it by.`);
  CONFIG_PATHS.forEach((p, i) => repo.seedBlob(baseSha, p, r[`c${i}`] as GqlBlobWithId | null));
  const pr = r.pullRequest;
  if (!pr) throw new PullRequestGoneError(repo.where, number);
  const bot = pr.author?.__typename === "Bot";
  // GraphQL spells a bot "gitgrant", REST (and CODEOWNERS, and reviews) "gitgrant[bot]".
  const author = pr.author ? (bot ? `${pr.author.login}[bot]` : pr.author.login) : "ghost";
  const runs = (r.head?.checkSuites?.nodes ?? [])
    .filter((s) => appId === undefined || s.app?.databaseId === appId)
    .flatMap((s) => s.checkRuns?.nodes ?? [])
    .sort((a, b) => b.databaseId - a.databaseId);
  return {
    pr: {
      nodeId: pr.id,
      number: pr.number,
      title: pr.title,
      body: pr.body ?? "",
      draft: pr.isDraft,
      state: pr.state,
      headSha: pr.headRefOid,
      headRef: pr.headRefName,
      baseRef: pr.baseRefName,
      author,
      authorIsBot: bot,
      fromFork: pr.isCrossRepository,
      labels: (pr.labels?.nodes ?? []).map((l) => l.name),
      changedFiles: pr.changedFiles,
      commitCount: pr.commits?.totalCount ?? 0,
      defaultBranch: r.defaultBranchRef?.name ?? null,
      mergeQueue: Boolean(r.mergeQueue),
      autoMerge: pr.autoMergeRequest ? { commitBody: pr.autoMergeRequest.commitBody ?? "" } : null,
    },
    checkRun: runs[0] ? { id: runs[0].databaseId, externalId: runs[0].externalId, status: runs[0].status, completedAt: runs[0].completedAt ?? null } : null,
    baseSha,
    headModes: modesOf(r.headAccess, ACCESS_DIR),
    baseRequestFiles: r.baseRequests === undefined ? null : r.baseRequests === null ? [] : r.baseRequests.entries ? filesOf(r.baseRequests, REQUESTS_DIR) : null,
  };
}

/** Every entry's mode by path, as git writes modes (octal). */
function modesOf(tree: { entries?: TreeEntry[] } | null | undefined, prefix: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of tree?.entries ?? []) {
    const path = `${prefix}/${e.name}`;
    if (typeof e.mode === "number") out.set(path, e.mode.toString(8).padStart(6, "0"));
    if (e.object?.entries) modesOf(e.object, path, out);
  }
  return out;
}

/** The files (not folders) of a tree listing, by path. */
function filesOf(tree: { entries?: TreeEntry[] }, prefix: string): string[] {
  const out: string[] = [];
  for (const e of tree.entries ?? []) {
    const path = `${prefix}/${e.name}`;
    if (e.type === "tree") out.push(...filesOf(e.object ?? {}, path));
    else out.push(path);
  }
  return out.sort();
}
