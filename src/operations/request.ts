// A request issue becomes a request pull request. The app is the pull request's author on
// GitHub, so who asks is carried in what only the app can write and is checked again when
// the pull request is judged (see issueRequester): never read from the form's text.
//
// The branch gitgrant/request/issue-<N> holds exactly one commit, made by the app through
// the git data API on the default branch's tip (GitHub signs such a commit and names the
// app's bot its author and committer), adding access/requests/<resource>/<issue author>.yaml
// with the form's values and the trailers "Gitgrant-issue: <N>" and "Requested-by: <login>".
// Every edit of the issue by its author rewrites that one commit.
import { CODEOWNERS_LOCATIONS } from "../core/codeowners.js";
import { CONFIG_FILES, loadConfig, type AccessConfig } from "../core/config.js";
import { classifyPath, requestPath } from "../core/paths.js";
import { checkRequest } from "../core/request.js";
import { formatTrailers, parseTrailers } from "../core/trailers.js";
import { statusOf } from "../github/errors.js";
import { BLOB_FRAGMENT, blobText, type GqlBlob } from "../github/graphql.js";
import { TEXT_LIMIT, clip } from "../github/limits.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { parseRequestForm, requestText, type FormValues } from "./request-form.js";

export const REQUEST_BRANCH_PREFIX = "gitgrant/request/issue-";
export const ISSUE_TRAILER = "Gitgrant-issue";
export const REQUESTER_TRAILER = "Requested-by";

export function requestBranch(issue: number): string {
  return `${REQUEST_BRANCH_PREFIX}${issue}`;
}

/** The issue number a request branch names, or null for any other branch. */
export function issueOfBranch(ref: string): number | null {
  const m = /^gitgrant\/request\/issue-([1-9][0-9]{0,9})$/.exec(ref);
  return m ? Number(m[1]) : null;
}

/** The line the request file starts with: where it came from, for a reader of the tree. */
export function originLine(issue: number, login: string): string {
  return `Requested by @${login} in issue #${issue} (gitgrant's request form).`;
}

/** The file an issue stands for: its author's, with the form's values. */
export function requestFromForm(issue: number, login: string, values: FormValues): { path: string; text: string } {
  return { path: requestPath(values.resource, login), text: requestText(values, originLine(issue, login)) };
}

export function commitMessage(issue: number, login: string, path: string): string {
  return `Request ${path}\n\nOpened by gitgrant from issue #${issue}.\n\n${formatTrailers([
    { key: ISSUE_TRAILER, value: String(issue) },
    { key: REQUESTER_TRAILER, value: login },
  ])}\n`;
}

/** The default branch's tip and the rules there, in one GraphQL call. */
export interface BaseRules {
  branch: string;
  sha: string;
  tree: string;
  config: AccessConfig;
}

const CONFIG_PATHS = [CONFIG_FILES.catalog, CONFIG_FILES.policy, CONFIG_FILES.identities, ...CODEOWNERS_LOCATIONS];

const BASE_QUERY = `query gitgrantRequestBase($owner: String!, $repo: String!, ${CONFIG_PATHS.map((_, i) => `$c${i}: String!`).join(", ")}) {
  repository(owner: $owner, name: $repo) {
    defaultBranchRef { name target { oid ... on Commit { tree { oid } } } }
    ${CONFIG_PATHS.map((_, i) => `c${i}: object(expression: $c${i}) { ...gitgrantBlob }`).join("\n    ")}
  }
}
${BLOB_FRAGMENT}`;

interface BaseAnswer {
  repository: { defaultBranchRef: { name: string; target: { oid: string; tree?: { oid: string } } | null } | null } & Record<string, GqlBlob | null>;
}

export async function loadBaseRules(api: GitHub, where: RepoRef, defaultBranch: string): Promise<BaseRules> {
  const variables: Record<string, unknown> = { owner: where.owner, repo: where.repo };
  // The expression names the branch; the answer says which commit it was at.
  CONFIG_PATHS.forEach((p, i) => (variables[`c${i}`] = `refs/heads/${defaultBranch}:${p}`));
  const data = await api.graphql<BaseAnswer>(BASE_QUERY, variables);
  const ref = data.repository.defaultBranchRef;
  if (!ref?.target?.tree) throw new Error(`${where.owner}/${where.repo} has no default branch to request access on`);
  const texts = CONFIG_PATHS.map((_, i) => blobText(data.repository[`c${i}`]) ?? null);
  const [catalog, policy, identities, ...owners] = texts;
  const codeowners: Record<string, string | null> = {};
  CODEOWNERS_LOCATIONS.forEach((p, i) => (codeowners[p] = owners[i] ?? null));
  const config = loadConfig({ catalog: catalog ?? null, policy: policy ?? null, identities: identities ?? null, codeowners }, PROVIDER_RULES);
  return { branch: ref.name, sha: ref.target.oid, tree: ref.target.tree.oid, config };
}

export interface IssueFacts {
  number: number;
  author: string;
  body: string | null;
  title: string;
  url: string;
}

export type IssueRequest =
  | { kind: "not-a-form" }
  | { kind: "invalid"; problems: string[] }
  | { kind: "ok"; path: string; text: string; values: FormValues };

/** What an issue asks for, judged against the rules on the default branch now (before any PR). */
export function readIssueRequest(issue: IssueFacts, rules: BaseRules, now: Date): IssueRequest {
  const form = parseRequestForm(issue.body);
  if (form.kind !== "ok") return form;
  const file = requestFromForm(issue.number, issue.author, form.values);
  const where = classifyPath(file.path);
  if (where.kind !== "request") return { kind: "invalid", problems: [where.kind === "bad-request-path" ? where.message : `${file.path} is not a request file`] };
  const checked = checkRequest(rules.config, where.parsed, file.text, now);
  // The file's line numbers mean nothing to someone who filled in a form: the words do.
  if (checked.errors.length) return { kind: "invalid", problems: checked.errors.map((e) => e.message) };
  return { kind: "ok", ...file, values: form.values };
}

export interface RequestPr {
  number: number;
  url: string;
  headSha: string;
  baseSha: string;
  baseRef: string;
  status: "opened" | "updated" | "unchanged";
}

interface PullSummary {
  number: number;
  html_url: string;
  head: { sha: string };
}

/**
 * Opens the request PR for an issue, or rewrites its one commit when the issue changed.
 * Idempotent: a redelivery finds the PR and a branch whose file already says the same thing.
 */
export async function ensureRequestPr(api: GitHub, where: RepoRef, issue: IssueFacts, rules: BaseRules, file: { path: string; text: string }): Promise<RequestPr> {
  const branch = requestBranch(issue.number);
  const { data: open } = await api.rest.pulls.list({ ...where, head: `${where.owner}:${branch}`, state: "open", per_page: 10 });
  const existing = (open as PullSummary[])[0];
  if (existing) {
    const current = await fileAt(api, where, existing.head.sha, file.path);
    if (current === file.text) return { number: existing.number, url: existing.html_url, headSha: existing.head.sha, baseSha: rules.sha, baseRef: rules.branch, status: "unchanged" };
  }
  const sha = await writeRequestCommit(api, where, issue, rules, file);
  await pointBranch(api, where, branch, sha);
  if (existing) return { number: existing.number, url: existing.html_url, headSha: sha, baseSha: rules.sha, baseRef: rules.branch, status: "updated" };
  const { data: pr } = await api.rest.pulls.create({
    ...where,
    title: `${file.path.split("/")[2]} for ${issue.author} (from #${issue.number})`,
    head: branch,
    base: rules.branch,
    body: clip(prBody(issue), TEXT_LIMIT),
  });
  return { number: pr.number, url: pr.html_url, headSha: sha, baseSha: rules.sha, baseRef: rules.branch, status: "opened" };
}

export function prBody(issue: IssueFacts): string {
  return [
    `Opened by gitgrant from issue #${issue.number} by @${issue.author}: it is judged as @${issue.author}'s own request.`,
    "",
    `Edit the issue to change the request; this pull request follows it. Closing the issue without a merge leaves this open for a code owner to close.`,
  ].join("\n");
}

async function fileAt(api: GitHub, where: RepoRef, sha: string, path: string): Promise<string | null> {
  try {
    const { data } = await api.rest.repos.getContent({ ...where, path, ref: sha });
    const item = data as { type?: string; content?: string; encoding?: string };
    return item.type === "file" && item.encoding === "base64" && item.content ? Buffer.from(item.content, "base64").toString("utf8") : null;
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw err;
  }
}

/** One commit on the base's tip adding (or replacing) the file; no author given, so GitHub signs it as the app. */
async function writeRequestCommit(api: GitHub, where: RepoRef, issue: IssueFacts, rules: BaseRules, file: { path: string; text: string }): Promise<string> {
  const { data: tree } = await api.rest.git.createTree({ ...where, base_tree: rules.tree, tree: [{ path: file.path, mode: "100644", type: "blob", content: file.text }] });
  const { data: commit } = await api.rest.git.createCommit({ ...where, message: commitMessage(issue.number, issue.author, file.path), tree: tree.sha, parents: [rules.sha] });
  return commit.sha;
}

async function pointBranch(api: GitHub, where: RepoRef, branch: string, sha: string): Promise<void> {
  try {
    await api.rest.git.createRef({ ...where, ref: `refs/heads/${branch}`, sha });
  } catch (err) {
    if (statusOf(err) !== 422) throw err; // "Reference already exists": the branch of an earlier version
    await api.rest.git.updateRef({ ...where, ref: `heads/${branch}`, sha, force: true });
  }
}

// ---- Judging: whose request is the app's pull request? ----

export interface RequestPrFacts {
  headRef: string;
  headSha: string;
  fromFork: boolean;
  author: string;
  authorIsBot: boolean;
  commitCount: number;
  /** Request files the PR adds or changes, with their text at head. */
  files: Array<{ path: string; text: string | null; change: string }>;
}

export type Requester = { login: string; issue: number; reasons: string[] } | { login: null; issue: number | null; reasons: string[] };

const BOT_EMAIL = (bot: string) => new RegExp(`^(\\d+\\+)?${bot.replace(/[[\]]/g, "\\$&")}@users\\.noreply\\.github\\.com$`, "i");

/**
 * The issue author a request PR is judged for, or null (judged as its own author, the app's
 * bot: never self-service) with the reason. It must be this app's PR from its own branch
 * gitgrant/request/issue-<N>, with one commit the app made (GitHub-verified, authored and
 * committed by the app's bot, its trailer naming issue N and its author), and must hold
 * exactly the file issue N's current text stands for. A push by anyone else, a PR another
 * bot opened, or an issue edited by someone else fails one of these: fail closed.
 */
export async function issueRequester(api: GitHub, where: RepoRef, pr: RequestPrFacts, appBot: string | null): Promise<Requester> {
  const issue = issueOfBranch(pr.headRef);
  const not = (why: string): Requester => ({ login: null, issue, reasons: [`not judged as a request from issue${issue ? ` #${issue}` : ""}: ${why}`] });
  if (issue === null || pr.fromFork) return { login: null, issue: null, reasons: [] };
  if (!appBot) return not("the app could not tell its own bot's login");
  if (!pr.authorIsBot || pr.author.toLowerCase() !== appBot.toLowerCase()) return not(`it was opened by ${pr.author}, not by gitgrant (${appBot})`);
  if (pr.commitCount !== 1) return not(`it has ${pr.commitCount} commits; gitgrant writes exactly one, so someone else pushed to it`);
  const [{ data: commit }, { data: found }] = await Promise.all([
    api.rest.git.getCommit({ ...where, commit_sha: pr.headSha }),
    api.rest.issues.get({ ...where, issue_number: issue }),
  ]);
  const email = BOT_EMAIL(appBot);
  if (!commit.verification?.verified || !email.test(commit.author.email) || !email.test(commit.committer.email)) {
    return not(`its commit ${pr.headSha.slice(0, 7)} was not made by gitgrant (author ${commit.author.name}, ${commit.verification?.verified ? "verified" : `signature ${commit.verification?.reason ?? "unknown"}`})`);
  }
  const trailers = parseTrailers(commit.message);
  const said = trailers.find((t) => t.key === ISSUE_TRAILER)?.value;
  const login = found.user?.login;
  if (said !== String(issue)) return not(`its commit names issue ${said ?? "none"}, not #${issue}`);
  if (found.pull_request || !login) return not(`#${issue} is not an issue with an author`);
  if (trailers.find((t) => t.key === REQUESTER_TRAILER)?.value.toLowerCase() !== login.toLowerCase()) return not(`its commit names another requester than #${issue}'s author @${login}`);
  const form = parseRequestForm(found.body);
  if (form.kind !== "ok") return not(`issue #${issue} no longer holds a readable request`);
  const want = requestFromForm(issue, login, form.values);
  const changed = pr.files.filter((f) => f.change !== "deleted" || f.path !== want.path);
  if (changed.length !== 1 || changed[0]!.path !== want.path || changed[0]!.text !== want.text) {
    return not(`it does not hold exactly ${want.path} as issue #${issue} says it`);
  }
  return { login, issue, reasons: [`judged as @${login}'s own request: gitgrant opened it from their issue #${issue}`] };
}
