// `gitgrant request` and `gitgrant extend` for engineers: the request file judged locally by
// the same core the app uses, committed on a new branch (plumbing: the checkout, index and
// current branch are untouched), pushed, and opened as a pull request (with a token) or
// handed over as GitHub's compare URL.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REQUESTS_DIR } from "../core/config.js";
import { evaluateChange, type FileVerdict } from "../core/evaluate.js";
import { classifyPath, requestPath } from "../core/paths.js";
import { isoSeconds } from "../core/time.js";
import { parseYaml } from "../core/yaml.js";
import { loadConfigAt } from "../git/load.js";
import { LocalGitRepo } from "../git/local.js";
import { git, type GitOptions } from "../git/write.js";
import type { GitHubTarget } from "../github/octokit.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { requestText } from "./request-form.js";

export interface LocalRequestInput {
  dir: string;
  /** The default branch the request is made against. */
  branch: string;
  login: string;
  resource: string;
  duration: string;
  reason?: string;
  ticket?: string;
  startsAt?: Date;
  now: Date;
  /** "extend": the person's file must be on the branch already (and keeps its reason unless a new one is given). */
  mode: "request" | "extend";
  /** Remote to push to; null: commit only. */
  remote: string | null;
  /** Where to open the PR; null: print the compare URL. */
  github: GitHubTarget | null;
  dryRun?: boolean;
  git?: GitOptions;
}

export interface LocalRequestResult {
  path: string;
  text: string;
  verdict: FileVerdict;
  ok: boolean;
  /** The branch the commit is on (not made when the request is invalid or a dry run). */
  branch: string | null;
  commit: string | null;
  pushed: boolean;
  pr: { number: number; url: string } | null;
  compareUrl: string | null;
  /** What went wrong after the commit (a push refused), in words. */
  problems: string[];
}

export class RequestInputError extends Error {}

/** Reason and ticket of the person's file on the branch, for extend. */
function keptFields(text: string): { reason?: string; ticket?: string } {
  const parsed = parseYaml(text, { maxBytes: 64 * 1024, what: "request file" });
  const v = (parsed.value ?? {}) as Record<string, unknown>;
  return { ...(typeof v.reason === "string" ? { reason: v.reason } : {}), ...(typeof v.ticket === "string" ? { ticket: v.ticket } : {}) };
}

export async function localRequest(input: LocalRequestInput): Promise<LocalRequestResult> {
  const repo = new LocalGitRepo(input.dir, input.git);
  const base = await repo.resolve(input.branch);
  const config = await loadConfigAt(repo, base, PROVIDER_RULES);
  const path = requestPath(input.resource, input.login);
  if (classifyPath(path).kind !== "request") throw new RequestInputError(`"${input.resource}" is not a resource id or "${input.login}" is not a GitHub login`);
  const existing = await repo.readFile(base, path);
  let reason = input.reason;
  let ticket = input.ticket;
  if (input.mode === "extend") {
    if (existing === null) throw new RequestInputError(`${path} is not on ${input.branch}: there is nothing of yours to extend; use gitgrant request`);
    const kept = keptFields(existing);
    reason ??= kept.reason;
    ticket ??= kept.ticket;
  }
  if (!reason) throw new RequestInputError("--reason is required: say in a sentence why you need the access");
  const text = requestText({ duration: input.duration, reason, ...(ticket ? { ticket } : {}), breakGlass: false, ...(input.startsAt ? { startsAt: isoSeconds(input.startsAt) } : {}) });
  const onBase = await repo.listFiles(base, REQUESTS_DIR);
  const result = evaluateChange({ config, changes: [{ path, change: existing === null ? "added" : "modified", text }], author: input.login, now: input.now, baseRequestFiles: onBase });
  const verdict = result.files[0]!;
  const out: LocalRequestResult = { path, text, verdict, ok: result.ok, branch: null, commit: null, pushed: false, pr: null, compareUrl: null, problems: [] };
  if (!result.ok || input.dryRun) return out;

  const branch = `request/${input.resource}-${input.login.toLowerCase()}-${isoSeconds(input.now).replace(/[-:]/g, "").slice(0, 15).toLowerCase()}`;
  const verb = input.mode === "extend" ? "Extend" : "Request";
  const commit = await commitFile(input.dir, base, path, text, `${verb} ${input.resource} for ${input.login} (${input.duration})\n\n${reason.replace(/\s+/g, " ").trim()}\n`, input.git);
  await git(input.dir, ["update-ref", `refs/heads/${branch}`, commit, ""], input.git);
  Object.assign(out, { branch, commit });
  if (!input.remote) return out;
  const pushed = await git(input.dir, ["push", "--quiet", input.remote, `refs/heads/${branch}:refs/heads/${branch}`], { ...input.git, allowFailure: true });
  if (pushed.exitCode !== 0) {
    out.problems.push(`git push to ${input.remote} failed; push ${branch} yourself and open the pull request`);
    return out;
  }
  out.pushed = true;
  if (input.github) {
    const { octokit, owner, repo: name } = input.github;
    const { data } = await octokit.rest.pulls.create({ owner, repo: name, title: `${verb} ${input.resource} for ${input.login} (${input.duration})`, head: branch, base: input.branch, body: `${reason}\n\nOpened with \`gitgrant ${input.mode}\`.` });
    out.pr = { number: data.number, url: data.html_url };
  } else {
    out.compareUrl = await compareUrl(input.dir, input.remote, input.branch, branch, input.git);
  }
  return out;
}

/** A commit on `parent` with one file added or replaced, made through a private index. */
export async function commitFile(dir: string, parent: string, path: string, text: string, message: string, options: GitOptions = {}): Promise<string> {
  const tmp = await mkdtemp(join(tmpdir(), "gitgrant-request-"));
  const env: NodeJS.ProcessEnv = { ...options.env, GIT_INDEX_FILE: join(tmp, "index") };
  try {
    await writeFile(join(tmp, "file"), text, "utf8");
    const blob = (await git(dir, ["hash-object", "-w", "--", join(tmp, "file")], { env })).stdout.trim();
    await git(dir, ["read-tree", parent], { env });
    await git(dir, ["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`], { env });
    const tree = (await git(dir, ["write-tree"], { env })).stdout.trim();
    return (await git(dir, ["commit-tree", tree, "-p", parent, "-m", message], { env })).stdout.trim();
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** https://github.com/<owner>/<repo>/compare/<base>...<branch>?expand=1 from the remote's URL; null when it is not GitHub. */
export async function compareUrl(dir: string, remote: string, baseBranch: string, branch: string, options: GitOptions = {}): Promise<string | null> {
  const url = (await git(dir, ["remote", "get-url", remote], { ...options, allowFailure: true })).stdout.trim();
  const m = /github\.com[:/]([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(url);
  return m ? `https://github.com/${m[1]}/${m[2]}/compare/${encodeURIComponent(baseBranch)}...${encodeURIComponent(branch)}?expand=1` : null;
}
