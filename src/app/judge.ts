// Judge one pull request at one head SHA: gather what the core needs with as few calls as
// possible, then evaluate exactly as `gitgrant check` does. Reads only; publishing is
// publish.ts. Every step after the first runs only when the verdict so far needs it.
import type { AccessConfig } from "../core/config.js";
import { REQUESTS_DIR, loadConfig } from "../core/config.js";
import { evaluateChange, type ChangedFile, type CheckResult, type EvaluateInput } from "../core/evaluate.js";
import { REVOKE_BRANCH_PREFIXES } from "../core/revoke-texts.js";
import { loadConfigAt, readChanges } from "../git/load.js";
import { PROVIDER_RULES } from "../providers/index.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { addedText, listPullFiles, toChanges, tooManyFiles } from "./files.js";
import { DeliveryRepo } from "./repo.js";
import { gatherSignals, sourcesFor } from "../signals/gather.js";
import { GraphqlBatch } from "../signals/github.js";
import { planSignals, requestRefs } from "../signals/plan.js";
import { reviewRequest, type ReviewRequest } from "./review-requests.js";
import { approvalInput, loadReviewFacts, reviewerTeams, type ReviewFacts } from "./reviews.js";
import { loadSnapshot, type ExistingCheckRun, type PullRequestInfo } from "./snapshot.js";
import { PR_COMMITS_LIMIT } from "../github/limits.js";
import { issueOfBranch, issueRequester } from "../operations/request.js";

export interface Target {
  number: number;
  /** The payload's base SHA; replaced by the base branch's current tip when `baseRef` is known. */
  baseSha: string;
  /** The base branch's name: the rules are read at its tip now (DESIGN: always the base). */
  baseRef?: string;
  /** The head SHA this delivery judges; the merge is pinned to it. */
  headSha: string;
  /** From the payload when it says, so a huge PR is refused before listing 3,000 files. */
  changedFiles?: number;
}

export interface JudgeEnv {
  api: GitHub;
  where: RepoRef;
  /** The organisation owning the repository, or null for a personal account. */
  org: string | null;
  now: Date;
  appId?: number;
  /** Where signal sources find their tokens (PAGERDUTY_TOKEN, ...); the process environment in the app. */
  environment?: Record<string, string | undefined>;
  /**
   * Whether a login's revoke-branch PRs are gitgrant's own: this app's bot or the sweep's
   * configured identity. Absent, no PR is gitgrant's own revoke (fail closed).
   */
  revokeAuthor?: RevokeAuthor;
  /** This app's bot login ("<slug>[bot]"): a request PR it opened from an issue is judged as the issue author's. */
  appBot?: () => Promise<string>;
}

export interface Judgement {
  target: Target;
  pr: PullRequestInfo;
  checkRun: ExistingCheckRun | null;
  config: AccessConfig;
  result: CheckResult;
  /** Exactly what the core was given, so the check run can print the CLI line that reproduces it. */
  input: EvaluateInput | null;
  changes: ChangedFile[];
  revokePr: boolean;
  /** Whom the change is judged for: the PR's author, or the author of the issue gitgrant opened it from. */
  requester: { login: string; issue: number | null };
  facts: ReviewFacts | null;
  reviewRequest: ReviewRequest | null;
  /** Why gitgrant will not merge this PR whatever its files say (a base that is not the default branch). */
  hold: string | null;
}

/**
 * gitgrant's own revoke PR: a branch in this repository under a revoke prefix, opened by this
 * app's bot or the sweep's configured identity. Any other author, another bot included, is an
 * ordinary author. Only deletions are made self-service by it; anything it adds is judged
 * like any request.
 */
export async function isRevokePr(pr: PullRequestInfo, revokeAuthor: RevokeAuthor | undefined): Promise<boolean> {
  if (pr.fromFork || !REVOKE_BRANCH_PREFIXES.some((p) => pr.headRef.startsWith(p)) || !revokeAuthor) return false;
  return revokeAuthor(pr.author, pr.authorIsBot);
}

export type RevokeAuthor = (login: string, isBot: boolean) => Promise<boolean>;

/** Null when gitgrant may merge into this base; otherwise why not. */
export function baseHold(pr: PullRequestInfo): string | null {
  if (pr.defaultBranch === null) return "Not merged by gitgrant: the repository's default branch could not be read";
  if (pr.baseRef !== pr.defaultBranch) return `Not merged by gitgrant: the base branch is ${pr.baseRef}, not the default branch ${pr.defaultBranch}; only merges there grant access`;
  return null;
}

/** Stands in for the rules of a PR refused unread (too many files): no tier is known, so no tier label is touched. */
const UNREAD_CONFIG: AccessConfig = loadConfig({ catalog: null, policy: null, identities: null, codeowners: {} }, PROVIDER_RULES);

export async function judge(env: JudgeEnv, asked: Target): Promise<Judgement> {
  const { api, where } = env;
  let target = asked;
  const repo = new DeliveryRepo(api, where);
  const early = target.changedFiles !== undefined ? tooManyFiles(target.changedFiles) : null;
  // Round trip 1, in parallel: the PR and the rules (GraphQL), and its files (REST).
  const [snap, files] = await Promise.all([
    loadSnapshot(api, repo, target.number, { sha: target.baseSha, ref: target.baseRef }, target.headSha, env.appId),
    early ? Promise.resolve([]) : listPullFiles(api, where, target.number),
  ]);
  const { pr } = snap;
  // From here on, "the base" is the commit the rules were actually read at.
  target = { ...target, baseSha: snap.baseSha };
  // Counted before anything is parsed: a refused PR costs no parse of a large catalog.
  const refusal = early ?? tooManyFiles(Math.max(pr.changedFiles, files.length));
  const config = refusal ? UNREAD_CONFIG : await loadConfigAt(repo, target.baseSha, PROVIDER_RULES);
  const base = { target, pr, checkRun: snap.checkRun, config, revokePr: await isRevokePr(pr, env.revokeAuthor), requester: { login: pr.author, issue: null as number | null }, facts: null, reviewRequest: null, hold: baseHold(pr) };
  if (refusal) return { ...base, input: null, changes: [], result: { ok: false, auto_merge: false, approved: false, reasons: [refusal], files: [] } };

  // The listing has no modes: a symlink's "patch" is its target's path. The head tree's modes say what each entry is.
  const fileChanges = toChanges(files).map((c) => {
    const mode = c.change === "deleted" ? undefined : snap.headModes.get(c.path);
    return mode === undefined ? c : { ...c, mode };
  });
  for (const f of files) {
    const text = f.filename.startsWith(`${REQUESTS_DIR}/`) ? addedText(f) : null;
    if (text !== null) repo.seed(target.headSha, f.filename, text);
  }
  // Round trip 2, only for texts no patch gave whole (edits, large or binary files).
  await repo.prefetch(
    target.headSha,
    fileChanges.filter((c) => c.change !== "deleted" && c.path.startsWith(`${REQUESTS_DIR}/`)).map((c) => c.path),
  );
  const changes = await readChanges(repo, target.headSha, fileChanges);

  const notes: string[] = [];
  // A request PR gitgrant opened from an issue is judged as the issue author's, once proven.
  if (issueOfBranch(pr.headRef) !== null) {
    const bot = env.appBot ? await env.appBot().catch(() => null) : null;
    const who = await issueRequester(api, where, { ...pr, headSha: target.headSha, files: changes }, bot);
    if (who.login) base.requester = { login: who.login, issue: who.issue };
    notes.push(...who.reasons);
  }
  // One file per person and resource is judged against the base's request files: from the
  // snapshot, or listed separately when GitHub's answer did not give them.
  const baseRequestFiles = snap.baseRequestFiles ?? (changes.some((c) => c.path.startsWith(`${REQUESTS_DIR}/`)) ? await repo.listFiles(target.baseSha, REQUESTS_DIR) : []);
  const input: EvaluateInput = { config, changes, author: base.requester.login, now: env.now, revokePr: base.revokePr, baseRequestFiles };
  let result = evaluateChange(input);

  // Only what a deciding condition reads is fetched (a self-service request costs no call),
  // once per delivery, every source at once.
  const plan = planSignals(config, result, base.requester.login, requestRefs(changes));
  if (sourcesFor(plan, undefined, config).length) {
    const github = { api, where, org: env.org, baseSha: target.baseSha, listFiles: (ref: string, folder: string) => repo.listFiles(ref, folder), batch: new GraphqlBatch(api) };
    const e = await gatherSignals(plan, { config, now: env.now }, { github, env: env.environment ?? {} });
    input.signals = e.signals;
    if (e.baseRequestFiles) input.baseRequestFiles = e.baseRequestFiles;
    notes.push(...e.notes);
    result = evaluateChange(input);
  }

  let facts: ReviewFacts | null = null;
  let request: ReviewRequest | null = null;
  // Reviews matter only to a change that could be merged: an invalid one is fixed first, and
  // nobody is asked to review it yet.
  if (result.ok && result.files.some((f) => f.approvals_required > 0)) {
    facts = await loadReviewFacts(api, where, target.number, pr.author);
    notes.push(...facts.notes);
    // GitHub lists at most PR_COMMITS_LIMIT commits, and an unlinked commit identity is
    // nobody gitgrant can exclude: either way who pushed is not fully known, so no approval counts.
    const unknown = pr.commitCount > PR_COMMITS_LIMIT
      ? `this pull request has ${pr.commitCount} commits and GitHub lists only ${PR_COMMITS_LIMIT}, so gitgrant cannot know everyone who pushed to it; no approval counts (squash it into fewer commits)`
      : facts.unlinked.length
        ? `commit ${facts.unlinked[0]} carries an email no GitHub account is linked to, so gitgrant cannot tell whether its author approved; no approval counts until it is re-authored by a linked account`
        : null;
    if (unknown) notes.push(unknown);
    const countable = unknown ? { ...facts, reviews: facts.reviews.filter((r) => r.state !== "APPROVED") } : facts;
    const teamsOf = await reviewerTeams(api, countable, target.headSha, result.files, notes);
    input.approvals = approvalInput(countable, target.headSha, teamsOf);
    result = evaluateChange(input);
    request = reviewRequest(result, facts, env.org ?? where.owner);
  }
  if (notes.length) result.reasons.push(...notes.map((n) => `Note: ${n.replace(/\.$/, "")}.`));
  return { ...base, input, changes, result, facts, reviewRequest: request };
}
