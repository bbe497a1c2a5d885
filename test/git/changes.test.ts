// The write side of the repository seam on its own: what each implementation does with a
// label, a comment, a close and a drift report, and what a local clone says it cannot do.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalChanges } from "../../src/git/changes.js";
import type { RevokeChange } from "../../src/git/types.js";
import { GitHubChanges } from "../../src/github/changes.js";
import { gitHub } from "../../src/github/octokit.js";
import { cleanupHomes, cleanupRepos, gitEnv, makeRepo } from "../helpers/gitrepo.js";

const API = "https://api.github.com";
const R = "/repos/acme/access";
const BRANCH = "gitgrant/revoke/staging-deploy/alice";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const github = () => new GitHubChanges({ octokit: gitHub(new Octokit({ auth: "test", log: silent })), owner: "acme", repo: "access" });

describe("GitHubChanges", () => {
  it("comments on and labels a change by its number", async () => {
    const scope = nock(API)
      .post(`${R}/issues/7/comments`, { body: "hello" })
      .reply(201, { id: 1 })
      .post(`${R}/issues/7/labels`, { labels: ["access:revoke"] })
      .reply(200, [{ name: "access:revoke" }]);
    const gh = github();
    expect(await gh.comment({ branch: BRANCH, number: 7 }, "hello")).toEqual({ done: true, detail: "commented on #7" });
    expect(await gh.label({ branch: BRANCH, number: 7 }, ["access:revoke"])).toEqual({ done: true, detail: "labelled #7 access:revoke" });
    scope.done();
  });

  it("finds a change known only by its branch through the open PR from it, then comments before closing", async () => {
    const order: string[] = [];
    const scope = nock(API)
      .get(`${R}/pulls`)
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [{ number: 12, html_url: "https://github.com/acme/access/pull/12", created_at: "2026-03-01T12:00:00Z" }])
      .post(`${R}/issues/12/comments`, (b) => (order.push("comment"), b.body === "closing: stale"))
      .reply(201, { id: 2 })
      .patch(`${R}/pulls/12`, (b) => (order.push("close"), b.state === "closed"))
      .reply(200, { number: 12, state: "closed" });
    expect(await github().close({ branch: BRANCH }, "closing: stale")).toEqual({ done: true, detail: "closed #12" });
    scope.done();
    expect(order).toEqual(["comment", "close"]);
  });

  it("says which branch has no open PR instead of writing anywhere", async () => {
    const scope = nock(API).get(`${R}/pulls`).query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" }).reply(200, []);
    await expect(github().label({ branch: BRANCH }, ["x"])).rejects.toThrow(`no open pull request from ${BRANCH} in acme/access`);
    scope.done();
  });

  it("a close whose PATCH fails has still left its comment, and the failure reaches the caller", async () => {
    const scope = nock(API)
      .post(`${R}/issues/5/comments`)
      .reply(201, { id: 3 })
      .patch(`${R}/pulls/5`)
      .reply(502, { message: "Server Error" });
    await expect(github().close({ branch: "request-x", number: 5 }, "why")).rejects.toThrow("Server Error");
    scope.done();
  });

  it("lists open PRs as changes: age, draft, fork and author in words the sweep reads", async () => {
    const scope = nock(API)
      .get(`${R}/pulls`)
      .query({ state: "open", per_page: "100" })
      .reply(200, [
        { number: 3, title: "t", html_url: "u3", created_at: "2026-03-01T09:00:00Z", draft: true, user: { login: "alice" }, head: { ref: BRANCH, repo: { full_name: "Acme/Access" } } },
        { number: 4, title: "f", html_url: "u4", created_at: "2026-03-02T09:00:00Z", user: null, head: { ref: BRANCH, repo: { full_name: "mallory/access" } } },
        { number: 6, title: "g", html_url: "u6", created_at: "2026-03-02T09:00:00Z", head: { ref: "x", repo: null } },
      ])
      .get(`${R}/pulls/3/files`)
      .query({ per_page: "100" })
      .reply(200, [{ filename: "access/requests/a/alice.yaml", status: "added" }]);
    const gh = github();
    const open = await gh.openChanges();
    expect(open).toEqual([
      { number: 3, url: "u3", title: "t", branch: BRANCH, createdAt: new Date("2026-03-01T09:00:00Z"), draft: true, fromThisRepo: true, author: "alice" },
      { number: 4, url: "u4", title: "f", branch: BRANCH, createdAt: new Date("2026-03-02T09:00:00Z"), draft: false, fromThisRepo: false },
      { number: 6, url: "u6", title: "g", branch: "x", createdAt: new Date("2026-03-02T09:00:00Z"), draft: false, fromThisRepo: false },
    ]);
    expect(await gh.changeFiles(open[0]!)).toEqual([{ path: "access/requests/a/alice.yaml", status: "added" }]);
    scope.done();
  });
});

describe("LocalChanges", () => {
  it("has no pull requests: nothing is waiting, and label, comment and close say why they did nothing", async () => {
    const repo = await makeRepo();
    await repo.write("README.md", "hi\n");
    const main = await repo.commit("first");
    await repo.git("branch", BRANCH);
    const local = new LocalChanges(repo.dir, { env: await gitEnv() });
    expect(await local.openChanges()).toEqual([]);
    expect(await local.label({ branch: BRANCH }, ["access:revoke"])).toEqual({ done: false, detail: `${BRANCH} is a local branch: it carries no labels (access:revoke not added)` });
    expect(await local.comment({ branch: BRANCH }, "hello")).toEqual({ done: false, detail: `${BRANCH} is a local branch: it has no conversation to comment on` });
    const closed = await local.close({ branch: BRANCH }, "stale");
    expect(closed.done).toBe(false);
    expect(closed.detail).toContain("left as it is");
    expect(await local.reportDrift("t", "b")).toBeNull();
    // The branch is someone's work: still there, unmoved.
    expect(await repo.sha(BRANCH)).toBe(main);
  });

  it("bulk revokes (refresh always) rewrite the branch each time; the sweep's (if-stale) keep one that already removes the file", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ "access/requests/a/alice.yaml": "1\n", "access/requests/b/alice.yaml": "2\n" });
    const main = await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
    const tree = (await repo.git("rev-parse", "main^{tree}")).trim();
    const local = new LocalChanges(repo.dir, { env: await gitEnv("2026-03-01T12:00:00Z") });
    const change = (refresh: RevokeChange["refresh"]): RevokeChange => ({
      base: "main",
      baseSha: main,
      baseTree: tree,
      branch: "gitgrant/revoke-bulk/user/alice",
      files: ["access/requests/a/alice.yaml", "access/requests/b/alice.yaml"].map((path) => ({ path, blob: "unused", landed: { sha: main, at: new Date("2026-03-01T10:00:00Z") } })),
      message: "Revoke\n",
      title: "Revoke",
      body: "",
      refresh,
    });
    const dry = await local.ensureRevoke({ ...change("always"), dryRun: true });
    expect(dry).toEqual({ status: "planned", detail: "would commit the removal of 2 files on gitgrant/revoke-bulk/user/alice" });
    const first = await local.ensureRevoke(change("always"));
    expect(first.status).toBe("committed");
    expect(first.detail).toBe(`created gitgrant/revoke-bulk/user/alice at ${first.commit!.slice(0, 7)} (removes 2 files): merge it to revoke`);
    expect(await repo.git("diff", "--name-status", main, first.commit!)).toBe("D\taccess/requests/a/alice.yaml\nD\taccess/requests/b/alice.yaml\n");
    const again = await local.ensureRevoke({ ...change("always"), message: "Revoke again\n" });
    expect(again.status).toBe("committed");
    expect(again.detail).toContain("rewrote gitgrant/revoke-bulk/user/alice");
    expect(await local.ensureRevoke(change("if-stale"))).toEqual({ status: "exists", commit: again.commit, detail: "branch gitgrant/revoke-bulk/user/alice already removes it (not merged yet)" });
  });
});
