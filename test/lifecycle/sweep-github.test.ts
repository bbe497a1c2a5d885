// The sweep against GitHub: revoke PRs through the REST API (nock, real wire format),
// never a second PR for a file, stale request PRs closed after pending_ttl.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { githubRepository } from "../../src/github/changes.js";
import { gitHub, type GitHubTarget } from "../../src/github/octokit.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { sweep } from "../../src/operations/sweep.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";

const API = "https://api.github.com";
const TOKEN = "ghs_testtoken000000000000000000000000";
const ALICE = "access/requests/staging-deploy/alice.yaml";
const BOB = "access/requests/support-console/bob.yaml";
const BRANCH = "gitgrant/revoke/staging-deploy/alice";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

function github(): GitHubTarget {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return { octokit: gitHub(new Octokit({ auth: TOKEN, log: quiet })), owner: "acme", repo: "access" };
}

const api = () => nock(API, { reqheaders: { authorization: `token ${TOKEN}` } });

async function run(repo: TestRepo, now: string, extra: Partial<Parameters<typeof sweep>[0]> = {}) {
  // The sweep's identity: its revoke PRs are opened as github-actions[bot] (GITGRANT_SWEEP_LOGINS).
  return sweep({ repo: githubRepository(github(), new LocalGitRepo(repo.dir, { env: await gitEnv(now) }), { ownLogins: ["github-actions[bot]"] }), branch: "main", now: at(now), ...extra });
}

/** main with alice's 2h grant landed at 10:00, and bob's 14d grant. */
async function twoGrants(): Promise<{ repo: TestRepo; main: string; blob: string }> {
  const repo = await accessRepo();
  await repo.write(ALICE, request("2h"));
  await repo.write(BOB, request("14d"));
  const main = await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
  const blob = (await repo.git("rev-parse", `${main}:${ALICE}`)).trim();
  return { repo, main, blob };
}

const pr = (number: number, ref: string, created: string, extra: object = {}) => ({
  number,
  title: `PR ${number}`,
  html_url: `https://github.com/acme/access/pull/${number}`,
  created_at: created,
  draft: false,
  user: { login: "github-actions[bot]", type: "Bot" },
  head: { ref, repo: { full_name: "acme/access" } },
  base: { ref: "main" },
  ...extra,
});

describe("sweep against GitHub", () => {
  it("opens one revoke PR: branch from the judged commit, the file deleted with trailers, PR labelled access:revoke", async () => {
    const { repo, main, blob } = await twoGrants();
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [])
      .post("/repos/acme/access/git/refs", { ref: `refs/heads/${BRANCH}`, sha: main })
      .reply(201, { ref: `refs/heads/${BRANCH}`, object: { sha: main, type: "commit" } })
      .delete(`/repos/acme/access/contents/${ALICE}`, (body) => {
        expect(body.sha).toBe(blob);
        expect(body.branch).toBe(BRANCH);
        expect(body.message).toBe(
          `Revoke expired access: staging-deploy for alice\n\n${ALICE} expired at 2026-03-01T12:00:00Z (window 2026-03-01T10:00:00Z to 2026-03-01T12:00:00Z, landed in ${main.slice(0, 7)}).\n\nRevoke: ${ALICE}\nRevoke-reason: expired\n`,
        );
        return true;
      })
      .reply(200, { content: null, commit: { sha: "c".repeat(40) } })
      .post("/repos/acme/access/pulls", (body) => {
        expect(body).toMatchObject({ title: "Revoke expired access: staging-deploy for alice", head: BRANCH, base: "main" });
        expect(body.body).toContain("expired at 2026-03-01T12:00:00Z");
        expect(body.body.split("\n")).toContain("Revoke-reason: expired");
        expect(body.body.split("\n")).toContain(`Revoke: ${ALICE}`);
        return true;
      })
      .reply(201, pr(42, BRANCH, "2026-03-01T12:05:00Z"))
      .post("/repos/acme/access/issues/42/labels", { labels: ["access:revoke"] })
      .reply(200, [{ name: "access:revoke" }])
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [pr(42, BRANCH, "2026-03-01T12:05:00Z")]);

    const r = await run(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.mode).toBe("github");
    expect(r.revokes).toEqual([
      {
        path: ALICE,
        branch: BRANCH,
        expires_at: "2026-03-01T12:00:00Z",
        status: "opened",
        pr: 42,
        url: "https://github.com/acme/access/pull/42",
        detail: "opened revoke PR #42",
      },
    ]);
    expect(r.pulls).toEqual([]);
    expect(r.problems).toEqual([]);
  });

  it("never opens a second PR when one is already open for the file", async () => {
    const { repo } = await twoGrants();
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [pr(42, BRANCH, "2026-03-01T12:05:00Z")])
      .get("/repos/acme/access/pulls/42/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: ALICE, status: "removed", additions: 0, deletions: 3, changes: 3 }])
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [pr(42, BRANCH, "2026-03-01T12:05:00Z")]);
    const r = await run(repo, "2026-03-01T12:10:00Z");
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "exists", pr: 42, detail: "revoke PR #42 is already open" });
  });

  it("reuses a branch left without a PR: moves it to the judged commit, then deletes and opens the PR", async () => {
    const { repo, main } = await twoGrants();
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [])
      .post("/repos/acme/access/git/refs", { ref: `refs/heads/${BRANCH}`, sha: main })
      .reply(422, { message: "Reference already exists", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference", status: "422" })
      .patch(`/repos/acme/access/git/refs/heads/${BRANCH}`, { sha: main, force: true })
      .reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: main, type: "commit" } })
      .delete(`/repos/acme/access/contents/${ALICE}`)
      .reply(200, { content: null, commit: { sha: "c".repeat(40) } })
      .post("/repos/acme/access/pulls")
      .reply(201, pr(43, BRANCH, "2026-03-01T12:05:00Z"))
      .post("/repos/acme/access/issues/43/labels", { labels: ["access:revoke"] })
      .reply(200, [])
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, []);
    const r = await run(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "opened", pr: 43 });
  });

  it("refreshes an open revoke PR that predates the file's latest landing instead of opening another", async () => {
    const { repo } = await twoGrants();
    await repo.write(ALICE, request("1h"));
    const edited = await repo.commit("alice again", { date: "2026-03-01T13:00:00Z" });
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [pr(42, BRANCH, "2026-03-01T12:05:00Z")])
      .get("/repos/acme/access/pulls/42/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: ALICE, status: "removed", additions: 0, deletions: 3, changes: 3 }])
      .patch(`/repos/acme/access/git/refs/heads/${BRANCH}`, { sha: edited, force: true })
      .reply(200, {})
      .delete(`/repos/acme/access/contents/${ALICE}`, (b) => b.branch === BRANCH)
      .reply(200, {})
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [pr(42, BRANCH, "2026-03-01T12:05:00Z")]);
    const r = await run(repo, "2026-03-01T14:00:00Z");
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "refreshed", pr: 42, detail: "refreshed revoke PR #42 on the current main" });
  });

  it("API calls scale with the expired files, not the active ones", async () => {
    const repo = await accessRepo();
    const users = Array.from({ length: 40 }, (_, i) => `user${i}`);
    await repo.write("access/identities.yaml", `users:\n  alice: { github: alice }\n${users.map((u) => `  ${u}: { github: ${u} }\n`).join("")}`);
    for (const u of users) await repo.write(`access/requests/support-console/${u}.yaml`, request("14d"));
    await repo.write(ALICE, request("2h"));
    await repo.commit("many", { date: "2026-03-01T10:00:00Z" });
    let calls = 0;
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query(true)
      .times(2)
      .reply(200, () => (calls++, []))
      .post("/repos/acme/access/git/refs")
      .reply(201, () => (calls++, {}))
      .delete(`/repos/acme/access/contents/${ALICE}`)
      .reply(200, () => (calls++, {}))
      .post("/repos/acme/access/pulls")
      .reply(201, () => (calls++, pr(9, BRANCH, "2026-03-01T12:05:00Z")))
      .post("/repos/acme/access/issues/9/labels")
      .reply(200, () => (calls++, []));
    const r = await run(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.report.unreadable).toEqual([]);
    expect(r.report.grants.filter((g) => g.status === "active")).toHaveLength(40);
    expect(calls).toBe(6); // 5 for the one expired file + 1 list of open PRs
  });

  it("a dry run only looks: no branch, no commit, no PR", async () => {
    const { repo } = await twoGrants();
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [])
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, []);
    const r = await run(repo, "2026-03-01T12:05:00Z", { dryRun: true });
    scope.done();
    expect(r.revokes[0]).toMatchObject({ status: "planned", detail: `would open a revoke PR from ${BRANCH}` });
  });

  it("a failed API call is reported for that file and the sweep goes on", async () => {
    const { repo } = await twoGrants();
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(403, { message: "Resource not accessible by integration" })
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, []);
    const r = await run(repo, "2026-03-01T12:05:00Z");
    scope.done();
    expect(r.revokes[0]!.status).toBe("failed");
    expect(r.problems[0]).toContain(`${ALICE}: could not revoke: Resource not accessible by integration`);
  });
});

describe("pending-request TTL and obsolete revoke PRs", () => {
  it("closes request PRs open longer than pending_ttl with a comment; leaves young ones and non-request PRs", async () => {
    const repo = await accessRepo();
    await repo.write(BOB, request("14d"));
    await repo.commit("bob", { date: "2026-03-01T10:00:00Z" });
    const now = "2026-03-09T10:00:00Z";
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [
        pr(10, "request-prod", "2026-03-01T09:59:59Z", { draft: true }), // 8 days old, request files only
        pr(11, "docs", "2026-03-01T09:00:00Z"), // 8 days old, touches the README
        pr(12, "young", "2026-03-02T10:00:01Z"), // 6d23h59m59s: under the TTL, not even looked at
        pr(13, "remove-carol", "2026-03-01T09:00:00Z"), // 8 days old, but only deletes: a revoke
        pr(14, "gitgrant/revoke-bulk/user/carol", "2026-03-01T09:00:00Z"), // a bulk revoke awaiting approval
      ])
      .get("/repos/acme/access/pulls/10/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: "access/requests/staging-deploy/carol.yaml", status: "added" }])
      .post("/repos/acme/access/issues/10/comments", (b) => {
        expect(b.body).toContain("open for 8d");
        expect(b.body).toContain("pending_ttl of 7d");
        expect(b.body).toContain("open a new pull request");
        return true;
      })
      .reply(201, { id: 1 })
      .patch("/repos/acme/access/pulls/10", { state: "closed" })
      .reply(200, { number: 10, state: "closed" })
      .get("/repos/acme/access/pulls/11/files")
      .query({ per_page: "100" })
      .reply(200, [
        { filename: "access/requests/staging-deploy/carol.yaml", status: "added" },
        { filename: "README.md", status: "modified" },
      ])
      .get("/repos/acme/access/pulls/13/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: "access/requests/staging-deploy/carol.yaml", status: "removed" }]);
    const r = await run(repo, now);
    scope.done();
    expect(r.pulls).toEqual([
      {
        number: 10,
        url: "https://github.com/acme/access/pull/10",
        kind: "stale-request",
        status: "closed",
        detail: "open since 2026-03-01T09:59:59Z, longer than pending_ttl 7d",
      },
    ]);
  });

  it("a PR exactly pending_ttl old is closed; one second younger is not", async () => {
    const repo = await accessRepo();
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [pr(20, "a", "2026-03-02T10:00:00Z"), pr(21, "b", "2026-03-02T10:00:01Z")])
      .get("/repos/acme/access/pulls/20/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: "access/requests/support-console/bob.yaml" }])
      .post("/repos/acme/access/issues/20/comments")
      .reply(201, {})
      .patch("/repos/acme/access/pulls/20", { state: "closed" })
      .reply(200, {});
    const r = await run(repo, "2026-03-09T10:00:00Z");
    scope.done();
    expect(r.pulls.map((p) => p.number)).toEqual([20]);
  });

  it("closes a revoke PR whose file was extended after it was opened, and one whose file is gone", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
    await repo.write(ALICE, request("4h"));
    await repo.commit("alice extends", { date: "2026-03-01T12:30:00Z" });
    const scope = api()
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [pr(30, BRANCH, "2026-03-01T12:05:00Z"), pr(31, "gitgrant/revoke/support-console/bob", "2026-03-01T12:05:00Z")])
      .post("/repos/acme/access/issues/30/comments", (b) => b.body.includes("was changed after this PR was opened"))
      .reply(201, {})
      .patch("/repos/acme/access/pulls/30", { state: "closed" })
      .reply(200, {})
      .post("/repos/acme/access/issues/31/comments", (b) => b.body.includes("is no longer on the default branch"))
      .reply(201, {})
      .patch("/repos/acme/access/pulls/31", { state: "closed" })
      .reply(200, {});
    const r = await run(repo, "2026-03-01T13:00:00Z");
    scope.done();
    expect(r.pulls.map((p) => [p.number, p.kind, p.status])).toEqual([
      [30, "obsolete-revoke", "closed"],
      [31, "obsolete-revoke", "closed"],
    ]);
  });
});
