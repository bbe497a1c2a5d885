// The access repository as one webhook delivery sees it: a GitHubRepo (the shared seam,
// cached per instance) plus texts the app already holds from a batched GraphQL answer or a
// pull request's patch. loadConfigAt / readChanges read through it unchanged, so the app
// and the CLI share the loading code while the app spends one call where REST needs six.
import { CODEOWNERS_LOCATIONS } from "../core/codeowners.js";
import { CONFIG_FILES, type AccessConfig } from "../core/config.js";
import type { ProviderRules } from "../core/provider-rules.js";
import type { FileChange } from "../core/types.js";
import { GitHubRepo } from "../github/repo.js";
import type { AccessRepo, BlobEntry, Landing } from "../git/types.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { BLOB_FRAGMENT, blobText, type GqlBlob } from "../github/graphql.js";
import { CONFIGS, type ConfigCache } from "./config-cache.js";

/** Base-branch files every judgement reads (DESIGN: always from the base of the change). */
export const CONFIG_PATHS: string[] = [CONFIG_FILES.catalog, CONFIG_FILES.policy, CONFIG_FILES.identities, ...CODEOWNERS_LOCATIONS];

/** A blob as the app's GraphQL reads ask for it: with its id, so a parse can be reused. */
export interface GqlBlobWithId extends GqlBlob {
  oid?: string;
}

/** The same fields as BLOB_FRAGMENT, plus the blob id. */
export const BLOB_ID_FRAGMENT = "fragment gitgrantBlobId on Blob { oid text isBinary isTruncated }";

export class DeliveryRepo implements AccessRepo {
  private readonly inner: GitHubRepo;
  private readonly seeds = new Map<string, string | null>();
  /** Blob ids by sha and path ("" for a file that does not exist there). */
  private readonly ids = new Map<string, string>();
  constructor(
    protected readonly api: GitHub,
    readonly where: RepoRef,
    private readonly configs: ConfigCache = CONFIGS,
  ) {
    this.inner = new GitHubRepo({ octokit: api, owner: where.owner, repo: where.repo });
  }

  /** Record a file's text at a commit (null: the file does not exist there). */
  seed(sha: string, path: string, text: string | null): void {
    this.seeds.set(key(sha, path), text);
  }

  /** Seed a file from a GraphQL blob (null: no file there), with its id when GraphQL gave it. */
  seedBlob(sha: string, path: string, blob: GqlBlobWithId | null | undefined): void {
    const text = blobText(blob);
    if (text === undefined) return;
    this.seed(sha, path, text);
    if (blob === null) this.ids.set(key(sha, path), "");
    else if (blob?.oid) this.ids.set(key(sha, path), blob.oid);
  }

  /** The config parsed from the very blobs at `ref` before, when every one of their ids is known. */
  parsedConfig(ref: string, providers: ProviderRules, parse: () => AccessConfig): AccessConfig {
    const ids = CONFIG_PATHS.map((p) => this.ids.get(key(ref, p)));
    if (ids.some((id) => id === undefined)) return parse();
    return this.configs.get(providers, ids.join(","), parse);
  }

  /** The blob id of a seeded file, when GraphQL gave one. */
  blobId(sha: string, path: string): string | undefined {
    return this.ids.get(key(sha, path)) || undefined;
  }

  has(sha: string, path: string): boolean {
    return this.seeds.has(key(sha, path));
  }

  resolve(ref: string): Promise<string> {
    return this.inner.resolve(ref);
  }

  treeId(ref: string): Promise<string> {
    return this.inner.treeId(ref);
  }

  async readFile(ref: string, path: string): Promise<string | null> {
    const k = key(ref, path);
    if (this.seeds.has(k)) return this.seeds.get(k) ?? null;
    return this.inner.readFile(ref, path);
  }

  readBlobs(ids: string[]): Promise<Map<string, string>> {
    return this.inner.readBlobs(ids);
  }

  listFiles(ref: string, folder: string): Promise<string[]> {
    return this.inner.listFiles(ref, folder);
  }

  listBlobs(ref: string, folder: string): Promise<BlobEntry[]> {
    return this.inner.listBlobs(ref, folder);
  }

  changedFiles(base: string, head: string): Promise<FileChange[]> {
    return this.inner.changedFiles(base, head);
  }

  landings(ref: string, folder: string): Promise<Map<string, Landing>> {
    return this.inner.landings(ref, folder);
  }

  /**
   * Fetch many files at one commit in a single GraphQL call and seed them. Files GraphQL
   * cannot give whole (binary, truncated) are left to readFile's REST path.
   */
  async prefetch(sha: string, paths: string[]): Promise<void> {
    const wanted = [...new Set(paths)].filter((p) => !this.has(sha, p));
    if (!wanted.length) return;
    const q = blobQuery(wanted.map((p) => `${sha}:${p}`));
    const data = await this.api.graphql<{ repository: Record<string, GqlBlob | null> }>(q.query, { owner: this.where.owner, repo: this.where.repo, ...q.variables });
    wanted.forEach((p, i) => {
      const text = blobText(data.repository[`f${i}`]);
      if (text !== undefined) this.seed(sha, p, text);
    });
  }
}

function key(sha: string, path: string): string {
  return `${sha}\0${path}`;
}

/** `f0: object(expression: $f0) { ...gitgrantBlob }` for each expression; paths travel as variables, never as query text. */
export function blobQuery(expressions: string[]): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = {};
  const decl: string[] = [];
  const fields: string[] = [];
  expressions.forEach((e, i) => {
    variables[`f${i}`] = e;
    decl.push(`$f${i}: String!`);
    fields.push(`f${i}: object(expression: $f${i}) { ...gitgrantBlob }`);
  });
  const query = `query gitgrantFiles($owner: String!, $repo: String!, ${decl.join(", ")}) { repository(owner: $owner, name: $repo) { ${fields.join(" ")} } } ${BLOB_FRAGMENT}`;
  return { query, variables };
}
