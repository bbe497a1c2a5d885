/**
 * AccessRepo over the GitHub REST API (the app, which has no checkout).
 *
 * Reads are cached per instance: make one GitHubRepo per webhook delivery, so config files
 * read by several steps cost one API call and every step sees the same bytes.
 */
import type { FileChange } from "../core/types.js";
import type { AccessRepo, BlobEntry, Landing } from "../git/types.js";
import { RepoLimitError, UnknownRefError, UnsupportedOperationError, byPath, isZeroSha } from "../git/local.js";
import { statusOf } from "./errors.js";
import { COMPARE_FILES_LIMIT } from "./limits.js";
import type { GitHubTarget } from "./octokit.js";

export type GitHubRepoOptions = GitHubTarget;

export const LANDINGS_NEED_CLONE =
  "landings need a local clone: run the sweep in a checkout with full history";

interface TreeEntry {
  path: string;
  type: string;
  mode: string;
  sha: string;
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class GitHubRepo implements AccessRepo {
  private readonly octokit: GitHubTarget["octokit"];
  private readonly owner: string;
  private readonly repo: string;
  private readonly reads = new Map<string, Promise<string | null>>();
  private readonly refs = new Map<string, Promise<string>>();
  private readonly trees = new Map<string, Promise<string>>();

  constructor(options: GitHubRepoOptions) {
    this.octokit = options.octokit;
    this.owner = options.owner;
    this.repo = options.repo;
  }

  resolve(ref: string): Promise<string> {
    return this.cached(this.refs, ref, async () => {
      if (!ref) throw new UnknownRefError(ref);
      try {
        // The sha media type returns just the 40-character SHA, not the commit and its whole diff.
        const { data } = await this.octokit.rest.repos.getCommit({
          owner: this.owner,
          repo: this.repo,
          ref,
          mediaType: { format: "sha" },
        });
        const sha = (typeof data === "string" ? data : Buffer.from(data as unknown as ArrayBuffer).toString("utf8")).trim();
        if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`GitHub returned "${sha.slice(0, 80)}" as the SHA of "${ref}"`);
        return sha;
      } catch (err) {
        // 422 "No commit found for SHA", 404 for a ref that names nothing.
        if (isStatus(err, 404, 422)) throw new UnknownRefError(ref);
        throw err;
      }
    });
  }

  treeId(ref: string): Promise<string> {
    return this.cached(this.trees, ref, async () => {
      const sha = await this.resolve(ref);
      // The git data API's commit names its tree; the REST commit object would bring the diff too.
      const { data } = await this.octokit.rest.git.getCommit({ owner: this.owner, repo: this.repo, commit_sha: sha });
      return data.tree.sha;
    });
  }

  readFile(ref: string, path: string): Promise<string | null> {
    const clean = normalizePath(path);
    return this.cached(this.reads, `${ref}\0${clean}`, async () => {
      let data;
      try {
        // The "object" media type documents the shape for every size: over 1 MB the
        // content is "" with encoding "none", and a folder is one object, not an array.
        ({ data } = await this.octokit.rest.repos.getContent({
          owner: this.owner,
          repo: this.repo,
          path: clean,
          ref,
          mediaType: { format: "object" },
        }));
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
        // A 404 is also what an unknown ref gets: tell the two apart, as the local repo does.
        await this.resolve(ref);
        return null;
      }
      const item = data as { type?: string; encoding?: string; content?: string; sha?: string };
      if (Array.isArray(data) || item.type !== "file") return null;
      if (item.encoding === "base64" && typeof item.content === "string") return decodeBase64(item.content);
      return this.readBlob(String(item.sha));
    });
  }

  async readBlobs(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    const texts = await Promise.all(unique.map((id) => this.readBlob(id)));
    return new Map(unique.map((id, i) => [id, texts[i]!]));
  }

  async listFiles(ref: string, folder: string): Promise<string[]> {
    const prefix = folderPrefix(folder);
    const tree = await this.tree(ref);
    return tree
      .filter((e) => e.type !== "tree" && e.path.startsWith(prefix))
      .map((e) => e.path)
      .sort(byPath);
  }

  async listBlobs(ref: string, folder: string): Promise<BlobEntry[]> {
    const prefix = folderPrefix(folder);
    const tree = await this.tree(ref);
    return tree
      .filter((e) => e.type === "blob" && e.path.startsWith(prefix))
      .map((e) => ({ path: e.path, sha: e.sha }))
      .sort((a, b) => byPath(a.path, b.path));
  }

  async changedFiles(base: string, head: string): Promise<FileChange[]> {
    // A branch-creating push: everything in head is new.
    if (isZeroSha(base)) {
      return (await this.listFiles(head, "")).map((path) => ({ path, change: "added" as const }));
    }
    let data;
    try {
      ({ data } = await this.octokit.rest.repos.compareCommitsWithBasehead({
        owner: this.owner,
        repo: this.repo,
        basehead: `${base}...${head}`,
        // Files come only on the first page; one commit per page keeps that page small.
        per_page: 1,
      }));
    } catch (err) {
      if (!isStatus(err, 404, 422)) throw err;
      await this.resolve(base);
      await this.resolve(head);
      throw err;
    }
    const files = data.files ?? [];
    // compare diffs the merge base against head, and lists at most COMPARE_FILES_LIMIT files. When base is
    // not an ancestor of head (a force-push) or the list may be cut, diff the two trees
    // instead: that is exactly `git diff base head`, whatever the size.
    if ((data.status !== "ahead" && data.status !== "identical") || files.length >= COMPARE_FILES_LIMIT) {
      return this.diffTrees(base, head);
    }
    const changes = githubFileChanges(files);
    return changes.sort((a, b) => byPath(a.path, b.path));
  }

  /** Always refuses: one history pass needs a clone (see LANDINGS_NEED_CLONE). */
  async landings(_ref: string, _folder: string): Promise<Map<string, Landing>> {
    // Over the API this is one list call plus one call per commit for its files; the sweep
    // runs in an Actions checkout where `git log` does it in one pass.
    throw new UnsupportedOperationError(LANDINGS_NEED_CLONE);
  }

  private async diffTrees(base: string, head: string): Promise<FileChange[]> {
    const [before, after] = await Promise.all([this.tree(base), this.tree(head)]);
    const index = (entries: TreeEntry[]) =>
      new Map(entries.filter((e) => e.type !== "tree").map((e) => [e.path, `${e.mode} ${e.sha}`]));
    const a = index(before);
    const b = index(after);
    const changes: FileChange[] = [];
    for (const [path, id] of a) {
      if (!b.has(path)) changes.push({ path, change: "deleted" });
      else if (b.get(path) !== id) changes.push({ path, change: "modified" });
    }
    for (const path of b.keys()) if (!a.has(path)) changes.push({ path, change: "added" });
    return changes.sort((x, y) => byPath(x.path, y.path));
  }

  private async tree(ref: string): Promise<TreeEntry[]> {
    let data;
    try {
      ({ data } = await this.octokit.rest.git.getTree({
        owner: this.owner,
        repo: this.repo,
        tree_sha: ref,
        recursive: "1",
      }));
    } catch (err) {
      if (isStatus(err, 404, 422)) throw new UnknownRefError(ref);
      throw err;
    }
    if (data.truncated) {
      throw new RepoLimitError(
        `the file tree of "${ref}" is too large for the GitHub API (truncated at 100,000 entries or 7 MB); run gitgrant in a checkout instead`,
      );
    }
    return data.tree as TreeEntry[];
  }

  private async readBlob(sha: string): Promise<string> {
    const { data } = await this.octokit.rest.git.getBlob({ owner: this.owner, repo: this.repo, file_sha: sha });
    if (data.encoding !== "base64") return data.content;
    return decodeBase64(data.content);
  }

  /** One in-flight or settled promise per key; a failure is forgotten so a retry can succeed. */
  private cached<T>(map: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    if (hit) return hit;
    const p = load();
    map.set(key, p);
    p.catch(() => map.delete(key));
    return p;
  }
}

function decodeBase64(content: string): string {
  // GitHub wraps base64 at 60 columns; Buffer ignores the newlines.
  return utf8.decode(Buffer.from(content, "base64"));
}

function isStatus(err: unknown, ...statuses: number[]): boolean {
  const status = statusOf(err);
  return status !== undefined && statuses.includes(status);
}

function normalizePath(path: string): string {
  return path.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "");
}

/** "access/requests" -> "access/requests/"; "" or "." -> "" (the whole tree). */
function folderPrefix(folder: string): string {
  const f = normalizePath(folder);
  return f === "" || f === "." ? "" : `${f}/`;
}

/**
 * GitHub's file statuses (compare, pull request files) as gitgrant's changes. A rename is
 * a delete plus an add (the old file's grant ends, the new one is judged); a status this
 * code does not know is judged as modified (read at head), never skipped.
 */
export function githubFileChanges(files: ReadonlyArray<{ filename: string; status: string; previous_filename?: string }>): FileChange[] {
  const out: FileChange[] = [];
  for (const f of files) {
    switch (f.status) {
      case "added":
      case "copied":
        out.push({ path: f.filename, change: "added" });
        break;
      case "removed":
        out.push({ path: f.filename, change: "deleted" });
        break;
      case "renamed":
        if (f.previous_filename) out.push({ path: f.previous_filename, change: "deleted" });
        out.push({ path: f.filename, change: "added" });
        break;
      case "unchanged":
        break;
      default: // "modified", "changed" (mode or type), and anything new
        out.push({ path: f.filename, change: "modified" });
    }
  }
  return out;
}
