// Ownership receipts as git notes under refs/notes/gitgrant over GitHub's git database API,
// for the app, which has no clone. The same notes and the same trust rule as the clone's
// store (git/notes.ts): the receipts are the tree of the newest notes commit gitgrant made,
// and a write builds on the tip from that tree, so a line someone else added is dropped.
//
// Read: ref -> commit (its `verification`, checked by GitHub) -> tree -> blobs. Record: blob,
// tree on the trusted base_tree, commit with the tip as parent (no author or committer
// given, so GitHub makes and signs it as the app), then the ref moved with force:false, or
// created when absent. A 422 (someone moved the ref first) or a 5xx re-reads and tries again.
import { parseReceipts, formatReceipts, type Receipt } from "../core/receipts.js";
import { judgeNotesCommit, orderReceipts } from "../core/receipt-trust.js";
import { NOTES_REF, ReceiptsNotTrustedError, TRUST_WALK_LIMIT, trustConfigured, type ReceiptTrustSettings } from "../git/notes.js";
import type { ReceiptStore } from "../git/types.js";
import { statusOf } from "./errors.js";
import type { GitHubTarget } from "./octokit.js";

const REF = NOTES_REF.slice("refs/".length); // notes/gitgrant

export interface GitHubNotesOptions extends GitHubTarget {
  trust: () => Promise<ReceiptTrustSettings>;
  /** Tries of a write that lost a race or met a 5xx (default 5). */
  attempts?: number;
  /** Blob texts by id, shared across stores: blobs never change, and a read fetches every note. */
  blobCache?: BlobTexts;
}

/** Where blob texts are kept by id (a Map, or the app's bounded process-wide cache). */
export interface BlobTexts {
  get(id: string): string | undefined;
  set(id: string, text: string): unknown;
}

interface GitCommit {
  sha: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
  tree: { sha: string };
  parents: Array<{ sha: string }>;
  verification?: { verified: boolean; reason: string };
}

interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  sha: string;
}

interface State {
  tip: string | null;
  /** The trusted commit's tree (or, with no trust rule, the tip's): what a write builds on. */
  baseTree: string | null;
  entries: TreeEntry[];
  usable: boolean;
  problems: string[];
}

export class GitHubNotesReceiptStore implements ReceiptStore {
  private readonly blobs: BlobTexts;

  constructor(private readonly options: GitHubNotesOptions) {
    this.blobs = options.blobCache ?? new Map();
  }

  async read(): Promise<{ receipts: Receipt[]; problems: string[] }> {
    const state = await this.state();
    if (!state.usable) return { receipts: [], problems: state.problems };
    const receipts: Receipt[] = [];
    const problems = [...state.problems];
    for (const entry of state.entries) {
      const parsed = parseReceipts(await this.blob(entry.sha), `note on ${entry.path.replace(/\//g, "").slice(0, 7)}`);
      receipts.push(...parsed.receipts);
      problems.push(...parsed.problems);
    }
    return { receipts: orderReceipts(receipts), problems };
  }

  async record(commit: string, receipts: Receipt[]): Promise<void> {
    if (!receipts.length) return;
    if (!trustConfigured(await this.options.trust())) throw new ReceiptsNotTrustedError();
    const attempts = this.options.attempts ?? 5;
    let written: string | null = null;
    let lastWhy = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const state = await this.state();
        // A 5xx on the ref update may still have moved it: our commit at the tip is done.
        if (written && state.tip === written) return;
        written = await this.buildCommit(state, commit, receipts);
        if (state.tip) await this.call("PATCH /repos/{owner}/{repo}/git/refs/" + REF, { sha: written, force: false });
        else await this.call("POST /repos/{owner}/{repo}/git/refs", { ref: NOTES_REF, sha: written });
        return;
      } catch (err) {
        const status = statusOf(err);
        // 422: not a fast-forward, or the ref was created meanwhile; 409/5xx: GitHub's own trouble.
        if (status !== 422 && status !== 409 && !(status !== undefined && status >= 500)) throw err;
        lastWhy = `${status}: ${(err as Error).message}`;
      }
    }
    throw new Error(`could not write ${receipts.length} receipt(s) to ${NOTES_REF} of ${this.options.owner}/${this.options.repo} after ${attempts} tries (${lastWhy})`);
  }

  private async call<T = unknown>(route: string, params: Record<string, unknown>): Promise<T> {
    const { data } = await this.options.octokit.request(route, { owner: this.options.owner, repo: this.options.repo, ...params });
    return data as T;
  }

  private async state(): Promise<State> {
    let tip: string;
    try {
      tip = (await this.call<{ object: { sha: string } }>("GET /repos/{owner}/{repo}/git/ref/" + REF, {})).object.sha;
    } catch (err) {
      if (statusOf(err) === 404) return { tip: null, baseTree: null, entries: [], usable: true, problems: [] };
      throw err;
    }
    const trust = await this.options.trust();
    const first = await this.commit(tip);
    if (!trustConfigured(trust)) {
      return {
        tip,
        baseTree: first.tree.sha,
        // Kept for the write only (nothing is believed): appending must not drop a note's lines.
        entries: await this.tree(first.tree.sha),
        usable: false,
        problems: [
          `ownership receipts in ${NOTES_REF} are ignored: settings.evidence names no gitgrant identity (app_bot or sweep_identity) to check the notes commits against, and anyone with push access can write that ref`,
        ],
      };
    }
    const problems: string[] = [];
    let c: GitCommit | undefined = first;
    for (let i = 0; c && i < TRUST_WALK_LIMIT; i++) {
      const sig = { authorName: c.author.name, authorEmail: c.author.email, committerName: c.committer.name, committerEmail: c.committer.email, status: "N", fingerprint: "", primaryFingerprint: "" };
      const verdict = judgeNotesCommit(sig, { evidence: trust.evidence, fingerprints: new Set() }, c.verification?.verified === true);
      if (verdict.trusted) return { tip, baseTree: c.tree.sha, entries: await this.tree(c.tree.sha), usable: true, problems };
      problems.push(`notes commit ${c.sha.slice(0, 7)} in ${NOTES_REF} is not gitgrant's (${verdict.why}): the receipts it wrote are ignored`);
      c = c.parents[0] ? await this.commit(c.parents[0].sha) : undefined;
    }
    problems.push(`no notes commit gitgrant made within ${TRUST_WALK_LIMIT} of the tip of ${NOTES_REF}: every receipt is ignored`);
    return { tip, baseTree: null, entries: [], usable: true, problems };
  }

  private commit(sha: string): Promise<GitCommit> {
    return this.call<GitCommit>("GET /repos/{owner}/{repo}/git/commits/{commit_sha}", { commit_sha: sha });
  }

  private async tree(sha: string): Promise<TreeEntry[]> {
    const data = await this.call<{ tree: TreeEntry[]; truncated: boolean }>("GET /repos/{owner}/{repo}/git/trees/{tree_sha}", { tree_sha: sha, recursive: "1" });
    // A cut listing would silently lose receipts: refuse it.
    if (data.truncated) throw new Error(`GitHub truncated the tree of ${NOTES_REF} (${sha.slice(0, 7)}): too many notes to read over the API; read them from a clone`);
    return data.tree.filter((e) => e.type === "blob" && /^[0-9a-f]{40}$/.test(e.path.replace(/\//g, "")));
  }

  private async blob(sha: string): Promise<string> {
    const cached = this.blobs.get(sha);
    if (cached !== undefined) return cached;
    const data = await this.call<{ content: string; encoding: string }>("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", { file_sha: sha });
    const text = data.encoding === "base64" ? Buffer.from(data.content, "base64").toString("utf8") : data.content;
    this.blobs.set(sha, text);
    return text;
  }

  private async buildCommit(state: State, commit: string, receipts: Receipt[]): Promise<string> {
    const existing = state.entries.find((e) => e.path.replace(/\//g, "") === commit);
    const before = existing ? await this.blob(existing.sha) : "";
    const text = (before && !before.endsWith("\n") ? `${before}\n` : before) + formatReceipts(receipts);
    const blob = await this.call<{ sha: string }>("POST /repos/{owner}/{repo}/git/blobs", { content: text, encoding: "utf-8" });
    const tree = await this.call<{ sha: string }>("POST /repos/{owner}/{repo}/git/trees", {
      ...(state.baseTree ? { base_tree: state.baseTree } : {}),
      tree: [{ path: existing?.path ?? commit, mode: "100644", type: "blob", sha: blob.sha }],
    });
    const made = await this.call<{ sha: string }>("POST /repos/{owner}/{repo}/git/commits", {
      message: `gitgrant: ${receipts.length} ownership receipt(s) for ${commit.slice(0, 7)}`,
      tree: tree.sha,
      parents: state.tip ? [state.tip] : [],
    });
    return made.sha;
  }
}
