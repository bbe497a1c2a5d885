// gitgrant doctor: an installed access repository checked against "Set up your
// organisation", read-only, through the REST API. Each finding says what is wrong and why
// it matters; a setting the token may not read is "unknown", never assumed fine.
import { statusOf } from "../github/errors.js";
import type { GitHub as GitHubApi } from "../github/octokit.js";

export const REQUIRED_CHECK = "gitgrant";
export const ENVIRONMENT = "gitgrant";

export type FindingState = "ok" | "missing" | "warning" | "unknown";

export interface Finding {
  check: string;
  state: FindingState;
  detail: string;
}

export interface DoctorOptions {
  octokit: GitHubApi;
  owner: string;
  repo: string;
  /** The GitHub App's slug, to find its installation and bypass entries; default "gitgrant". */
  appSlug?: string;
}

interface Protection {
  required_status_checks?: { contexts?: string[]; checks?: Array<{ context: string }> } | null;
  enforce_admins?: { enabled?: boolean } | null;
  required_pull_request_reviews?: { require_code_owner_reviews?: boolean; bypass_pull_request_allowances?: { apps?: Array<{ slug?: string }> } } | null;
  restrictions?: { users?: unknown[]; teams?: unknown[]; apps?: Array<{ slug?: string }> } | null;
  allow_force_pushes?: { enabled?: boolean } | null;
}

interface BranchRule {
  type: string;
  parameters?: { required_status_checks?: Array<{ context: string }>; require_code_owner_review?: boolean };
}

async function get<T>(api: GitHubApi, route: string, params: Record<string, unknown>): Promise<{ data: T | null; status: number }> {
  try {
    const r = await api.request(route, params);
    return { data: r.data as T, status: r.status };
  } catch (err) {
    const status = statusOf(err);
    if (status === 404 || status === 403 || status === 401) return { data: null, status };
    throw err;
  }
}

export async function doctor(o: DoctorOptions): Promise<{ branch: string; findings: Finding[] }> {
  const { octokit: api, owner, repo } = o;
  const slug = o.appSlug ?? "gitgrant";
  const findings: Finding[] = [];
  const add = (check: string, state: FindingState, detail: string) => findings.push({ check, state, detail });

  const repository = await api.request("GET /repos/{owner}/{repo}", { owner, repo });
  const meta = repository.data as { default_branch: string; allow_auto_merge?: boolean; owner: { type: string } };
  const branch = meta.default_branch;

  const [protection, rules, environment, installations] = await Promise.all([
    get<Protection>(api, "GET /repos/{owner}/{repo}/branches/{branch}/protection", { owner, repo, branch }),
    get<BranchRule[]>(api, "GET /repos/{owner}/{repo}/rules/branches/{branch}", { owner, repo, branch }),
    get<{ deployment_branch_policy?: { protected_branches?: boolean; custom_branch_policies?: boolean } | null }>(api, "GET /repos/{owner}/{repo}/environments/{environment_name}", { owner, repo, environment_name: ENVIRONMENT }),
    meta.owner.type === "Organization" ? get<{ installations: Array<{ app_slug: string; repository_selection: string }> }>(api, "GET /orgs/{org}/installations", { org: owner }) : Promise.resolve({ data: null, status: 0 }),
  ]);

  // The required check: without it anyone with write access merges a request the app refused.
  const p = protection.data;
  const classicChecks = [...(p?.required_status_checks?.contexts ?? []), ...(p?.required_status_checks?.checks ?? []).map((c) => c.context)];
  const ruleChecks = (rules.data ?? []).filter((r) => r.type === "required_status_checks").flatMap((r) => (r.parameters?.required_status_checks ?? []).map((c) => c.context));
  if (protection.status === 403 && rules.data === null) add("required check", "unknown", `the token may not read ${branch}'s protection (it needs administration: read)`);
  else if ([...classicChecks, ...ruleChecks].includes(REQUIRED_CHECK)) add("required check", "ok", `"${REQUIRED_CHECK}" is required on ${branch}`);
  else add("required check", "missing", `"${REQUIRED_CHECK}" is not a required check on ${branch}: anyone who can merge could merge a request the app refused`);

  // Code-owner review required on every file blocks the app's self-service merges.
  const codeOwners = p?.required_pull_request_reviews?.require_code_owner_reviews === true || (rules.data ?? []).some((r) => r.type === "pull_request" && r.parameters?.require_code_owner_review === true);
  const bypass = (p?.required_pull_request_reviews?.bypass_pull_request_allowances?.apps ?? []).some((a) => a.slug === slug);
  if (!codeOwners) add("app may merge", "ok", "no code-owner review is required by GitHub itself; gitgrant enforces the approvals");
  else if (bypass) add("app may merge", "ok", `code-owner review is required, and ${slug} may bypass it`);
  else add("app may merge", "warning", `code-owner review is required on ${branch}: the app can merge self-service requests only if ${slug} is on the bypass list (a ruleset's bypass list is not readable here: check it if you use one)`);

  // Who may push: a direct push skips the check entirely.
  const restricted = p?.restrictions !== undefined && p?.restrictions !== null;
  const noForce = p ? p.allow_force_pushes?.enabled !== true : (rules.data ?? []).some((r) => r.type === "non_fast_forward");
  if (p && restricted && p.enforce_admins?.enabled) add("who may push", "ok", `pushes to ${branch} are restricted, for administrators too`);
  else if (p || rules.data?.length) add("who may push", "warning", `pushes to ${branch} are ${restricted ? "restricted" : "not restricted to named people or apps"}${p?.enforce_admins?.enabled ? "" : ", administrators are exempt"}${noForce ? "" : ", force pushes are allowed"}`);
  else add("who may push", "missing", `${branch} has no branch protection or ruleset: anyone with write access can push grants past every check`);

  add("auto-merge", meta.allow_auto_merge ? "ok" : "warning", meta.allow_auto_merge ? "allowed: when protection refuses a direct merge the app arms auto-merge" : "not allowed: when branch protection refuses a direct merge (405) the app cannot fall back to auto-merge");

  // The environment the workflows' secrets and cloud roles are in, usable from the default branch only.
  const policy = environment.data?.deployment_branch_policy;
  if (environment.status === 404) add("environment", "missing", `no "${ENVIRONMENT}" environment: the workflows' secrets and cloud roles cannot be limited to ${branch}`);
  else if (!environment.data) add("environment", "unknown", `the token may not read the "${ENVIRONMENT}" environment`);
  else if (!policy) add("environment", "missing", `the "${ENVIRONMENT}" environment accepts every branch: a workflow run from any branch reaches its secrets`);
  else if (policy.protected_branches) add("environment", "ok", `"${ENVIRONMENT}" is limited to protected branches`);
  else {
    const names = await get<{ branch_policies: Array<{ name: string; type?: string }> }>(api, "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies", { owner, repo, environment_name: ENVIRONMENT });
    const list = (names.data?.branch_policies ?? []).map((b) => b.name);
    if (list.length === 1 && list[0] === branch) add("environment", "ok", `"${ENVIRONMENT}" is limited to ${branch}`);
    else add("environment", "missing", `"${ENVIRONMENT}" is open to ${list.length ? list.join(", ") : "no branch listed"}; limit it to ${branch} alone`);
  }

  if (!installations.data) add("app installation", "unknown", meta.owner.type === "Organization" ? "the token may not list the organisation's installations (it needs admin:org read)" : "installations of a user account are not listed to a token");
  else if (installations.data.installations.some((i) => i.app_slug === slug)) add("app installation", "ok", `${slug} is installed on ${owner}`);
  else add("app installation", "missing", `${slug} is not installed on ${owner}: nothing judges or merges requests`);

  return { branch, findings };
}
