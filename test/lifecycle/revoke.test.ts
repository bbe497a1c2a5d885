import { Octokit } from "@octokit/rest";
import { gitHub } from "../../src/github/octokit.js";
import nock from "nock";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyPlan } from "../../src/operations/execute.js";
import { planChange } from "../../src/operations/plan.js";
import { evidenceMessage, parseTrailers } from "../../src/core/trailers.js";
import type { GrantRef } from "../../src/core/types.js";
import { localRepository } from "../../src/git/changes.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { githubRepository } from "../../src/github/changes.js";
import { revoke, selectFiles } from "../../src/operations/revoke.js";
import { createLocalProvider, readLedger } from "../../src/providers/local.js";
import type { Provider } from "../../src/providers/types.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";

const API = "https://api.github.com";
const TOKEN = "ghs_testtoken000000000000000000000000";
const FILES = {
  aliceStaging: "access/requests/staging-deploy/alice.yaml",
  aliceSupport: "access/requests/support-console/alice.yaml",
  aliceOps: "access/requests/ops-team/alice.yaml",
  bobStaging: "access/requests/staging-deploy/bob.yaml",
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

async function fourGrants(): Promise<{ repo: TestRepo; base: string; main: string }> {
  const repo = await accessRepo();
  const base = await repo.sha();
  for (const f of Object.values(FILES)) await repo.write(f, request("2h"));
  const main = await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
  return { repo, base, main };
}

/** A github-team stand-in that records revokes (its wire format is tested in test/providers). */
function recordingTeam(): Provider & { revoked: GrantRef[] } {
  const revoked: GrantRef[] = [];
  return {
    name: "github-team",
    revoked,
    nativeExpiry: () => false,
    checkTarget: () => {},
    grant: async () => ({ status: "granted", detail: "added" }),
    revoke: async (ref) => (revoked.push(ref), { status: "revoked", detail: "removed" }),
    list: async () => [],
  };
}

describe("selectFiles", () => {
  const onBranch = [...Object.values(FILES), "access/requests/staging-deploy/Alice-x.yaml", "access/requests/README.md"];
  it("by user (case-insensitive), by resource, by file list", () => {
    expect(selectFiles(onBranch, { user: "ALICE" }).files).toEqual([FILES.aliceOps, FILES.aliceStaging, FILES.aliceSupport]);
    expect(selectFiles(onBranch, { resource: "staging-deploy" }).files).toEqual(["access/requests/staging-deploy/Alice-x.yaml", FILES.aliceStaging, FILES.bobStaging]);
    expect(selectFiles(onBranch, { files: [`./${FILES.bobStaging}`, "access/requests/x/nobody.yaml"] })).toEqual({
      files: [FILES.bobStaging],
      notFound: ["access/requests/x/nobody.yaml"],
    });
  });
});

describe("bulk revoke in a local clone", () => {
  it("offboarding a user: one commit removing their files across resources, with a Revoke trailer each; merged and applied", async () => {
    const { repo, base, main } = await fourGrants();
    const ledger = createLocalProvider({ ledgerPath: join(repo.dir, "..", "ledger.json"), now: () => at("2026-03-01T10:00:00Z") });
    const team = recordingTeam();
    const providers = { local: ledger, "github-team": team };
    const granted = await applyPlan(await planChange({ repo: new LocalGitRepo(repo.dir), before: base, after: main }), providers);
    expect(granted.map((g) => g.status)).toEqual(["granted", "granted", "granted", "granted"]);

    const r = await revoke({ repo: localRepository(repo.dir, { env: await gitEnv("2026-03-01T11:00:00Z") }), branch: "main", selector: { user: "alice" }, reason: "offboarding", note: "Left the company (HR-77)." });
    expect(r).toMatchObject({ mode: "local", status: "committed", branch: "gitgrant/revoke-bulk/user/alice", files: [FILES.aliceOps, FILES.aliceStaging, FILES.aliceSupport], notFound: [] });
    expect(await repo.git("diff", "--name-status", main, r.branch)).toBe(`D\t${FILES.aliceOps}\nD\t${FILES.aliceStaging}\nD\t${FILES.aliceSupport}\n`);
    const message = await repo.git("log", "-1", "--format=%B", r.branch);
    expect(message).toContain("Left the company (HR-77).");
    expect(parseTrailers(message)).toEqual([
      { key: "Revoke", value: FILES.aliceOps },
      { key: "Revoke", value: FILES.aliceStaging },
      { key: "Revoke", value: FILES.aliceSupport },
      { key: "Revoke-reason", value: "offboarding" },
    ]);

    const merged = await repo.squashMerge(r.branch, {
      message: evidenceMessage("Revoke every grant of alice (offboarding) (#5)", "", {
        grants: [],
        revokes: r.files.map((path) => ({ path, reason: "offboarding" as const })),
        approvedBy: ["carol"],
        pullRequest: 5,
      }),
    });
    const revoked = await applyPlan(await planChange({ repo: new LocalGitRepo(repo.dir), before: main, after: merged }), providers);
    expect(revoked.map((a) => [a.action.path, a.status])).toEqual([
      [FILES.aliceOps, "revoked"],
      [FILES.aliceStaging, "revoked"],
      [FILES.aliceSupport, "revoked"],
    ]);
    expect(team.revoked.map((x) => x.principal)).toEqual(["alice"]);
    expect(Object.keys((await readLedger(ledger.ledgerPath)).grants)).toEqual(["staging-deploy/bob"]);
  });

  it("by resource (incident containment) and by files; nothing matched is said in words", async () => {
    const { repo, main } = await fourGrants();
    const env = await gitEnv();
    const byResource = await revoke({ repo: localRepository(repo.dir, { env }), branch: "main", selector: { resource: "staging-deploy" }, reason: "incident" });
    expect(byResource.files).toEqual([FILES.aliceStaging, FILES.bobStaging]);
    expect(byResource.branch).toBe("gitgrant/revoke-bulk/resource/staging-deploy");
    const byFiles = await revoke({ repo: localRepository(repo.dir, { env }), branch: "main", selector: { files: [FILES.bobStaging, "access/requests/ops-team/zed.yaml"] }, reason: "relinquished" });
    expect(byFiles).toMatchObject({ files: [FILES.bobStaging], notFound: ["access/requests/ops-team/zed.yaml"], status: "committed" });
    expect(byFiles.branch).toMatch(/^gitgrant\/revoke-bulk\/files\/[0-9a-f]{12}$/);
    const none = await revoke({ repo: localRepository(repo.dir, { env }), branch: "main", selector: { user: "carol" }, reason: "offboarding" });
    expect(none).toMatchObject({ status: "nothing", files: [], detail: "no request file on main matches; nothing to revoke" });
    const dry = await revoke({ repo: localRepository(repo.dir, { env }), branch: "main", selector: { user: "bob" }, reason: "offboarding", dryRun: true });
    expect(dry.status).toBe("planned");
    expect(await repo.git("branch", "--list", "gitgrant/revoke-bulk/user/*")).toBe("");
    expect(await repo.sha("main")).toBe(main);
  });
});

describe("bulk revoke on GitHub", () => {
  const github = () => ({ octokit: gitHub(new Octokit({ auth: TOKEN, log: { debug() {}, info() {}, warn() {}, error() {} } })), owner: "acme", repo: "access" });
  const BRANCH = "gitgrant/revoke-bulk/user/alice";

  it("opens one PR with one commit for every file: git trees (sha null deletes), commits, refs", async () => {
    const { repo, main } = await fourGrants();
    const tree = (await repo.git("rev-parse", `${main}^{tree}`)).trim();
    const scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [])
      .post("/repos/acme/access/git/trees", {
        base_tree: tree,
        tree: [FILES.aliceOps, FILES.aliceStaging, FILES.aliceSupport].map((path) => ({ path, mode: "100644", type: "blob", sha: null })),
      })
      .reply(201, { sha: "t".repeat(40) })
      .post("/repos/acme/access/git/commits", (b) => {
        expect(b.tree).toBe("t".repeat(40));
        expect(b.parents).toEqual([main]);
        expect(parseTrailers(b.message)).toContainEqual({ key: "Revoke-reason", value: "offboarding" });
        expect(parseTrailers(b.message).filter((t) => t.key === "Revoke")).toHaveLength(3);
        return true;
      })
      .reply(201, { sha: "c".repeat(40) })
      .post("/repos/acme/access/git/refs", { ref: `refs/heads/${BRANCH}`, sha: "c".repeat(40) })
      .reply(201, {})
      .post("/repos/acme/access/pulls", (b) => b.title === "Revoke every grant of alice (offboarding)" && b.head === BRANCH && b.base === "main" && b.body.includes("Revoke-reason: offboarding"))
      .reply(201, { number: 77, html_url: "https://github.com/acme/access/pull/77", created_at: "2026-03-01T11:00:00Z" })
      .post("/repos/acme/access/issues/77/labels", { labels: ["access:revoke"] })
      .reply(200, []);
    const r = await revoke({ repo: githubRepository(github(), new LocalGitRepo(repo.dir, { env: await gitEnv() })), branch: "main", selector: { user: "alice" }, reason: "offboarding" });
    scope.done();
    expect(r).toMatchObject({ mode: "github", status: "opened", pr: 77, files: [FILES.aliceOps, FILES.aliceStaging, FILES.aliceSupport] });
  });

  it("running it again refreshes the open PR's branch instead of opening a second", async () => {
    const { repo } = await fourGrants();
    const scope = nock(API)
      .get("/repos/acme/access/pulls")
      .query({ head: `acme:${BRANCH}`, state: "open", per_page: "10" })
      .reply(200, [{ number: 77, html_url: "https://github.com/acme/access/pull/77", created_at: "2026-03-01T11:00:00Z" }])
      .post("/repos/acme/access/git/trees")
      .reply(201, { sha: "t".repeat(40) })
      .post("/repos/acme/access/git/commits")
      .reply(201, { sha: "d".repeat(40) })
      .patch(`/repos/acme/access/git/refs/heads/${BRANCH}`, { sha: "d".repeat(40), force: true })
      .reply(200, {});
    const r = await revoke({ repo: githubRepository(github(), new LocalGitRepo(repo.dir, { env: await gitEnv() })), branch: "main", selector: { user: "alice" }, reason: "offboarding" });
    scope.done();
    expect(r).toMatchObject({ status: "refreshed", pr: 77 });
  });
});
