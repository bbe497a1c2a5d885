// Faults on the real wire (GitHub's REST and GraphQL APIs for team membership, through nock):
// 5xx bursts, a throttle with a long Retry-After, missing credentials, during grant and
// during revoke. Convergence reports what failed, and the next run completes the work.
// Also: a crash between two provider calls, and fifty merges applied out of order.
import nock from "nock";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalGitRepo } from "../../src/git/local.js";
import { providersForApply } from "../../src/operations/apply-providers.js";
import { converge } from "../../src/operations/converge.js";
import { applyPlan } from "../../src/operations/execute.js";
import { planChange } from "../../src/operations/plan.js";
import { createLocalProvider, readLedger } from "../../src/providers/local.js";
import type { ProviderLookup } from "../../src/operations/execute.js";
import type { Provider } from "../../src/providers/types.js";
import { cleanupHomes, cleanupRepos, gitEnv, type TestRepo } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";
import { MemoryReceiptStore, receipt } from "../helpers/receipts.js";

const API = "https://api.github.com";
const TOKEN = "ghs_faults0000000000000000000000000000";
const ALICE = "access/requests/ops-team/alice.yaml";
const BOB = "access/requests/ops-team/bob.yaml";
const TEAM = "/orgs/acme/teams/ops/memberships";
const NO_SLEEP = async () => {};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

const github = () => nock(API, { reqheaders: { authorization: `token ${TOKEN}` } });
/** The team's immediate members, as GitHub's GraphQL API pages them. */
const members = (scope: nock.Scope, logins: string[]) =>
  scope
    .post("/graphql", (b) => b.variables.org === "acme" && b.variables.team === "ops" && /membership: IMMEDIATE/.test(b.query))
    .reply(200, { data: { organization: { team: { members: { nodes: logins.map((login) => ({ login })), pageInfo: { hasNextPage: false, endCursor: null } } } } } });
const notFound = { message: "Not Found", documentation_url: "https://docs.github.com/rest/teams/members#get-team-membership-for-a-user", status: "404" };
const serverError = { message: "Server Error" };

function teamProviders(env: Record<string, string | undefined>): ProviderLookup {
  const all = providersForApply({ env, local: { ledgerPath: "/nonexistent/ledger.json" } });
  return { "github-team": all["github-team"] };
}

async function run(repo: TestRepo, now: string, providers: ProviderLookup, receipts?: MemoryReceiptStore) {
  return converge({ repo: new LocalGitRepo(repo.dir, { env: await gitEnv(now) }), ref: "main", now: at(now), providers, receipts, resources: ["ops-team"], attempts: 2, sleep: NO_SLEEP, random: () => 0 });
}

describe("faults during grant", () => {
  it("a 5xx burst outlasting every try fails the grant; the next run grants it", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
    const providers = teamProviders({ GITHUB_TOKEN: TOKEN });
    const burst = github();
    members(burst, []);
    burst.get(`${TEAM}/alice`).times(6).reply(502, serverError);
    const first = await run(repo, "2026-03-01T10:05:00Z", providers);
    burst.done();
    expect(first.failed.map((f) => [f.action.path, f.errorKind])).toEqual([[ALICE, "transient"]]);
    expect(first.rounds).toBe(3);

    const next = github();
    members(next, []);
    next
      .get(`${TEAM}/alice`)
      .reply(404, notFound)
      .get("/orgs/acme/memberships/alice")
      .reply(200, { state: "active", role: "member", user: { login: "alice" }, organization: { login: "acme" } })
      .put(`${TEAM}/alice`, { role: "member" })
      .reply(200, { role: "member", state: "active", url: `${API}${TEAM}/alice` });
    const second = await run(repo, "2026-03-01T10:10:00Z", providers);
    next.done();
    expect(second.results.map((r) => r.status)).toEqual(["granted"]);
    expect(second.problems).toEqual([]);
  });

  it("missing credentials: reported once, not retried; with the token set the next run grants", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
    const first = await run(repo, "2026-03-01T10:05:00Z", teamProviders({}));
    expect(first.results).toEqual([]);
    expect(first.problems).toEqual([expect.stringMatching(/^ops-team: not converged: .*no GitHub token in the environment/)]);

    const next = github();
    members(next, []);
    next
      .get(`${TEAM}/alice`)
      .reply(404, notFound)
      .get("/orgs/acme/memberships/alice")
      .reply(200, { state: "active", role: "member" })
      .put(`${TEAM}/alice`, { role: "member" })
      .reply(200, { role: "member", state: "active" });
    const second = await run(repo, "2026-03-01T10:10:00Z", teamProviders({ GITHUB_TOKEN: TOKEN }));
    next.done();
    expect(second.results.map((r) => r.status)).toEqual(["granted"]);
  });
});

describe("faults during revoke", () => {
  it("a throttle with Retry-After: 600 is not waited out nor asked again this run; the next run revokes", async () => {
    const repo = await accessRepo(); // bob's file was deleted; the push that would revoke him was lost
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", BOB, "bob")] }]);
    const providers = teamProviders({ GITHUB_TOKEN: TOKEN });
    const throttled = github();
    members(throttled, ["bob"]);
    throttled
      .get(`${TEAM}/bob`)
      .reply(200, { role: "member", state: "active" })
      .delete(`${TEAM}/bob`)
      .reply(429, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "600" });
    const first = await run(repo, "2026-03-01T10:05:00Z", providers, receipts);
    throttled.done();
    expect(first.rounds).toBe(1);
    expect(first.failed.map((f) => f.errorKind)).toEqual(["throttled"]);
    expect(first.failed[0]!.detail).toContain("asked to wait 600 s");

    const next = github();
    members(next, ["bob"]);
    next.get(`${TEAM}/bob`).reply(200, { role: "member", state: "active" }).delete(`${TEAM}/bob`).reply(204);
    const second = await run(repo, "2026-03-01T10:20:00Z", providers, receipts);
    next.done();
    expect(second.results.map((r) => [r.action.kind, r.status])).toEqual([["revoke", "revoked"]]);
  });

  it("a 503 burst during revoke is retried in later rounds of the same run", async () => {
    const repo = await accessRepo();
    const receipts = new MemoryReceiptStore([{ commit: "a".repeat(40), receipts: [receipt("created", BOB, "bob")] }]);
    const scope = github();
    members(scope, ["bob"]);
    scope
      .get(`${TEAM}/bob`)
      .times(2)
      .reply(503, serverError)
      .get(`${TEAM}/bob`)
      .reply(200, { role: "member", state: "active" })
      .delete(`${TEAM}/bob`)
      .reply(204);
    const r = await run(repo, "2026-03-01T10:05:00Z", teamProviders({ GITHUB_TOKEN: TOKEN }), receipts);
    scope.done();
    expect(r.rounds).toBe(2);
    expect(r.results.map((x) => x.status)).toEqual(["revoked"]);
  });
});

describe("crash and disorder", () => {
  function ledgerAt(repo: TestRepo) {
    return createLocalProvider({ ledgerPath: join(repo.dir, "..", "ledger.json"), now: () => at("2026-03-01T00:00:00Z") });
  }

  it("a crash between two provider calls of one apply: the next run makes the second and repeats neither", async () => {
    const repo = await accessRepo();
    const base = await repo.sha();
    await repo.write("access/requests/staging-deploy/alice.yaml", request("2h"));
    await repo.write("access/requests/staging-deploy/bob.yaml", request("2h"));
    const head = await repo.commit("two", { date: "2026-03-01T10:00:00Z" });
    const ledger = ledgerAt(repo);
    let calls = 0;
    let firstDone!: () => void;
    const crashed = new Promise<void>((r) => (firstDone = r));
    // The second grant never returns: the process died after the first call.
    const dying: Provider = { ...ledger, grant: (g) => (++calls === 1 ? ledger.grant(g).finally(() => setTimeout(firstDone, 0)) : new Promise(() => {})) };
    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: base, after: head, now: at("2026-03-01T10:00:00Z") });
    void applyPlan(plan, { local: dying }, { sleep: NO_SLEEP });
    await crashed;
    expect(Object.keys((await readLedger(join(repo.dir, "..", "ledger.json"))).grants)).toEqual(["staging-deploy/alice"]);

    const counted: string[] = [];
    const watching: Provider = { ...ledger, grant: (g) => (counted.push(g.path), ledger.grant(g)), revoke: (r) => (counted.push(`-${r.path}`), ledger.revoke(r)) };
    const r = await converge({ repo: new LocalGitRepo(repo.dir, { env: await gitEnv() }), ref: "main", now: at("2026-03-01T10:01:00Z"), providers: { local: watching }, resources: ["staging-deploy"], sleep: NO_SLEEP });
    expect(counted).toEqual(["access/requests/staging-deploy/bob.yaml"]);
    expect(r.results.map((x) => x.status)).toEqual(["granted"]);
    expect(Object.keys((await readLedger(join(repo.dir, "..", "ledger.json"))).grants).sort()).toEqual(["staging-deploy/alice", "staging-deploy/bob"]);
  });

  it("fifty merges applied out of order converge to the tree, each grant held exactly once", async () => {
    const repo = await accessRepo();
    const users = Array.from({ length: 40 }, (_, i) => `user${String(i).padStart(2, "0")}`);
    await repo.write("access/identities.yaml", `users:\n${users.map((u) => `  ${u}: { github: ${u} }\n`).join("")}`);
    const shas = [await repo.commit("identities", { date: "2026-03-01T09:30:00Z" })];
    // 40 merges grant; 10 more each delete one of the first ten.
    for (let i = 0; i < 50; i++) {
      const minute = String(i % 60).padStart(2, "0");
      if (i < 40) await repo.write(`access/requests/support-console/${users[i]}.yaml`, request("7d"));
      else await repo.rm(`access/requests/support-console/${users[i - 40]}.yaml`);
      shas.push(await repo.commit(`merge ${i}`, { date: `2026-03-01T10:${minute}:00Z` }));
    }
    const ledger = ledgerAt(repo);
    const read = new LocalGitRepo(repo.dir);
    // A scrambled, deterministic order: pushes handled late, early, twice or not at all.
    const order = Array.from({ length: 50 }, (_, i) => (i * 17) % 50).filter((i) => i % 13 !== 5);
    for (const i of [...order, order[3]!]) {
      // As the app's push handler does: the pushed commit's time is the landing, no history walk.
      const plan = await planChange({ repo: read, before: shas[i]!, after: shas[i + 1]!, landedAt: at(`2026-03-01T10:${String(i % 60).padStart(2, "0")}:00Z`), now: at("2026-03-01T11:00:00Z") });
      await applyPlan(plan, { local: ledger }, { sleep: NO_SLEEP });
    }
    const r = await converge({ repo: new LocalGitRepo(repo.dir, { env: await gitEnv() }), ref: "main", now: at("2026-03-01T11:00:00Z"), providers: { local: ledger }, sleep: NO_SLEEP });
    expect(r.failed).toEqual([]);
    const held = Object.values((await readLedger(join(repo.dir, "..", "ledger.json"))).grants).map((g) => g.principal).sort();
    expect(held).toEqual(users.slice(10));
    expect(new Set(held).size).toBe(held.length);
    const again = await converge({ repo: new LocalGitRepo(repo.dir, { env: await gitEnv() }), ref: "main", now: at("2026-03-01T11:05:00Z"), providers: { local: ledger }, sleep: NO_SLEEP });
    expect(again.results).toEqual([]);
  }, 400_000); // 51 commits and 47 applies on a real repository: slow on a busy machine, never waiting
});
