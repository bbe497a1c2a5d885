// gitgrant doctor against GitHub's REST API (faked with nock on its documented routes and
// reply shapes): a repository set up as the README says, and one missing each piece.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

const API = "https://api.github.com";
const R = "/repos/acme/access";
const env = { GITHUB_TOKEN: "ghp_test_token" };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function repo(scope: nock.Scope, allowAutoMerge = true) {
  return scope.get(R).matchHeader("authorization", "token ghp_test_token").reply(200, { name: "access", full_name: "acme/access", default_branch: "main", allow_auto_merge: allowAutoMerge, owner: { login: "acme", type: "Organization" } });
}

describe("gitgrant doctor", () => {
  it("finds nothing missing on a repository set up as the README says", async () => {
    const gh = nock(API);
    repo(gh);
    gh.get(`${R}/branches/main/protection`).reply(200, {
      required_status_checks: { strict: false, contexts: ["gitgrant"], checks: [{ context: "gitgrant", app_id: 1 }] },
      enforce_admins: { enabled: true },
      required_pull_request_reviews: { require_code_owner_reviews: true, required_approving_review_count: 0, bypass_pull_request_allowances: { users: [], teams: [], apps: [{ slug: "gitgrant" }] } },
      restrictions: { users: [], teams: [{ slug: "security" }], apps: [{ slug: "gitgrant" }] },
      allow_force_pushes: { enabled: false },
    });
    gh.get(`${R}/rules/branches/main`).reply(200, []);
    gh.get(`${R}/environments/gitgrant`).reply(200, { name: "gitgrant", deployment_branch_policy: { protected_branches: false, custom_branch_policies: true } });
    gh.get(`${R}/environments/gitgrant/deployment-branch-policies`).reply(200, { total_count: 1, branch_policies: [{ id: 1, name: "main", type: "branch" }] });
    gh.get("/orgs/acme/installations").reply(200, { total_count: 1, installations: [{ id: 4242, app_slug: "gitgrant", repository_selection: "selected" }] });

    const r = await cli(["doctor", "--github", "acme/access", "--format", "json"], process.cwd(), env);
    gh.done();
    expect(r.code).toBe(0);
    const out = r.json<{ ok: boolean; findings: Array<{ check: string; state: string }> }>();
    expect(out.ok).toBe(true);
    expect(out.findings.map((f) => [f.check, f.state])).toEqual([
      ["required check", "ok"],
      ["app may merge", "ok"],
      ["who may push", "ok"],
      ["auto-merge", "ok"],
      ["environment", "ok"],
      ["app installation", "ok"],
    ]);
  });

  it("reads a ruleset's required check, and says what is missing and why", async () => {
    const gh = nock(API);
    repo(gh, false);
    gh.get(`${R}/branches/main/protection`).reply(404, { message: "Branch not protected" });
    gh.get(`${R}/rules/branches/main`).reply(200, [
      { type: "required_status_checks", ruleset_source_type: "Repository", ruleset_source: "acme/access", ruleset_id: 9, parameters: { strict_required_status_checks_policy: false, required_status_checks: [{ context: "ci" }] } },
      { type: "pull_request", ruleset_id: 9, parameters: { require_code_owner_review: true, required_approving_review_count: 1 } },
    ]);
    gh.get(`${R}/environments/gitgrant`).reply(200, { name: "gitgrant", deployment_branch_policy: null });
    gh.get("/orgs/acme/installations").reply(200, { total_count: 0, installations: [] });

    const r = await cli(["doctor", "--github", "acme/access"], process.cwd(), env);
    gh.done();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`required check    missing  "gitgrant" is not a required check on main`);
    expect(r.out).toMatch(/app may merge\s+warning\s+code-owner review is required on main/);
    expect(r.out).toMatch(/auto-merge\s+warning\s+not allowed/);
    expect(r.out).toMatch(/environment\s+missing\s+the "gitgrant" environment accepts every branch/);
    expect(r.out).toMatch(/app installation\s+missing\s+gitgrant is not installed on acme/);
    expect(r.out).toContain("3 missing");
    expect(r.out).toMatch(/who may push\s+warning\s+.*force pushes are allowed/);
  });

  it("reports what the token may not read as unknown, and a repository with no protection at all", async () => {
    const gh = nock(API);
    repo(gh);
    gh.get(`${R}/branches/main/protection`).reply(404, { message: "Branch not protected" });
    gh.get(`${R}/rules/branches/main`).reply(200, []);
    gh.get(`${R}/environments/gitgrant`).reply(404, { message: "Not Found" });
    gh.get("/orgs/acme/installations").reply(403, { message: "Must have admin rights to Repository." });
    const r = await cli(["doctor", "--github", "acme/access", "--format", "json"], process.cwd(), env);
    gh.done();
    const states = Object.fromEntries(r.json<{ findings: Array<{ check: string; state: string }> }>().findings.map((f) => [f.check, f.state]));
    expect(states).toEqual({ "required check": "missing", "app may merge": "ok", "who may push": "missing", "auto-merge": "ok", environment: "missing", "app installation": "unknown" });
  });

  it("needs a token and a repository (usage error), and never writes", async () => {
    const r = await cli(["doctor"], process.cwd(), {});
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/set GITHUB_TOKEN and pass --github owner\/repo/);
  });
});
