// The holes of issue 10, each closed: an edit moving starts_at later ends the running window;
// the sweep counts only gitgrant's own revoke PR (its identity, its branch, a diff deleting
// exactly the file, not a draft); one bad file never stops sweep, plan or audit for the
// others; case-colliding files each get revoked.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { githubRepository } from "../../src/github/changes.js";
import { gitHub } from "../../src/github/octokit.js";
import { localRepository } from "../../src/git/changes.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { readAudit } from "../../src/operations/audit.js";
import { applyPlan } from "../../src/operations/execute.js";
import { planChange } from "../../src/operations/plan.js";
import { sweep } from "../../src/operations/sweep.js";
import { createLocalProvider } from "../../src/providers/local.js";
import { cleanupHomes, cleanupRepos, gitEnv, type TestRepo } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";
import { join } from "node:path";

const API = "https://api.github.com";
const TOKEN = "ghs_holes00000000000000000000000000000";
const ALICE = "access/requests/staging-deploy/alice.yaml";
const BRANCH = "gitgrant/revoke/staging-deploy/alice";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

const api = () => nock(API, { reqheaders: { authorization: `token ${TOKEN}` } });
const octokit = () => gitHub(new Octokit({ auth: TOKEN, log: { debug() {}, info() {}, warn() {}, error() {} } }));

async function onGithub(repo: TestRepo, now: string, ownLogins = ["github-actions[bot]"]) {
  const read = new LocalGitRepo(repo.dir, { env: await gitEnv(now) });
  return sweep({ repo: githubRepository({ octokit: octokit(), owner: "acme", repo: "access" }, read, { ownLogins }), branch: "main", now: at(now) });
}

/** A pull request as GitHub's list endpoint returns it. */
const pull = (number: number, extra: Record<string, unknown> = {}) => ({
  number,
  title: "Revoke expired access: staging-deploy for alice",
  html_url: `https://github.com/acme/access/pull/${number}`,
  created_at: "2026-03-01T12:01:00Z",
  draft: false,
  user: { login: "github-actions[bot]", type: "Bot" },
  head: { ref: BRANCH, repo: { full_name: "acme/access" } },
  base: { ref: "main" },
  ...extra,
});

/** alice's 2h grant, landed at 10:00, expired at 12:00. */
async function expired(): Promise<{ repo: TestRepo; main: string; blob: string }> {
  const repo = await accessRepo();
  await repo.write(ALICE, request("2h"));
  const main = await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
  return { repo, main, blob: (await repo.git("rev-parse", `${main}:${ALICE}`)).trim() };
}

/** The calls that close a look-alike with a comment, then open the real PR from a reset branch. */
function replaces(scope: nock.Scope, impostor: number, main: string, blob: string, why: RegExp) {
  return scope
    .post(`/repos/acme/access/issues/${impostor}/comments`, (b) => why.test(b.body))
    .reply(201, { id: 1 })
    .patch(`/repos/acme/access/pulls/${impostor}`, { state: "closed" })
    .reply(200, pull(impostor, { state: "closed" }))
    .patch(`/repos/acme/access/git/refs/heads/${BRANCH}`, { sha: main, force: true })
    .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: main } })
    .delete(`/repos/acme/access/contents/${ALICE}`, (b) => b.sha === blob && b.branch === BRANCH)
    .reply(200, { content: null, commit: { sha: "c".repeat(40) } })
    .post("/repos/acme/access/pulls", (b) => b.head === BRANCH && b.base === "main")
    .reply(201, pull(51))
    .post("/repos/acme/access/issues/51/labels", { labels: ["access:revoke"] })
    .reply(200, [{ name: "access:revoke" }]);
}

const listOpen = (scope: nock.Scope, prs: unknown[]) => scope.get("/repos/acme/access/pulls").query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" }).reply(200, prs);
const openPulls = (scope: nock.Scope) => scope.get("/repos/acme/access/pulls").query({ state: "open", per_page: "100" }).reply(200, []);

describe("the sweep counts only gitgrant's own revoke PR", () => {
  it("a PR the grantee opened on gitgrant's branch name is closed, and the real one opened", async () => {
    const { repo, main, blob } = await expired();
    const scope = api();
    listOpen(scope, [pull(50, { user: { login: "alice", type: "User" } })]);
    replaces(scope, 50, main, blob, /opened by alice, not by gitgrant/);
    openPulls(scope);
    const r = await onGithub(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "opened", pr: 51, detail: "opened revoke PR #51 (closed #50: #50 was opened by alice, not by gitgrant)" });
  });

  it("gitgrant's PR turned into a draft is closed and opened again", async () => {
    const { repo, main, blob } = await expired();
    const scope = api();
    listOpen(scope, [pull(50, { draft: true })]);
    replaces(scope, 50, main, blob, /turned into a draft/);
    openPulls(scope);
    const r = await onGithub(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "opened", pr: 51 });
  });

  it("a PR from a fork's branch of the same name does not count", async () => {
    const { repo, main, blob } = await expired();
    const scope = api();
    listOpen(scope, [pull(50, { head: { ref: BRANCH, repo: { full_name: "alice/access" } } })]);
    replaces(scope, 50, main, blob, /another repository/);
    openPulls(scope);
    expect((await onGithub(repo, "2026-03-01T12:05:00Z")).revokes[0]!.status).toBe("opened");
    scope.done();
  });

  it("a commit pushed to gitgrant's PR that restores the file: the branch is reset to the deletion", async () => {
    const { repo, main, blob } = await expired();
    const scope = api();
    listOpen(scope, [pull(50)]);
    scope
      .get("/repos/acme/access/pulls/50/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: "README.md", status: "modified" }])
      .patch(`/repos/acme/access/git/refs/heads/${BRANCH}`, { sha: main, force: true })
      .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: main } })
      .delete(`/repos/acme/access/contents/${ALICE}`, (b) => b.sha === blob && b.branch === BRANCH)
      .reply(200, { content: null, commit: { sha: "c".repeat(40) } });
    openPulls(scope);
    const r = await onGithub(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "refreshed", pr: 50, detail: "reset revoke PR #50: its branch no longer deleted exactly the expired file(s)" });
  });

  it("gitgrant's own intact PR counts: one files look-up, nothing written", async () => {
    const { repo } = await expired();
    const scope = api();
    listOpen(scope, [pull(50)]);
    scope.get("/repos/acme/access/pulls/50/files").query({ per_page: "100" }).reply(200, [{ filename: ALICE, status: "removed" }]);
    openPulls(scope);
    expect((await onGithub(repo, "2026-03-01T12:05:00Z")).revokes[0]).toMatchObject({ status: "exists", pr: 50 });
    scope.done();
  });

  it("with no configured identity the token's own login is asked once; a token that cannot say fails loudly", async () => {
    const { repo } = await expired();
    const scope = api();
    listOpen(scope, [pull(50)]);
    scope.get("/user").reply(403, { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest/users/users#get-the-authenticated-user", status: "403" });
    openPulls(scope);
    const r = await onGithub(repo, "2026-03-01T12:05:00Z", []);
    scope.done();
    expect(r.revokes[0]!.status).toBe("failed");
    expect(r.problems[0]).toContain("set GITGRANT_SWEEP_LOGINS");
  });

  it("settings.evidence.app_bot counts as gitgrant's identity", async () => {
    const repo = await accessRepo();
    await repo.write("access/policy.yaml", "settings:\n  pending_ttl: 7d\n  evidence: { app_bot: \"gitgrant-acme[bot]\" }\ntiers:\n  - name: self-service\n    match: { sensitivity: [low], max_duration: 4h }\n    approvals: 0\n");
    await repo.write(ALICE, request("2h"));
    await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
    const scope = api();
    listOpen(scope, [pull(50, { user: { login: "gitgrant-acme[bot]", type: "Bot" } })]);
    scope.get("/repos/acme/access/pulls/50/files").query({ per_page: "100" }).reply(200, [{ filename: ALICE, status: "removed" }]);
    openPulls(scope);
    const r = await onGithub(repo, "2026-03-01T12:05:00Z", ["someone-else[bot]"]);
    expect(r.report.configProblems).toEqual([]);
    expect(r.revokes[0]).toMatchObject({ status: "exists", pr: 50 });
    scope.done();
  });
});

describe("the local twin: a revoke branch that deletes more, or restores the file, is rewritten", () => {
  it("an extra commit on the branch that changes another file makes the sweep rewrite it", async () => {
    const { repo } = await expired();
    const env = await gitEnv("2026-03-01T12:05:00Z");
    const first = await sweep({ repo: localRepository(repo.dir, { env }), branch: "main", now: at("2026-03-01T12:05:00Z") });
    expect(first.revokes[0]!.status).toBe("committed");
    await repo.checkout(BRANCH);
    await repo.write("access/requests/staging-deploy/zz-notes.txt", "hello\n");
    await repo.commit("sneak a change in", { date: "2026-03-01T12:06:00Z" });
    await repo.checkout("main");
    const again = await sweep({ repo: localRepository(repo.dir, { env }), branch: "main", now: at("2026-03-01T12:10:00Z") });
    expect(again.revokes[0]).toMatchObject({ status: "committed" });
    expect(again.revokes[0]!.detail).toContain(`rewrote ${BRANCH}`);
    expect((await repo.git("diff", "--name-status", "main", BRANCH)).trim()).toBe(`D\t${ALICE}`);
  });
});

describe("case-colliding files each get revoked", () => {
  it("BOB.yaml and bob.yaml share one revoke change that removes both (locally and on GitHub)", async () => {
    const repo = await accessRepo();
    await repo.write("access/requests/staging-deploy/BOB.yaml", request("2h"));
    await repo.write("access/requests/staging-deploy/bob.yaml", request("1h"));
    const main = await repo.commit("two bobs", { date: "2026-03-01T10:00:00Z" });
    const env = await gitEnv("2026-03-01T12:05:00Z");
    const local = await sweep({ repo: localRepository(repo.dir, { env }), branch: "main", now: at("2026-03-01T12:05:00Z") });
    expect(local.revokes.map((r) => [r.path, r.status])).toEqual([
      ["access/requests/staging-deploy/BOB.yaml", "committed"],
      ["access/requests/staging-deploy/bob.yaml", "committed"],
    ]);
    const branch = "gitgrant/revoke/staging-deploy/bob";
    expect((await repo.git("diff", "--name-status", "main", branch)).trim().split("\n")).toEqual(["D\taccess/requests/staging-deploy/BOB.yaml", "D\taccess/requests/staging-deploy/bob.yaml"]);
    const message = await repo.git("log", "-1", "--format=%B", branch);
    expect(message).toContain("Revoke: access/requests/staging-deploy/BOB.yaml\nRevoke: access/requests/staging-deploy/bob.yaml\nRevoke-reason: expired");

    // On GitHub: one PR whose one commit deletes both (the git data API: tree, commit, branch).
    const scope = api();
    scope
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${branch}`, state: "open", per_page: "10" })
      .reply(200, [])
      .post("/repos/acme/access/git/trees", (b) => b.tree.map((t: { path: string; sha: null }) => [t.path, t.sha]).join() === "access/requests/staging-deploy/BOB.yaml,,access/requests/staging-deploy/bob.yaml,")
      .reply(201, { sha: "e".repeat(40) })
      .post("/repos/acme/access/git/commits", (b) => b.parents[0] === main)
      .reply(201, { sha: "f".repeat(40) })
      .post("/repos/acme/access/git/refs", { ref: `refs/heads/${branch}`, sha: "f".repeat(40) })
      .reply(201, {})
      .post("/repos/acme/access/pulls")
      .reply(201, pull(60))
      .post("/repos/acme/access/issues/60/labels")
      .reply(200, []);
    openPulls(scope);
    const gh = await sweep({ repo: githubRepository({ octokit: octokit(), owner: "acme", repo: "access" }, new LocalGitRepo(repo.dir, { env }), { ownLogins: ["github-actions[bot]"] }), branch: "main", now: at("2026-03-01T12:05:00Z") });
    scope.done();
    expect(gh.revokes.map((r) => r.status)).toEqual(["opened", "opened"]);
  });
});

describe("an edit that moves starts_at later ends the running window", () => {
  it("apply revokes the running grant at once; the sweep grants it again when the new start comes", async () => {
    const repo = await accessRepo();
    const base = await repo.sha();
    await repo.write(ALICE, request("4h"));
    const granted = await repo.commit("alice now", { date: "2026-03-01T10:00:00Z" });
    const ledger = createLocalProvider({ ledgerPath: join(repo.dir, "..", "ledger.json"), now: () => at("2026-03-01T00:00:00Z") });
    const read = new LocalGitRepo(repo.dir);
    const apply = async (before: string, after: string, now: string) => applyPlan(await planChange({ repo: read, before, after, now: at(now) }), { local: ledger }, { sleep: async () => {} });
    expect((await apply(base, granted, "2026-03-01T10:00:00Z")).map((r) => r.status)).toEqual(["granted"]);

    await repo.write(ALICE, request("1h", "starts_at: 2026-03-01T16:00:00Z\n"));
    const later = await repo.commit("alice later", { date: "2026-03-01T10:30:00Z" });
    const results = await apply(granted, later, "2026-03-01T10:30:00Z");
    expect(results.map((r) => [r.action.kind, r.action.change, r.status])).toEqual([["revoke", "postponed", "revoked"]]);
    expect(results[0]!.action.words).toContain("until its new start at 2026-03-01 16:00 UTC");
    expect(await ledger.list({ id: "staging-deploy", provider: "local", target: { name: "staging" }, sensitivity: "low", max_duration: "8h" })).toEqual([]);

    const env = await gitEnv("2026-03-01T16:00:00Z");
    const due = await sweep({ repo: localRepository(repo.dir, { env }), branch: "main", now: at("2026-03-01T16:00:00Z"), providers: { local: ledger } });
    expect(due.starts).toMatchObject([{ path: ALICE, status: "granted" }]);
  });
});

describe("one bad file never stops the run for everyone", () => {
  const BAD = "access/requests/constructor/x.yaml";
  const JUNK = "access/requests/staging-deploy/bob.yaml";

  async function withBadFiles(): Promise<{ repo: TestRepo; base: string; head: string }> {
    const repo = await accessRepo();
    const base = await repo.sha();
    await repo.write(ALICE, request("2h"));
    await repo.write(BAD, request("2h"));
    await repo.write(JUNK, "reason: [unclosed\n");
    const head = await repo.commit("good and bad", { date: "2026-03-01T10:00:00Z" });
    return { repo, base, head };
  }

  it("sweep: the good file is revoked at expiry, each bad one is reported with its reason", async () => {
    const { repo } = await withBadFiles();
    const env = await gitEnv("2026-03-01T12:05:00Z");
    const r = await sweep({ repo: localRepository(repo.dir, { env }), branch: "main", now: at("2026-03-01T12:05:00Z") });
    expect(r.revokes.map((x) => [x.path, x.status])).toEqual([[ALICE, "committed"]]);
    expect(r.report.unreadable.map((u) => u.path).sort()).toEqual([BAD, JUNK]);
    expect(r.problems.find((p) => p.startsWith(`${BAD}: `))).toContain('resource "constructor"');
  });

  it("plan: the good file is granted, each bad one is not, with its reason", async () => {
    const { repo, base, head } = await withBadFiles();
    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: base, after: head, now: at("2026-03-01T10:00:00Z") });
    expect(plan.actions.map((a) => a.path)).toEqual([ALICE]);
    expect(plan.skipped.map((s) => [s.path, s.problem])).toEqual([
      [BAD, true],
      [JUNK, true],
    ]);
  });

  it("audit: every grant's life is read; the bad files are lives with incomplete evidence", async () => {
    const { repo } = await withBadFiles();
    const audit = await readAudit({ dir: repo.dir, env: await gitEnv() });
    expect(audit.lives.map((l) => l.path).sort()).toEqual([BAD, ALICE, JUNK].sort());
    expect(audit.lives.find((l) => l.path === ALICE)!.expiresAt).toEqual(at("2026-03-01T12:00:00Z"));
    for (const p of [BAD, JUNK]) expect(audit.lives.find((l) => l.path === p)!.evidence.complete).toBe(false);
  });
});
