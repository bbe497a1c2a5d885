// One sweep scenario through both implementations of the repository seam: a local clone
// (a commit on a branch per file) and GitHub (a PR per file, nock on the real wire format).
// Whichever side writes, the same files are revoked, on the same branches, with the same
// commit message and trailers.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTrailers } from "../../src/core/trailers.js";
import { localRepository } from "../../src/git/changes.js";
import { LocalGitRepo } from "../../src/git/local.js";
import type { Repository } from "../../src/git/types.js";
import { githubRepository } from "../../src/github/changes.js";
import { gitHub } from "../../src/github/octokit.js";
import { sweep } from "../../src/operations/sweep.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";

const API = "https://api.github.com";
const TOKEN = "ghs_testtoken000000000000000000000000";
const NOW = "2026-03-01T12:00:00Z";
const ALICE = "access/requests/staging-deploy/alice.yaml"; // 2h: expired at 12:00
const CAROL = "access/requests/support-console/carol.yaml"; // 1h: expired at 11:00
const BOB = "access/requests/support-console/bob.yaml"; // 14d: active

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

async function scenario(): Promise<{ repo: TestRepo; main: string }> {
  const repo = await accessRepo();
  await repo.writeAll({ [ALICE]: request("2h"), [CAROL]: request("1h"), [BOB]: request("14d") });
  const main = await repo.commit("three grants", { date: "2026-03-01T10:00:00Z" });
  return { repo, main };
}

const sweepWith = (repo: Repository) => sweep({ repo, branch: "main", now: at(NOW) });

/** What a revoke is, whoever carries it: which file, on which branch, with which message. */
interface Removal {
  path: string;
  branch: string;
  expires_at: string;
  message: string;
}

describe("the same sweep over a local clone and over GitHub", () => {
  it("revokes the same files on the same branches with the same commit messages", async () => {
    const { repo, main } = await scenario();
    const env = await gitEnv(NOW);

    // GitHub: per expired file, look for an open PR, branch from main, delete, open, label.
    const deletes: Array<{ path: string; branch: string; message: string; sha: string }> = [];
    let number = 40;
    const scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } });
    for (const [path, branch] of [[ALICE, "gitgrant/revoke/staging-deploy/alice"], [CAROL, "gitgrant/revoke/support-console/carol"]] as const) {
      const pr = ++number;
      scope
        .get("/repos/acme/access/pulls")
        .query({ head: `acme:${branch}`, state: "open", per_page: "10" })
        .reply(200, [])
        .post("/repos/acme/access/git/refs", { ref: `refs/heads/${branch}`, sha: main })
        .reply(201, { ref: `refs/heads/${branch}`, object: { sha: main, type: "commit" } })
        .delete(`/repos/acme/access/contents/${path}`, (body) => (deletes.push({ path, ...body }), true))
        .reply(200, { content: null, commit: { sha: "c".repeat(40) } })
        .post("/repos/acme/access/pulls", (body) => body.head === branch && body.base === "main")
        .reply(201, { number: pr, html_url: `https://github.com/acme/access/pull/${pr}`, created_at: NOW })
        .post(`/repos/acme/access/issues/${pr}/labels`, { labels: ["access:revoke"] })
        .reply(200, [{ name: "access:revoke" }]);
    }
    scope.get("/repos/acme/access/pulls").query({ state: "open", per_page: "100" }).reply(200, []);
    const octokit = new Octokit({ auth: TOKEN, log: { debug() {}, info() {}, warn() {}, error() {} } });
    const onGithub = await sweepWith(githubRepository({ octokit: gitHub(octokit), owner: "acme", repo: "access" }, new LocalGitRepo(repo.dir, { env })));
    scope.done();

    const onClone = await sweepWith(localRepository(repo.dir, { env, commitDate: at(NOW) }));

    for (const r of [onGithub, onClone]) {
      expect(r.problems).toEqual([]);
      expect(r.report.grants.map((g) => [g.path, g.status])).toEqual([
        [ALICE, "expired"],
        [BOB, "active"],
        [CAROL, "expired"],
      ]);
    }
    expect(onGithub.mode).toBe("github");
    expect(onClone.mode).toBe("local");
    expect(onGithub.revokes.map((r) => r.status)).toEqual(["opened", "opened"]);
    expect(onClone.revokes.map((r) => r.status)).toEqual(["committed", "committed"]);

    const viaGithub: Removal[] = onGithub.revokes.map((r) => {
      const d = deletes.find((x) => x.path === r.path)!;
      // The contents API deletes the blob that was judged, on the revoke branch.
      expect(d.sha).toBe(onGithub.report.grants.find((g) => g.path === r.path)!.blobSha);
      expect(d.branch).toBe(r.branch);
      return { path: r.path, branch: r.branch, expires_at: r.expires_at, message: d.message.trimEnd() };
    });
    const viaClone: Removal[] = [];
    for (const r of onClone.revokes) {
      // The branch is one commit on main that deletes exactly this file.
      expect((await repo.git("rev-parse", `${r.branch}^`)).trim()).toBe(main);
      expect(await repo.git("diff", "--name-status", main, r.branch)).toBe(`D\t${r.path}\n`);
      viaClone.push({ path: r.path, branch: r.branch, expires_at: r.expires_at, message: (await repo.git("log", "-1", "--format=%B", r.branch)).trimEnd() });
    }
    expect(viaClone).toEqual(viaGithub);
    expect(viaClone.map((r) => [r.path, r.branch, r.expires_at])).toEqual([
      [ALICE, "gitgrant/revoke/staging-deploy/alice", "2026-03-01T12:00:00Z"],
      [CAROL, "gitgrant/revoke/support-console/carol", "2026-03-01T11:00:00Z"],
    ]);
    for (const r of viaClone) {
      expect(parseTrailers(r.message)).toEqual([
        { key: "Revoke", value: r.path },
        { key: "Revoke-reason", value: "expired" },
      ]);
    }
  });

  it("a second sweep finds each revoke waiting on both sides and makes none", async () => {
    const { repo } = await scenario();
    const env = await gitEnv(NOW);
    const local = localRepository(repo.dir, { env });
    await sweepWith(local);
    const again = await sweepWith(local);
    expect(again.revokes.map((r) => [r.path, r.status])).toEqual([
      [ALICE, "exists"],
      [CAROL, "exists"],
    ]);

    const scope = nock(API);
    for (const [path, branch, pr] of [[ALICE, "gitgrant/revoke/staging-deploy/alice", 41], [CAROL, "gitgrant/revoke/support-console/carol", 42]] as const) {
      scope
        .get("/repos/acme/access/pulls")
        .query({ head: `acme:${branch}`, state: "open", per_page: "10" })
        .reply(200, [
          { number: pr, html_url: `https://github.com/acme/access/pull/${pr}`, created_at: NOW, draft: false, user: { login: "gitgrant-acme[bot]" }, head: { ref: branch, repo: { full_name: "acme/access" } }, base: { ref: "main" } },
        ])
        .get(`/repos/acme/access/pulls/${pr}/files`)
        .query({ per_page: "100" })
        .reply(200, [{ filename: path, status: "removed" }]);
    }
    scope.get("/repos/acme/access/pulls").query({ state: "open", per_page: "100" }).reply(200, []);
    const octokit = new Octokit({ log: { debug() {}, info() {}, warn() {}, error() {} } });
    const onGithub = await sweepWith(githubRepository({ octokit: gitHub(octokit), owner: "acme", repo: "access" }, new LocalGitRepo(repo.dir, { env }), { ownLogins: ["gitgrant-acme[bot]"] }));
    scope.done();
    expect(onGithub.revokes.map((r) => [r.path, r.status])).toEqual([
      [ALICE, "exists"],
      [CAROL, "exists"],
    ]);
  });
});
