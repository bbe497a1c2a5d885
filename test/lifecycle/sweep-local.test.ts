import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyPlan } from "../../src/operations/execute.js";
import { planChange } from "../../src/operations/plan.js";
import { evidenceMessage, parseTrailers } from "../../src/core/trailers.js";
import { localRepository } from "../../src/git/changes.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { sweep } from "../../src/operations/sweep.js";
import { createLocalProvider, readLedger } from "../../src/providers/local.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";

afterEach(cleanupRepos);
afterEach(cleanupHomes);

const ALICE = "access/requests/staging-deploy/alice.yaml";
const BRANCH = "gitgrant/revoke/staging-deploy/alice";

async function run(repo: TestRepo, now: string, extra: Partial<Parameters<typeof sweep>[0]> & { commitDate?: Date } = {}) {
  const { commitDate, ...rest } = extra;
  return sweep({ repo: localRepository(repo.dir, { env: await gitEnv(now), commitDate }), branch: "main", now: at(now), ...rest });
}

function ledger(repo: TestRepo) {
  return createLocalProvider({ ledgerPath: join(repo.dir, "..", "ledger.json"), now: () => at("2026-03-01T00:00:00Z") });
}

async function applyPush(repo: TestRepo, before: string, after: string, provider = ledger(repo)) {
  const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before, after });
  return applyPlan(plan, { local: provider }, { sleep: async () => {} });
}

describe("sweep against a local clone", () => {
  it("revokes nothing one second before expiry, and commits the removal on a revoke branch at expiry", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    const main = await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });

    const early = await run(repo, "2026-03-01T11:59:59Z");
    expect(early.revokes).toEqual([]);
    expect(early.problems).toEqual([]);
    expect(await repo.git("branch", "--list", "gitgrant/*")).toBe("");

    const due = await run(repo, "2026-03-01T12:00:00Z", { commitDate: at("2026-03-01T12:00:00Z") });
    expect(due.mode).toBe("local");
    expect(due.revokes).toHaveLength(1);
    const r = due.revokes[0]!;
    expect(r).toMatchObject({ path: ALICE, branch: BRANCH, expires_at: "2026-03-01T12:00:00Z", status: "committed" });
    expect(await repo.sha(BRANCH)).toBe(r.commit);
    // One commit on top of main that removes exactly the file, with the evidence trailers.
    expect((await repo.git("rev-parse", `${BRANCH}^`)).trim()).toBe(main);
    expect(await repo.git("diff", "--name-status", main, BRANCH)).toBe(`D\t${ALICE}\n`);
    const message = await repo.git("log", "-1", "--format=%B", BRANCH);
    expect(message.startsWith("Revoke expired access: staging-deploy for alice\n")).toBe(true);
    expect(parseTrailers(message)).toEqual([
      { key: "Revoke", value: ALICE },
      { key: "Revoke-reason", value: "expired" },
    ]);
    expect((await repo.git("log", "-1", "--format=%cI", BRANCH)).trim()).toBe("2026-03-01T12:00:00+00:00");
    // The checkout is untouched: still on main, the file still in the work tree, nothing staged.
    expect((await repo.git("rev-parse", "--abbrev-ref", "HEAD")).trim()).toBe("main");
    expect(await repo.sha("main")).toBe(main);
    expect(await readFile(join(repo.dir, ALICE), "utf8")).toBe(request("2h"));
    expect(await repo.git("status", "--porcelain")).toBe("");
  });

  it("never makes a second revoke for a file whose revoke branch is waiting", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    const first = await run(repo, "2026-03-01T12:05:00Z");
    const second = await run(repo, "2026-03-01T12:10:00Z");
    expect(second.revokes[0]).toMatchObject({ status: "exists", commit: first.revokes[0]!.commit });
    expect(second.revokes[0]!.detail).toBe(`branch ${BRANCH} already removes it (not merged yet)`);
    expect(await repo.sha(BRANCH)).toBe(first.revokes[0]!.commit);
  });

  it("rewrites a revoke branch left over from an older version of the file (extended, then expired again)", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("1h"));
    await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    const old = (await run(repo, "2026-03-01T11:00:00Z")).revokes[0]!.commit!;
    await repo.write(ALICE, request("2h"));
    const extended = await repo.commit("extend alice", { date: "2026-03-01T11:10:00Z" });
    expect((await run(repo, "2026-03-01T13:09:59Z")).revokes).toEqual([]);
    const again = (await run(repo, "2026-03-01T13:10:00Z")).revokes[0]!;
    expect(again.status).toBe("committed");
    expect(again.commit).not.toBe(old);
    expect((await repo.git("rev-parse", `${BRANCH}^`)).trim()).toBe(extended);
    expect(again.detail).toContain(`rewrote ${BRANCH}`);
  });

  it("a dry run plans the revoke and writes nothing", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    const r = await run(repo, "2026-03-01T13:00:00Z", { dryRun: true });
    expect(r.revokes[0]).toMatchObject({ status: "planned", detail: `would commit the removal on ${BRANCH}` });
    expect(await repo.git("branch", "--list", "gitgrant/*")).toBe("");
  });

  it("the whole life: granted on merge, revoke committed at expiry, merged with trailers and applied: ledger empty", async () => {
    const repo = await accessRepo();
    const base = await repo.sha();
    await repo.write(ALICE, request("2h"));
    const granted = await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    const provider = ledger(repo);
    const applied = await applyPush(repo, base, granted, provider);
    expect(applied.map((a) => a.status)).toEqual(["granted"]);
    expect(Object.keys((await readLedger(provider.ledgerPath)).grants)).toEqual(["staging-deploy/alice"]);

    const swept = await run(repo, "2026-03-01T12:00:00Z");
    expect(swept.revokes[0]!.status).toBe("committed");
    // The app's merge: a squash commit carrying the evidence trailers.
    const merged = await repo.squashMerge(BRANCH, {
      date: "2026-03-01T12:01:00Z",
      message: evidenceMessage("Revoke expired access: staging-deploy for alice (#2)", "", {
        grants: [],
        revokes: [{ path: ALICE, reason: "expired" }],
        approvedBy: [],
        pullRequest: 2,
      }),
    });
    const revoked = await applyPush(repo, granted, merged, provider);
    expect(revoked.map((a) => [a.action.kind, a.status])).toEqual([["revoke", "revoked"]]);
    expect((await readLedger(provider.ledgerPath)).grants).toEqual({});
    expect(parseTrailers(await repo.git("log", "-1", "--format=%B"))).toContainEqual({ key: "Revoke-reason", value: "expired" });
    // Nothing left to sweep.
    const after = await run(repo, "2026-03-01T12:05:00Z");
    expect(after.revokes).toEqual([]);
    expect(after.report.grants).toEqual([]);
  });

  it("grants a request whose starts_at has come, through the apply loop, and only then", async () => {
    const repo = await accessRepo();
    const base = await repo.sha();
    await repo.write(ALICE, request("1h", "starts_at: 2026-03-01T14:00:00Z\n"));
    const landed = await repo.commit("alice later", { date: "2026-03-01T10:00:00Z" });
    const provider = ledger(repo);
    // Apply on merge waits for the start.
    expect(await applyPush(repo, base, landed, provider)).toEqual([]);

    const early = await run(repo, "2026-03-01T13:59:59Z", { providers: { local: provider } });
    expect(early.starts).toEqual([]);
    expect((await readLedger(provider.ledgerPath)).grants).toEqual({});

    const due = await run(repo, "2026-03-01T14:00:00Z", { providers: { local: provider } });
    expect(due.starts).toHaveLength(1);
    expect(due.starts[0]).toMatchObject({ path: ALICE, status: "granted" });
    expect((await readLedger(provider.ledgerPath)).grants["staging-deploy/alice"]).toMatchObject({
      startsAt: "2026-03-01T14:00:00.000Z",
      expiresAt: "2026-03-01T15:00:00.000Z",
    });
    // The next sweep finds it in place (idempotent), and at 15:00 it is revoked like any other.
    expect((await run(repo, "2026-03-01T14:05:00Z", { providers: { local: provider } })).starts[0]!.status).toBe("unchanged");
    const end = await run(repo, "2026-03-01T15:00:00Z", { providers: { local: provider } });
    expect(end.starts).toEqual([]);
    expect(end.revokes[0]!.status).toBe("committed");
  });

  it("without providers the due starts are listed, not granted", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("1h", "starts_at: 2026-03-01T14:00:00Z\n"));
    await repo.commit("alice later", { date: "2026-03-01T10:00:00Z" });
    const r = await run(repo, "2026-03-01T14:30:00Z");
    expect(r.starts).toEqual([{ path: ALICE, status: "not-run", detail: "starts_at 2026-03-01T14:00:00Z has come; no providers were given to grant it" }]);
  });

  it("commits as gitgrant when the machine has no git identity (a bare CI runner)", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    const { HOME, XDG_CONFIG_HOME } = await gitEnv();
    for (const k of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"]) vi.stubEnv(k, undefined);
    try {
      const r = await sweep({ repo: localRepository(repo.dir, { env: { HOME, XDG_CONFIG_HOME, GIT_CONFIG_NOSYSTEM: "1" }, commitDate: at("2026-03-01T12:00:00Z") }), branch: "main", now: at("2026-03-01T12:00:00Z") });
      expect(r.revokes[0]!.status).toBe("committed");
      expect((await repo.git("log", "-1", "--format=%an <%ae> %cn", BRANCH)).trim()).toBe("gitgrant <gitgrant@users.noreply.github.com> gitgrant");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
