// What a push to the default branch needs from GitHub, in two calls as the PR path does: the
// compare (which files changed, REST: GraphQL has no diff), then one GraphQL call for the
// rules at both ends (with their blob ids, so a parse is reused), the changed request
// files' texts at the pushed commit, gitgrant's own `gitgrant/apply` check run on it, and
// the pull request it merged. Over REST that is two resolves, one read per file and two
// listings: 15 calls for a one-file merge where this spends 2.
import { REQUESTS_DIR } from "../core/config.js";
import type { FileChange } from "../core/types.js";
import { isZeroSha } from "../git/local.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { GRAPHQL_PAGE_SIZE } from "../github/limits.js";
import { BLOB_ID_FRAGMENT, CONFIG_PATHS, DeliveryRepo, type GqlBlobWithId } from "./repo.js";
import type { ConfigCache } from "./config-cache.js";

export interface ApplyRun {
  id: number;
  /** GraphQL's CheckStatusState: QUEUED, IN_PROGRESS, COMPLETED, ... */
  status: string;
  /** When it started (an unfinished run older than a few minutes is a delivery that died). */
  startedAt?: string | null;
}

export interface MergedPull {
  number: number;
}

export interface PushFacts {
  /** gitgrant's newest `gitgrant/apply` run on the pushed commit, if any. */
  applyRun: ApplyRun | null;
  /** The pull request this push merged, if GitHub knows one. */
  merged: MergedPull | null;
}

interface Answer {
  repository: Record<string, GqlBlobWithId | null> & {
    pushed: {
      checkSuites?: { nodes: Array<{ app: { databaseId: number } | null; checkRuns: { nodes: Array<{ databaseId: number; status: string; startedAt?: string | null }> } | null }> } | null;
      associatedPullRequests?: { nodes: Array<{ number: number; mergedAt: string | null; baseRefName: string; mergeCommit: { oid: string } | null }> } | null;
    } | null;
  };
}

const SHA = /^[0-9a-f]{40}$/;

/** A DeliveryRepo for one push: its two SHAs need no resolving, and its diff is read once. */
export class PushRepo extends DeliveryRepo {
  private diff: Promise<FileChange[]> | undefined;

  constructor(
    api: GitHub,
    where: RepoRef,
    private readonly shas: { before: string; after: string },
    configs?: ConfigCache,
  ) {
    super(api, where, configs);
  }

  override resolve(ref: string): Promise<string> {
    // A push payload names commits by full SHA; GitHub just said they exist.
    if (SHA.test(ref) && (ref === this.shas.before || ref === this.shas.after)) return Promise.resolve(ref);
    return super.resolve(ref);
  }

  override changedFiles(base: string, head: string): Promise<FileChange[]> {
    if (base !== this.shas.before || head !== this.shas.after) return super.changedFiles(base, head);
    this.diff ??= super.changedFiles(base, head);
    return this.diff;
  }

  /** The blob id GraphQL gave for a file at the pushed commit. */
  blobIdAfter(path: string): string | undefined {
    return this.blobId(this.shas.after, path);
  }

  /**
   * One GraphQL call: seeds the rules at `after` (and at `before` when something was deleted),
   * the present request files' texts at `after`, and answers the push's check run and PR.
   */
  async prefetchPush(branch: string, appId: number | undefined, applyCheckName: string): Promise<PushFacts> {
    const { before, after } = this.shas;
    const changes = (await this.changedFiles(before, after)).filter((c) => c.path.startsWith(`${REQUESTS_DIR}/`));
    const present = changes.filter((c) => c.change !== "deleted").map((c) => c.path);
    const deleted = changes.some((c) => c.change === "deleted") && !isZeroSha(before);
    // No request file changed: nothing is applied, so there is nothing more to read.
    if (!changes.length) return { applyRun: null, merged: null };
    const reads: Array<{ sha: string; path: string }> = [];
    if (present.length) reads.push(...CONFIG_PATHS.map((path) => ({ sha: after, path })), ...present.map((path) => ({ sha: after, path })));
    if (deleted) reads.push(...CONFIG_PATHS.map((path) => ({ sha: before, path })));
    const wanted = reads.filter((r) => !this.has(r.sha, r.path));
    const variables: Record<string, unknown> = { owner: this.where.owner, repo: this.where.repo, after };
    wanted.forEach((r, i) => (variables[`f${i}`] = `${r.sha}:${r.path}`));
    const query = `query gitgrantPush($owner: String!, $repo: String!, $after: GitObjectID!${wanted.map((_, i) => `, $f${i}: String!`).join("")}) {
  repository(owner: $owner, name: $repo) {
    ${wanted.map((_, i) => `f${i}: object(expression: $f${i}) { ...gitgrantBlobId }`).join("\n    ")}
    pushed: object(oid: $after) {
      ... on Commit {
        checkSuites(first: 50) { nodes { app { databaseId } checkRuns(last: 10, filterBy: { checkName: "${applyCheckName}" }) { nodes { databaseId status startedAt } } } }
        associatedPullRequests(first: ${Math.min(10, GRAPHQL_PAGE_SIZE)}) { nodes { number mergedAt baseRefName mergeCommit { oid } } }
      }
    }
  }
}
${BLOB_ID_FRAGMENT}`;
    const data = await this.api.graphql<Answer>(query, variables);
    const r = data.repository;
    wanted.forEach((w, i) => this.seedBlob(w.sha, w.path, r[`f${i}`] as GqlBlobWithId | null | undefined));
    const runs = (r.pushed?.checkSuites?.nodes ?? [])
      // Another app (or a workflow job) may use the same name; only ours says "applied".
      .filter((s) => appId === undefined || s.app?.databaseId === appId)
      .flatMap((s) => s.checkRuns?.nodes ?? [])
      .sort((a, b) => b.databaseId - a.databaseId);
    const pulls = r.pushed?.associatedPullRequests?.nodes ?? [];
    const merged = pulls.find((p) => p.mergeCommit?.oid === after) ?? pulls.find((p) => p.mergedAt && p.baseRefName === branch);
    return {
      applyRun: runs[0] ? { id: runs[0].databaseId, status: runs[0].status, startedAt: runs[0].startedAt ?? null } : null,
      merged: merged ? { number: merged.number } : null,
    };
  }
}
