// The write side of the repository seam over a local clone. A change is a branch: a revoke
// is one commit on top of the judged commit, made with plumbing so the user's checkout,
// index and current branch are untouched. What only a pull request has (labels, a
// conversation, a closed state, an age under review) is a no-op whose outcome says so:
// nothing in a clone waits for a review, so no approval there can go stale, and deleting a
// branch could lose the only copy of someone's work.
import { LocalGitRepo } from "./local.js";
import type { ChangeFile, ChangeRef, ChangeWriter, DriftIssueResult, OpenChange, Repository, RevokeChange, RevokeChangeResult, WriteOutcome } from "./types.js";
import { branchCommit, changesSince, commitRemoval, isAncestor, pathExists, setBranch, type GitOptions } from "./write.js";

export interface LocalChangesOptions extends GitOptions {
  /** Date of revoke commits (a sweep "as at" another time dates them then); default git's clock. */
  commitDate?: Date;
}

export class LocalChanges implements ChangeWriter {
  readonly kind = "local" as const;

  constructor(
    readonly dir: string,
    private readonly options: LocalChangesOptions = {},
  ) {}

  async ensureRevoke(change: RevokeChange): Promise<RevokeChangeResult> {
    const tip = await branchCommit(this.dir, change.branch, this.options);
    if (tip && change.refresh === "if-stale" && (await this.alreadyRemoves(tip, change))) {
      return { status: "exists", commit: tip, detail: `branch ${change.branch} already removes it (not merged yet)` };
    }
    const many = change.files.length > 1;
    if (change.dryRun) return { status: "planned", detail: `would commit the removal${many ? ` of ${change.files.length} files` : ""} on ${change.branch}` };
    const commit = await commitRemoval(
      this.dir,
      { parent: change.baseSha, remove: change.files.map((f) => f.path), message: change.message, date: this.options.commitDate },
      this.options,
    );
    await setBranch(this.dir, change.branch, commit, this.options);
    return { status: "committed", commit, detail: `${tip ? "rewrote" : "created"} ${change.branch} at ${commit.slice(0, 7)}${many ? ` (removes ${change.files.length} files)` : ""}: merge it to revoke` };
  }

  /**
   * The branch removes this very version of every file: each landing is in its history and
   * each file is gone at its tip. For the sweep (verifyOwn), also nothing else: a branch
   * anyone can push to that deletes more, or restores one, is not gitgrant's revoke.
   */
  private async alreadyRemoves(tip: string, change: RevokeChange): Promise<boolean> {
    for (const f of change.files) {
      if (!f.landed || (await pathExists(this.dir, tip, f.path, this.options))) return false;
      if (!(await isAncestor(this.dir, f.landed.sha, tip, this.options))) return false;
    }
    if (change.verifyOwn) {
      const changes = await changesSince(this.dir, change.baseSha, tip, this.options);
      const want = new Set(change.files.map((f) => f.path));
      if (changes.length !== want.size || !changes.every((c) => c.status === "D" && want.has(c.path))) return false;
    }
    return true;
  }

  /** None: a clone has no pull requests, so nothing in it is waiting for a review. */
  async openChanges(): Promise<OpenChange[]> {
    return [];
  }

  async changeFiles(_change: OpenChange): Promise<ChangeFile[]> {
    return [];
  }

  async close(change: ChangeRef, _comment: string): Promise<WriteOutcome> {
    return { done: false, detail: `${change.branch} is a local branch, not a pull request: left as it is (delete it with git branch -D if it is no longer wanted)` };
  }

  async label(change: ChangeRef, labels: string[]): Promise<WriteOutcome> {
    return { done: false, detail: `${change.branch} is a local branch: it carries no labels (${labels.join(", ")} not added)` };
  }

  async comment(change: ChangeRef, _body: string): Promise<WriteOutcome> {
    return { done: false, detail: `${change.branch} is a local branch: it has no conversation to comment on` };
  }

  async reportDrift(_title: string, _body: string): Promise<DriftIssueResult | null> {
    return null;
  }
}

/** Reads and writes in one local clone (the CLI without a token, the demo, the tests). */
export function localRepository(dir: string, options: LocalChangesOptions = {}): Repository {
  return { read: new LocalGitRepo(dir, { env: options.env }), write: new LocalChanges(dir, options) };
}
