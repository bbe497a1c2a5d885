// The lifecycle commands as a user runs them: flags, JSON output, exit statuses.
import nock from "nock";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { readLedger, writeLedger } from "../../src/providers/local.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, request } from "../helpers/orgs.js";

const ALICE = "access/requests/staging-deploy/alice.yaml";
const BOB = "access/requests/support-console/bob.yaml";

beforeAll(() => nock.disableNetConnect());
beforeEach(async () => {
  // The commands run git with the process environment: make it hermetic.
  for (const [k, v] of Object.entries(await gitEnv("2026-03-01T12:00:00Z"))) vi.stubEnv(k, v!);
});
afterEach(() => {
  vi.unstubAllEnvs();
  nock.cleanAll();
});
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

function io(cwd: string, env: NodeJS.ProcessEnv = {}): Io & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (t) => void out_.push(t), err: (t) => void err_.push(t), cwd, env };
}

async function grants(): Promise<TestRepo> {
  const repo = await accessRepo();
  await repo.write(ALICE, request("2h"));
  await repo.write(BOB, request("14d"));
  await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
  return repo;
}

describe("gitgrant sweep", () => {
  it("local mode without a token: JSON with the committed revoke, exit 0", async () => {
    const repo = await grants();
    const t = io(repo.dir);
    expect(await main(["sweep", "--now", "2026-03-01T12:00:00Z", "--format", "json"], t)).toBe(0);
    const out = JSON.parse(t.out_.join("\n"));
    expect(out).toMatchObject({ mode: "local", dry_run: false, now: "2026-03-01T12:00:00Z", branch: "main", counts: { active: 1, expired: 1, pending: 0, unreadable: 0 } });
    expect(out.revokes).toHaveLength(1);
    expect(out.revokes[0]).toMatchObject({ path: ALICE, status: "committed", branch: "gitgrant/revoke/staging-deploy/alice" });
    expect((await repo.git("log", "-1", "--format=%cI", "gitgrant/revoke/staging-deploy/alice")).trim()).toBe("2026-03-01T12:00:00+00:00");
  });

  it("prints a table for people, and exits 1 when a file on the branch cannot be judged", async () => {
    const repo = await grants();
    await repo.write("access/requests/staging-deploy/zed.yaml", request("1h"));
    await repo.commit("zed", { date: "2026-03-01T10:30:00Z" });
    const t = io(repo.dir);
    expect(await main(["sweep", "--repo", repo.dir, "--now", "2026-03-01T11:00:00Z", "--dry-run"], t)).toBe(1);
    const text = t.out_.join("\n");
    expect(text).toContain("(local clone, dry run)");
    expect(text).toContain("2 active, 0 expired, 0 not started yet, 1 unreadable");
    expect(text).toContain("Nothing has expired.");
    expect(text).toContain("access/requests/staging-deploy/zed.yaml: zed is not listed in access/identities.yaml");
  });

  it("GitHub mode from GITHUB_TOKEN and GITHUB_REPOSITORY", async () => {
    const repo = await grants();
    const scope = nock("https://api.github.com", { reqheaders: { authorization: "token ghs_cli000000000000000000000000000000" } })
      .get("/repos/acme/access/pulls")
      .query({ head: "acme:gitgrant/revoke/staging-deploy/alice", state: "open", per_page: "10" })
      .reply(200, [
        {
          number: 3,
          html_url: "https://github.com/acme/access/pull/3",
          created_at: "2026-03-01T12:00:00Z",
          draft: false,
          user: { login: "github-actions[bot]", type: "Bot" },
          head: { ref: "gitgrant/revoke/staging-deploy/alice", repo: { full_name: "acme/access" } },
          base: { ref: "main" },
        },
      ])
      .get("/repos/acme/access/pulls/3/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: "access/requests/staging-deploy/alice.yaml", status: "removed" }])
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [])
      // Before convergence changes the ledger (bob's grant): main on GitHub is still this clone's tip.
      .get("/repos/acme/access/git/ref/heads%2Fmain")
      .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: await repo.sha() } });
    const t = io(repo.dir, { GITHUB_TOKEN: "ghs_cli000000000000000000000000000000", GITHUB_REPOSITORY: "acme/access", GITGRANT_SWEEP_LOGINS: "github-actions[bot]" });
    expect(await main(["sweep", "--now", "2026-03-01T12:01:00Z"], t)).toBe(0);
    scope.done();
    expect(t.out_.join("\n")).toContain("exists  access/requests/staging-deploy/alice.yaml  2026-03-01T12:00:00Z  revoke PR #3 is already open https://github.com/acme/access/pull/3");
    // --local wins over the token.
    const local = io(repo.dir, { GITHUB_TOKEN: "ghs_cli000000000000000000000000000000", GITHUB_REPOSITORY: "acme/access" });
    expect(await main(["sweep", "--local", "--dry-run", "--now", "2026-03-01T12:01:00Z", "--format", "json"], local)).toBe(0);
    expect(JSON.parse(local.out_.join("\n")).mode).toBe("local");
  });

  it("GitHub mode: a merge landed on GitHub while the sweep listed the targets, so convergence changes nothing and says so (exit 1)", async () => {
    const repo = await grants();
    const ledger = join(repo.dir, "ledger.json");
    await writeLedger(ledger, { version: 1, grants: {} });
    // 11:00: alice and bob are both active and nothing has expired; the ledger lacks both.
    const scope = nock("https://api.github.com")
      .get("/repos/acme/access/pulls")
      .query({ state: "open", per_page: "100" })
      .reply(200, [])
      .get("/repos/acme/access/git/ref/heads%2Fmain")
      .reply(200, { ref: "refs/heads/main", object: { type: "commit", sha: "f".repeat(40) } });
    const t = io(repo.dir, { GITHUB_TOKEN: "ghs_cli000000000000000000000000000000", GITHUB_REPOSITORY: "acme/access", GITGRANT_SWEEP_LOGINS: "github-actions[bot]", GITGRANT_LEDGER: ledger });
    expect(await main(["sweep", "--now", "2026-03-01T11:00:00Z", "--format", "json"], t)).toBe(1);
    scope.done();
    const out = JSON.parse(t.out_.join("\n"));
    expect(out.problems.join("\n")).toMatch(/convergence changed nothing: the branch moved from [0-9a-f]{7} to fffffff while its targets were listed.*the next run converges at the new tip \(2 change\(s\) waiting\)/);
    // Nothing was granted from the older tree: the newer one may have deleted either file.
    expect((await readLedger(ledger)).grants).toEqual({});
  });

  it("usage errors exit 2: a bad --now, --github without a token", async () => {
    const repo = await grants();
    const t = io(repo.dir);
    expect(await main(["sweep", "--now", "tomorrow"], t)).toBe(2);
    expect(await main(["sweep", "--github", "acme/access"], t)).toBe(2);
    expect(t.err_.join("\n")).toContain("--github acme/access needs a token in GITHUB_TOKEN");
  });
});

describe("gitgrant revoke", () => {
  it("--user with --reason: one local commit, JSON out", async () => {
    const repo = await grants();
    const t = io(repo.dir);
    expect(await main(["revoke", "--user", "alice", "--reason", "offboarding", "--format", "json"], t)).toBe(0);
    expect(JSON.parse(t.out_.join("\n"))).toMatchObject({ status: "committed", files: [ALICE], branch: "gitgrant/revoke-bulk/user/alice" });
  });

  it("FILE arguments; a file not on the branch is a finding (exit 1)", async () => {
    const repo = await grants();
    const t = io(repo.dir);
    expect(await main(["revoke", BOB, "access/requests/support-console/zed.yaml", "--reason", "relinquished"], t)).toBe(1);
    expect(t.out_.join("\n")).toContain("not on main: access/requests/support-console/zed.yaml");
  });

  it("usage: exactly one selector and a known reason", async () => {
    const repo = await grants();
    const t = io(repo.dir);
    expect(await main(["revoke", "--reason", "offboarding"], t)).toBe(2);
    expect(await main(["revoke", "--user", "alice", "--resource", "x", "--reason", "offboarding"], t)).toBe(2);
    expect(await main(["revoke", "--user", "alice", "--reason", "expired"], t)).toBe(2);
    expect(t.err_.join("\n")).toContain('--reason must be one of offboarding, incident, relinquished, other, not "expired"');
  });
});

describe("gitgrant reconcile", () => {
  it("reports drift on the local ledger (exit 1), --fix repairs it (exit 0)", async () => {
    const repo = await accessRepo();
    await repo.write(BOB, request("14d"));
    await repo.commit("bob", { date: "2026-03-01T10:00:00Z" });
    const ledger = join(repo.dir, "..", "ledger.json");
    await writeLedger(ledger, { version: 1, grants: {} });
    const t = io(repo.dir);
    const args = ["reconcile", "--now", "2026-03-01T11:00:00Z", "--ledger", ledger, "--resource", "support-console", "--resource", "staging-deploy"];
    expect(await main([...args, "--format", "json"], t)).toBe(1);
    const out = JSON.parse(t.out_.join("\n"));
    expect(out.checked).toEqual(["staging-deploy", "support-console"]);
    expect(out.drift.map((d: { kind: string; principal: string }) => [d.kind, d.principal])).toEqual([["missing", "bob"]]);
    const fix = io(repo.dir);
    expect(await main([...args, "--fix"], fix)).toBe(0);
    expect(fix.out_.join("\n")).toContain("granted  support-console  bob");
    expect(Object.keys((await readLedger(ledger)).grants)).toEqual(["support-console/bob"]);
    const again = io(repo.dir);
    expect(await main(args, again)).toBe(0);
    expect(again.out_.join("\n")).toContain("No drift: every target matches git.");
  });
});

describe("gitgrant reconcile on GitHub", () => {
  const TOKEN = "ghs_cli000000000000000000000000000000";
  const env = { GITHUB_TOKEN: TOKEN, GITHUB_REPOSITORY: "acme/access" };
  const members = (...logins: string[]) => ({
    data: { organization: { team: { members: { nodes: logins.map((login) => ({ login })), pageInfo: { hasNextPage: false, endCursor: null } } } } },
  });

  it("--fix reports a team member without a request file in one access:drift issue, and updates it on the next run", async () => {
    const repo = await accessRepo();
    await repo.write("access/requests/ops-team/alice.yaml", request("2h"));
    await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
    const args = ["reconcile", "--now", "2026-03-01T11:00:00Z", "--resource", "ops-team", "--fix", "--format", "json"];
    const first = nock("https://api.github.com", { reqheaders: { authorization: `token ${TOKEN}` } })
      .post("/graphql", (body) => /membership: IMMEDIATE/.test(body.query))
      .reply(200, members("alice", "mallory"))
      .get("/repos/acme/access/issues")
      .query({ labels: "access:drift", state: "open", per_page: "10" })
      .reply(200, [{ number: 4, html_url: "https://github.com/acme/access/pull/4", pull_request: {} }])
      .post("/repos/acme/access/issues", (b) => {
        expect(b.title).toBe("Access drift: 1 grant(s) without a request file");
        expect(b.labels).toEqual(["access:drift"]);
        expect(b.body).toContain("| ops-team | github-team | mallory | mallory holds ops-team with no request file, and gitgrant did not create it |");
        expect(b.body).toContain("gitgrant never removes access it did not create");
        return true;
      })
      .reply(201, { number: 9, html_url: "https://github.com/acme/access/issues/9" });
    const t = io(repo.dir, env);
    expect(await main(args, t)).toBe(1); // mallory is still in the team: drift remains
    first.done();
    expect(JSON.parse(t.out_.join("\n")).issue).toEqual({ status: "opened", number: 9, url: "https://github.com/acme/access/issues/9" });

    const second = nock("https://api.github.com")
      .post("/graphql", (body) => /membership: IMMEDIATE/.test(body.query))
      .reply(200, members("alice", "mallory"))
      .get("/repos/acme/access/issues")
      .query({ labels: "access:drift", state: "open", per_page: "10" })
      .reply(200, [{ number: 9, html_url: "https://github.com/acme/access/issues/9" }])
      .patch("/repos/acme/access/issues/9", (b) => b.title === "Access drift: 1 grant(s) without a request file" && b.body.includes("mallory"))
      .reply(200, { number: 9 });
    const t2 = io(repo.dir, env);
    expect(await main(args, t2)).toBe(1);
    second.done();
    expect(JSON.parse(t2.out_.join("\n")).issue.status).toBe("updated");
  });
});

describe("--help", () => {
  it.each(["sweep", "revoke", "reconcile", "demo"])("%s --help explains itself", async (name) => {
    const t = io(process.cwd());
    expect(await main([name, "--help"], t)).toBe(0);
    const text = t.out_.join("\n");
    expect(text).toContain(`Usage: gitgrant ${name}`);
    expect(text).toContain("--format <format>");
  });
});
