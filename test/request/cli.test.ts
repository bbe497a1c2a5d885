// gitgrant request, extend, resources, status and forms on real git repositories; GitHub
// (the PR, the open requests) faked with nock on its real wire format.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { scaffoldFiles } from "../../src/operations/scaffold.js";
import { FORM_PATH } from "../../src/operations/request-form.js";
import { cli } from "../helpers/cli.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { accessRepo } from "../helpers/orgs.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length) throw new Error(`calls not made: ${pending.join(", ")}`);
});
afterAll(async () => {
  nock.enableNetConnect();
  await cleanupRepos();
});

const NOW = "2026-03-02T10:00:00Z";
const REASON = "Deploy the hotfix for INC-1201 and verify it";

describe("gitgrant resources", () => {
  it("lists each resource with the tier a short request falls in and who approves it", async () => {
    const repo = await accessRepo("lifecycle");
    const r = await cli(["resources", "--repo", repo.dir, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(r.json<any[]>().map((x) => [x.id, x.provider, x.max_duration, x.tier, x.approvals, x.approvers])).toEqual([
      ["ops-team", "github-team", "8h", "self-service", 0, ["@acme/security"]],
      ["staging-deploy", "local", "8h", "self-service", 0, ["@acme/security"]],
      ["support-console", "local", "30d", "self-service", 0, ["@acme/security"]],
    ]);
    const t = await cli(["resources", "--repo", repo.dir]);
    expect(t.out).toMatch(/staging-deploy\s+low\s+local\s+8h\s+1h: self-service \(self-service\)\s+@acme\/security/);
  });
});

describe("gitgrant forms", () => {
  it("writes the request form from the catalog on disk, and --check says when it is stale", async () => {
    const repo = await accessRepo("lifecycle");
    expect((await cli(["forms", "--repo", repo.dir, "--check"])).code).toBe(1);
    const w = await cli(["forms", "--repo", repo.dir]);
    expect(w.out).toBe(`Wrote ${FORM_PATH} (3 resources)\n`);
    const form = parse(await readFile(join(repo.dir, FORM_PATH), "utf8"));
    expect(form.body.find((b: any) => b.id === "resource").attributes.options).toEqual(["ops-team (low, at most 8h)", "staging-deploy (low, at most 8h)", "support-console (low, at most 30d)"]);
    expect((await cli(["forms", "--repo", repo.dir, "--check"])).code).toBe(0);
  });

  it("is among the files init writes", async () => {
    const files = await scaffoldFiles({ org: "acme", action: "gitgrant/gitgrant@v1", version: "1.0.0" });
    const form = files.find((f) => f.path === FORM_PATH);
    expect(parse(form!.text).body.find((b: any) => b.id === "resource").attributes.options.length).toBeGreaterThan(3);
  });
});

describe("gitgrant request and extend", () => {
  it("judges locally, commits on a new branch without touching the checkout, and prints the app's verdict", async () => {
    const repo = await accessRepo("lifecycle");
    const r = await cli(["request", "staging-deploy", "--for", "2h", "--reason", REASON, "--user", "alice", "--repo", repo.dir, "--now", NOW, "--no-push"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Verdict: tier self-service; is self-service: the app merges it at once.");
    expect(r.out).toContain("If merged now it would last until 2026-03-02T12:00:00Z");
    expect(r.out).toContain("Committed on the local branch request/staging-deploy-alice-20260302t100000");
    expect(await repo.git("show", "request/staging-deploy-alice-20260302t100000:access/requests/staging-deploy/alice.yaml")).toBe(`reason: ${REASON}\nduration: 2h\n`);
    expect((await repo.git("status", "--porcelain")).trim()).toBe("");
    expect((await repo.git("rev-parse", "--abbrev-ref", "HEAD")).trim()).toBe("main");
  });

  it("refuses what the app would refuse, and commits nothing", async () => {
    const repo = await accessRepo("lifecycle");
    const r = await cli(["request", "staging-deploy", "--for", "9h", "--reason", REASON, "--user", "alice", "--repo", repo.dir, "--now", NOW, "--no-push"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Refused, nothing was committed:\n  - 9h is over staging-deploy's cap of 8h; ask for 8h or less.");
    expect((await repo.git("branch", "--list", "request/*")).trim()).toBe("");
    expect((await cli(["request", "staging-deploy", "--for", "2h", "--user", "alice", "--repo", repo.dir, "--no-push"])).err).toContain("--reason is required");
    expect((await cli(["request", "staging-deploy", "--for", "2h", "--reason", REASON, "--repo", repo.dir, "--no-push"])).err).toContain("say who you are with --user LOGIN");
  });

  it("pushes and opens the pull request with GITHUB_TOKEN", async () => {
    const repo = await accessRepo("lifecycle");
    const bare = join(mkdtempSync(join(tmpdir(), "gitgrant-origin-")), "access.git");
    execFileSync("git", ["init", "--quiet", "--bare", bare]);
    await repo.git("remote", "add", "origin", bare);
    await repo.git("push", "--quiet", "origin", "main");
    const branch = "request/support-console-alice-20260302t100000";
    const scope = nock("https://api.github.com")
      .post("/repos/acme/access/pulls", { title: "Request support-console for alice (2h)", head: branch, base: "main", body: `${REASON}\n\nOpened with \`gitgrant request\`.` })
      .reply(201, { number: 21, html_url: "https://github.com/acme/access/pull/21" });
    const r = await cli(["request", "support-console", "--for", "2h", "--reason", REASON, "--user", "alice", "--repo", repo.dir, "--now", NOW, "--branch", "main"], process.cwd(), { GITHUB_TOKEN: "ghp_test", GITHUB_REPOSITORY: "acme/access" });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Opened pull request #21: https://github.com/acme/access/pull/21");
    scope.done();
    expect(execFileSync("git", ["--git-dir", bare, "cat-file", "-p", `refs/heads/${branch}:access/requests/support-console/alice.yaml`], { encoding: "utf8" })).toBe(`reason: ${REASON}\nduration: 2h\n`);
  });

  it("extend edits one's own file on the branch, keeping its reason; without a file there is nothing to extend", async () => {
    const repo = await accessRepo("lifecycle");
    expect((await cli(["extend", "staging-deploy", "--for", "1h", "--user", "alice", "--repo", repo.dir, "--no-push"])).err).toContain("access/requests/staging-deploy/alice.yaml is not on main: there is nothing of yours to extend");
    await repo.write("access/requests/staging-deploy/alice.yaml", `reason: ${REASON}\nduration: 2h\nticket: INC-1201\n`);
    await repo.commit("alice", { date: "2026-03-02T09:00:00Z" });
    const r = await cli(["extend", "staging-deploy", "--for", "3h", "--user", "alice", "--repo", repo.dir, "--now", NOW, "--no-push", "--format", "json"]);
    expect(r.code).toBe(0);
    const out = r.json<any>();
    expect(out.text).toBe(`reason: ${REASON}\nduration: 3h\nticket: INC-1201\n`);
    expect(out.verdict.change).toBe("modified");
    expect(out.verdict.reasons[0]).toBe("edits an existing request: judged again as a new one, and the window restarts when it lands");
  });
});

describe("gitgrant status", () => {
  it("lists active and pending access with the time left, and open requests on GitHub", async () => {
    const repo = await accessRepo("lifecycle");
    await repo.write("access/requests/staging-deploy/alice.yaml", `reason: ${REASON}\nduration: 2h\n`);
    await repo.write("access/requests/support-console/alice.yaml", `reason: ${REASON}\nduration: 2h\nstarts_at: 2026-03-02T12:00:00Z\n`);
    await repo.write("access/requests/ops-team/bob.yaml", `reason: ${REASON}\nduration: 2h\n`);
    await repo.commit("grants", { date: "2026-03-02T09:30:00Z" });
    const local = await cli(["status", "--user", "alice", "--repo", repo.dir, "--now", NOW, "--format", "json"]);
    expect(local.json<any>().rows.map((r: any) => [r.state, r.resource, r.expires_at, r.left])).toEqual([
      ["active", "staging-deploy", "2026-03-02T11:30:00Z", "1h30m left"],
      ["pending", "support-console", "2026-03-02T14:00:00Z", "starts in 2h"],
    ]);
    expect(local.json<any>().requestsListed).toBe(false);

    const scope = nock("https://api.github.com")
      .get("/repos/acme/access/pulls").query({ state: "open", per_page: "100" })
      .reply(200, [{ number: 30, title: "ops for alice", html_url: "https://github.com/acme/access/pull/30", created_at: "2026-03-02T09:00:00Z", draft: false, user: { login: "alice" }, head: { ref: "x", repo: { full_name: "acme/access" } } }])
      .get("/repos/acme/access/pulls/30/files").query({ per_page: "100" })
      .reply(200, [{ filename: "access/requests/ops-team/alice.yaml", status: "added" }]);
    const gh = await cli(["status", "--user", "alice", "--repo", repo.dir, "--now", NOW], process.cwd(), { GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/access" });
    scope.done();
    expect(gh.out).toMatch(/requested\s+ops-team\s+-\s+PR #30 open\s+https:\/\/github.com\/acme\/access\/pull\/30/);
  });
});
