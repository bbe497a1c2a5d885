// The write side of the repository seam over the GitHub API: a change is a pull request.
// Revokes open (or find, or refresh) one PR per branch and label it; stale requests are
// closed with a comment saying why; unmanaged access goes to one drift issue.
import { REVOKE_LABEL } from "../core/revoke-texts.js";
import type { AccessRepo, ChangeFile, ChangeRef, ChangeWriter, DriftIssueResult, OpenChange, Repository, RevokeChange, RevokeChangeResult, WriteOutcome } from "../git/types.js";
import type { GitHubTarget } from "./octokit.js";
import { reportDriftIssue } from "./drift-issue.js";
import { ensureRevokePr, findOpenPr } from "./revoke-pr.js";

/** The fields of GitHub's pull request listing that gitgrant reads. */
interface PullListing {
  number: number;
  title: string;
  html_url: string;
  created_at: string;
  draft?: boolean;
  user?: { login: string } | null;
  head: { ref: string; repo: { full_name: string } | null };
}

export interface GitHubChangesOptions {
  /**
   * Logins whose revoke PRs are gitgrant's own (the sweep's token identity, e.g.
   * github-actions[bot] or the app's bot; GITGRANT_SWEEP_LOGINS). Without any, the token's
   * own login is asked of GitHub (GET /user) once.
   */
  ownLogins?: string[];
}

export class GitHubChanges implements ChangeWriter {
  readonly kind = "github" as const;
  private self: Promise<string> | undefined;

  constructor(
    private readonly gh: GitHubTarget,
    private readonly options: GitHubChangesOptions = {},
  ) {}

  /** Whether a login is the identity gitgrant writes with here. */
  private isOwn = async (login: string): Promise<boolean> => {
    const known = (this.options.ownLogins ?? []).map((l) => l.toLowerCase());
    if (known.length) return known.includes(login.toLowerCase());
    this.self ??= this.gh.octokit.request("GET /user").then(
      (r) => String((r.data as { login?: string }).login ?? "").toLowerCase(),
      (err: Error) => {
        this.self = undefined;
        throw new Error(`cannot tell gitgrant's own revoke PRs from others (GET /user: ${err.message}); set GITGRANT_SWEEP_LOGINS to the login the sweep opens them as (e.g. github-actions[bot])`);
      },
    );
    return (await this.self) === login.toLowerCase();
  };

  async ensureRevoke(change: RevokeChange): Promise<RevokeChangeResult> {
    const result = await ensureRevokePr(this.gh, change, this.isOwn);
    if (result.status === "opened") await this.label({ branch: change.branch, number: result.number }, [REVOKE_LABEL]);
    return result;
  }

  async branchTip(branch: string): Promise<string> {
    const { gh } = this;
    const { data } = await gh.octokit.request("GET /repos/{owner}/{repo}/git/ref/{ref}", { owner: gh.owner, repo: gh.repo, ref: `heads/${branch}` });
    return (data as { object: { sha: string } }).object.sha;
  }

  async openChanges(): Promise<OpenChange[]> {
    const { gh } = this;
    const pulls = (await gh.octokit.paginate("GET /repos/{owner}/{repo}/pulls", { owner: gh.owner, repo: gh.repo, state: "open", per_page: 100 })) as PullListing[];
    const fullName = `${gh.owner}/${gh.repo}`.toLowerCase();
    return pulls.map((pr) => ({
      number: pr.number,
      url: pr.html_url,
      title: pr.title,
      branch: pr.head.ref,
      createdAt: new Date(pr.created_at),
      draft: pr.draft ?? false,
      fromThisRepo: pr.head.repo?.full_name.toLowerCase() === fullName,
      ...(pr.user?.login ? { author: pr.user.login } : {}),
    }));
  }

  async changeFiles(change: OpenChange): Promise<ChangeFile[]> {
    const { gh } = this;
    const files = (await gh.octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: gh.owner,
      repo: gh.repo,
      pull_number: change.number,
      per_page: 100,
    })) as Array<{ filename: string; status?: string }>;
    return files.map((f) => ({ path: f.filename, ...(f.status ? { status: f.status } : {}) }));
  }

  async close(change: ChangeRef, comment: string): Promise<WriteOutcome> {
    const number = await this.numberOf(change);
    // The comment first: if closing fails, the PR still says why it is about to be closed.
    await this.comment({ ...change, number }, comment);
    await this.gh.octokit.request("PATCH /repos/{owner}/{repo}/pulls/{pull_number}", { owner: this.gh.owner, repo: this.gh.repo, pull_number: number, state: "closed" });
    return { done: true, detail: `closed #${number}` };
  }

  async label(change: ChangeRef, labels: string[]): Promise<WriteOutcome> {
    const number = await this.numberOf(change);
    // Adding a label that does not exist yet creates it.
    await this.gh.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", { owner: this.gh.owner, repo: this.gh.repo, issue_number: number, labels });
    return { done: true, detail: `labelled #${number} ${labels.join(", ")}` };
  }

  async comment(change: ChangeRef, body: string): Promise<WriteOutcome> {
    const number = await this.numberOf(change);
    await this.gh.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: this.gh.owner, repo: this.gh.repo, issue_number: number, body });
    return { done: true, detail: `commented on #${number}` };
  }

  reportDrift(title: string, body: string, options: { dryRun?: boolean } = {}): Promise<DriftIssueResult> {
    return reportDriftIssue(this.gh, title, body, options);
  }

  /** The PR of a change: its own number, else the open PR from its branch. */
  private async numberOf(change: ChangeRef): Promise<number> {
    if (change.number !== undefined) return change.number;
    const open = await findOpenPr(this.gh, change.branch);
    if (!open) throw new Error(`no open pull request from ${change.branch} in ${this.gh.owner}/${this.gh.repo}`);
    return open.number;
  }
}

/**
 * Changes go to GitHub; reads come from `read`: a clone with full history where the
 * history matters (the sweep and reconcile in Actions), or a GitHubRepo.
 */
export function githubRepository(gh: GitHubTarget, read: AccessRepo, options: GitHubChangesOptions = {}): Repository {
  return { read, write: new GitHubChanges(gh, options) };
}
