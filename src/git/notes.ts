// Ownership receipts as git notes under refs/notes/gitgrant, in a local clone: one note per
// applied commit, JSON lines (core/receipts.ts). With a remote (the Actions workflow) the
// notes are fetched before reading and pushed after recording; a push that lost a race is
// redone on the new tip, so a concurrent writer never loses receipts.
//
// Trust (core/receipt-trust.ts): the notes ref has no branch protection, so the receipts are
// those in the tree of the newest notes commit gitgrant made (by the trust rule), found by
// walking first parents from the tip; commits on top of it are reported and ignored. The
// writer keeps that true: it builds its commit on the current tip (a fast-forward) but from
// the newest trusted tree plus its own lines, so whatever an untrusted commit added is
// dropped, and whatever it removed is restored.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseReceipts, formatReceipts, type Receipt } from "../core/receipts.js";
import { judgeNotesCommit, orderReceipts } from "../core/receipt-trust.js";
import type { CommitSignature } from "../core/provenance.js";
import type { EvidenceSettings } from "../core/types.js";
import { CatFile } from "./catfile.js";
import { Git, type GitRunOptions } from "./run.js";
import { gpgConfig, parseSignatureLog, signatureFormat, trustHome, type TrustHome } from "./signatures.js";
import type { ReceiptStore } from "./types.js";

export const NOTES_REF = "refs/notes/gitgrant";
/** How far back from the tip an untrusted run of notes commits is followed before giving up. */
export const TRUST_WALK_LIMIT = 50;

/** What decides whether a notes commit is gitgrant's: settings.evidence and the trust list. */
export interface ReceiptTrustSettings {
  evidence: EvidenceSettings | undefined;
  /** Armored public keys: access/trust/*.asc, plus any an auditor brings. */
  keys: Array<{ path: string; text: string }>;
}

/**
 * Thrown by record() when nothing could ever trust what it writes (no gitgrant identity is
 * configured): the receipts would be ignored by every reader, so they are not written, and
 * applyOwned reports that as a problem rather than failing the grants.
 */
export class ReceiptsNotTrustedError extends Error {
  /** True when the configuration trusts someone, only not this writer: worth saying on every run. */
  readonly writerOnly: boolean;
  constructor(why?: string) {
    super(why ?? "ownership receipts are not recorded: settings.evidence names no gitgrant identity (app_bot or sweep_identity), so no reader could trust them");
    this.name = "ReceiptsNotTrustedError";
    this.writerOnly = why !== undefined;
  }
}

export function trustConfigured(trust: ReceiptTrustSettings): boolean {
  return !!(trust.evidence?.app_bot || trust.evidence?.sweep_identity);
}

export interface GitNotesOptions extends GitRunOptions {
  dir: string;
  /** Read once per read/record (the trust list lives in the tree, which may change). */
  trust: () => Promise<ReceiptTrustSettings>;
  /** The remote to share notes through; default "origin" when the clone has one, null for none. */
  remote?: string | null;
  /** A gpg key id to sign notes commits with (the workflow's sweep identity); unsigned without. */
  signingKey?: string;
  gpgBinary?: string;
  /** Tries of a push that lost a race (default 8). */
  attempts?: number;
  /** Test seam: runs after the notes commit is built, before it is published. */
  beforePublish?: () => Promise<void>;
}

interface NoteEntry {
  /** The annotated commit. */
  object: string;
  /** Its path in the notes tree (flat or with git's fan-out). */
  path: string;
  blob: string;
}

/** The trusted state of the notes ref: its tip, the tree the receipts come from, and why. */
interface NotesState {
  tip: string | null;
  /** The commit whose tree holds the trusted receipts (null: none). */
  base: string | null;
  problems: string[];
  /** False when nothing can be trusted (no identity configured): receipts are ignored. */
  usable: boolean;
}

export class GitNotesReceiptStore implements ReceiptStore {
  private readonly git: Git;

  constructor(private readonly options: GitNotesOptions) {
    this.git = new Git(options.dir, options);
  }

  async read(): Promise<{ receipts: Receipt[]; problems: string[] }> {
    const remote = await this.remote();
    if (remote) await this.fetch(remote);
    const state = await this.state();
    if (!state.usable || !state.base) return { receipts: [], problems: state.problems };
    const { receipts, problems } = await this.receiptsAt(state.base);
    return { receipts: orderReceipts(receipts), problems: [...state.problems, ...problems] };
  }

  async record(commit: string, receipts: Receipt[]): Promise<void> {
    if (!receipts.length) return;
    const trust = await this.options.trust();
    if (!trustConfigured(trust)) throw new ReceiptsNotTrustedError();
    // A clone writes as settings.evidence.sweep_identity with a signature, or not at all: an
    // unsigned commit, or one by anybody else, is one every reader ignores (and the app's next
    // write drops), so writing it would only look like a record.
    const sweep = trust.evidence?.sweep_identity;
    if (!sweep || !this.options.signingKey) {
      throw new ReceiptsNotTrustedError(
        `ownership receipts are not recorded by this run: a clone's notes commits count only when committed as settings.evidence.sweep_identity and signed (GITGRANT_SIGNING_KEY), and ${!sweep ? "the policy names no sweep_identity" : "GITGRANT_SIGNING_KEY is not set"}; the app records them when it applies`,
      );
    }
    const remote = await this.remote();
    const attempts = this.options.attempts ?? 8;
    const identity = this.identity(trust);
    let lastWhy = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (remote) await this.fetch(remote);
      const state = await this.state();
      const next = await this.buildCommit(state, commit, receipts, identity);
      await this.options.beforePublish?.();
      // Compare-and-swap on the local ref: another writer in this clone makes us start over.
      const cas = await this.git.run(["update-ref", NOTES_REF, next, state.tip ?? "0".repeat(40)], { allowFailure: true });
      if (cas.exitCode !== 0) {
        lastWhy = cas.stderr.trim();
        continue;
      }
      if (!remote) return;
      const push = await this.git.run(["push", "--quiet", remote, `${NOTES_REF}:${NOTES_REF}`], { allowFailure: true });
      if (push.exitCode === 0) return;
      if (!/rejected|non-fast-forward|fetch first|stale info|failed to update ref|cannot lock ref/i.test(push.stderr)) {
        throw new Error(`git push ${remote} ${NOTES_REF} failed: ${push.stderr.trim()}`);
      }
      // Lost the race: the next try fetches the winner's notes and appends to them.
      lastWhy = push.stderr.trim();
    }
    throw new Error(`could not publish ${receipts.length} receipt(s) to ${NOTES_REF} after ${attempts} tries (other writers kept moving it): ${lastWhy}`);
  }

  /** A committer for notes commits where git has none (a fresh CI runner): the sweep identity. */
  /** Committed as the sweep identity whatever the runner's git identity is: only that counts. */
  private identity(trust: ReceiptTrustSettings): NodeJS.ProcessEnv {
    const email = trust.evidence!.sweep_identity!;
    return { GIT_COMMITTER_NAME: "gitgrant", GIT_COMMITTER_EMAIL: email, GIT_AUTHOR_NAME: "gitgrant", GIT_AUTHOR_EMAIL: email };
  }

  private async remote(): Promise<string | null> {
    if (this.options.remote !== undefined) return this.options.remote;
    const remotes = (await this.git.text(["remote"])).split("\n").map((s) => s.trim());
    return remotes.includes("origin") ? "origin" : null;
  }

  private async fetch(remote: string): Promise<void> {
    // "+": the remote is the record; a local tip it does not have is a commit whose push lost.
    const r = await this.git.run(["fetch", "--quiet", "--no-tags", remote, `+${NOTES_REF}:${NOTES_REF}`], { allowFailure: true });
    if (r.exitCode === 0) return;
    if (/couldn't find remote ref|could not find remote ref/i.test(r.stderr)) return; // no receipts yet
    throw new Error(`git fetch ${remote} ${NOTES_REF} failed: ${r.stderr.trim()}`);
  }

  private async state(): Promise<NotesState> {
    const tipRun = await this.git.run(["rev-parse", "--verify", "--quiet", `${NOTES_REF}^{commit}`], { allowFailure: true });
    const tip = tipRun.exitCode === 0 ? tipRun.stdout.toString("utf8").trim() : null;
    if (!tip) return { tip: null, base: null, problems: [], usable: true };
    const trust = await this.options.trust();
    if (!trustConfigured(trust)) {
      return {
        tip,
        base: tip,
        usable: false,
        problems: [
          `ownership receipts in ${NOTES_REF} are ignored: settings.evidence names no gitgrant identity (app_bot or sweep_identity) to check the notes commits against, and anyone with push access can write that ref`,
        ],
      };
    }
    const home = trust.keys.length ? await trustHome(trust.keys, { dir: this.options.dir, env: this.options.env, gpgBinary: this.options.gpgBinary }) : null;
    try {
      const fingerprints = home?.fingerprints ?? new Set<string>();
      const problems = [...(home?.problems ?? [])];
      // The tip alone first: it is gitgrant's own almost always, and gpg runs once per commit.
      for (const [skip, count] of [[0, 1], [1, TRUST_WALK_LIMIT - 1]] as const) {
        for (const sig of await this.signatures(tip, home, fingerprints.size > 0, skip, count)) {
          const verdict = judgeNotesCommit(sig, { evidence: trust.evidence, fingerprints });
          if (verdict.trusted) return { tip, base: sig.sha, problems, usable: true };
          problems.push(`notes commit ${sig.sha.slice(0, 7)} in ${NOTES_REF} is not gitgrant's (${verdict.why}): the receipts it wrote are ignored`);
        }
      }
      problems.push(`no notes commit gitgrant made within ${TRUST_WALK_LIMIT} of the tip of ${NOTES_REF}: every receipt is ignored`);
      return { tip, base: null, problems, usable: true };
    } finally {
      await home?.close();
    }
  }

  private async signatures(tip: string, home: TrustHome | null, verify: boolean, skip: number, count: number): Promise<Array<CommitSignature & { sha: string }>> {
    const git = new Git(this.options.dir, { ...this.options, env: { ...this.options.env, ...(home ? { GNUPGHOME: home.home } : {}) } });
    const out = await git.text([...gpgConfig(this.options.gpgBinary), "log", "--first-parent", `--skip=${skip}`, `-n${count}`, `--format=${signatureFormat(verify)}`, tip]);
    return parseSignatureLog(out, verify);
  }

  private async entries(commit: string): Promise<NoteEntry[]> {
    const out = await this.git.text(["ls-tree", "-r", "-z", commit]);
    return out
      .split("\0")
      .filter(Boolean)
      .flatMap((line) => {
        const [meta, path] = line.split("\t") as [string, string];
        const [, type, blob] = meta.split(" ");
        const object = path.replace(/\//g, "");
        return type === "blob" && /^[0-9a-f]{40}$/.test(object) ? [{ object, path, blob: blob! }] : [];
      });
  }

  private async receiptsAt(commit: string): Promise<{ receipts: Receipt[]; problems: string[] }> {
    const entries = await this.entries(commit);
    const cat = new CatFile({ dir: this.options.dir, gitBinary: this.options.gitBinary, env: this.options.env });
    try {
      const texts = await Promise.all(entries.map((e) => cat.read(e.blob)));
      const receipts: Receipt[] = [];
      const problems: string[] = [];
      entries.forEach((e, i) => {
        const parsed = parseReceipts(texts[i] ?? "", `note on ${e.object.slice(0, 7)}`);
        receipts.push(...parsed.receipts);
        problems.push(...parsed.problems);
      });
      return { receipts, problems };
    } finally {
      cat.close();
    }
  }

  /** A notes commit on the tip whose tree is the trusted tree plus `receipts` on `commit`'s note. */
  private async buildCommit(state: NotesState, commit: string, receipts: Receipt[], identity: NodeJS.ProcessEnv): Promise<string> {
    // Without a trust rule nothing is believed anyway; keep everything rather than drop it.
    const from = state.usable ? state.base : state.tip;
    const tmp = await mkdtemp(join(tmpdir(), "gitgrant-notes-"));
    try {
      const git = new Git(this.options.dir, { ...this.options, env: { ...this.options.env, ...identity, GIT_INDEX_FILE: join(tmp, "index") } });
      await git.run(from ? ["read-tree", from] : ["read-tree", "--empty"]);
      const existing = from ? (await this.entries(from)).find((e) => e.object === commit) : undefined;
      const before = existing ? ((await this.git.text(["cat-file", "blob", existing.blob])) ?? "") : "";
      const text = (before && !before.endsWith("\n") ? `${before}\n` : before) + formatReceipts(receipts);
      await writeFile(join(tmp, "note"), text, "utf8");
      const blob = (await git.text(["hash-object", "-w", join(tmp, "note")])).trim();
      await git.run(["update-index", "--add", "--cacheinfo", `100644,${blob},${existing?.path ?? commit}`]);
      const tree = (await git.text(["write-tree"])).trim();
      const gpg = this.options.gpgBinary ?? "gpg";
      const sign = this.options.signingKey ? [`-S${this.options.signingKey}`] : [];
      const message = `gitgrant: ${receipts.length} ownership receipt(s) for ${commit.slice(0, 7)}`;
      return (await git.text(["-c", `gpg.program=${gpg}`, "commit-tree", tree, ...(state.tip ? ["-p", state.tip] : []), ...sign, "-m", message])).trim();
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
}
