import { afterEach, describe, expect, it } from "vitest";
import { LocalGitRepo } from "../../src/git/local.js";
import { statusAt } from "../../src/core/expiry.js";
import { expiryReport } from "../../src/operations/expiry.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";

afterEach(cleanupRepos);
afterEach(cleanupHomes);

const ALICE = "access/requests/staging-deploy/alice.yaml";
const BOB = "access/requests/support-console/bob.yaml";

async function report(dir: string, now: string) {
  return expiryReport(new LocalGitRepo(dir, { env: await gitEnv() }), { ref: "main", now: at(now) });
}

describe("expiry from git history", () => {
  it("a 2h grant landed at 10:00 is active at 11:59:59 and expired at 12:00:00 exactly", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    const landing = await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });

    const before = await report(repo.dir, "2026-03-01T11:59:59Z");
    expect(before.grants.map((g) => [g.path, g.status])).toEqual([[ALICE, "active"]]);
    expect(before.grants[0]!.grant.startsAt.toISOString()).toBe("2026-03-01T10:00:00.000Z");
    expect(before.grants[0]!.grant.expiresAt.toISOString()).toBe("2026-03-01T12:00:00.000Z");
    expect(before.grants[0]!.landingSha).toBe(landing);

    const exactly = await report(repo.dir, "2026-03-01T12:00:00Z");
    expect(exactly.grants[0]!.status).toBe("expired");
    expect(exactly.grants[0]!.words).toContain("expired at 2026-03-01T12:00:00Z");
    expect(exactly.unreadable).toEqual([]);
    expect(exactly.configProblems).toEqual([]);
  });

  it("starts_at delays the window: pending before it, active from it, expired after the duration", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("1h", "starts_at: 2026-03-01T14:00:00Z\n"));
    await repo.commit("grant alice later", { date: "2026-03-01T10:00:00Z" });
    const pending = await report(repo.dir, "2026-03-01T13:59:59Z");
    expect(pending.grants[0]).toMatchObject({ status: "pending", delayed: true });
    expect(pending.grants[0]!.words).toContain("starts at 2026-03-01T14:00:00Z");
    expect((await report(repo.dir, "2026-03-01T14:00:00Z")).grants[0]!.status).toBe("active");
    expect((await report(repo.dir, "2026-03-01T14:59:59Z")).grants[0]!.status).toBe("active");
    expect((await report(repo.dir, "2026-03-01T15:00:00Z")).grants[0]!.status).toBe("expired");
  });

  it("an extension (an edit that lands later) restarts the window from the new landing", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("grant alice", { date: "2026-03-01T10:00:00Z" });
    expect((await report(repo.dir, "2026-03-01T12:00:01Z")).grants[0]!.status).toBe("expired");

    // Merged as a PR (a merge commit on the first-parent line): it lands when the merge does.
    await repo.branch("extend");
    await repo.write(ALICE, request("4h", "ticket: INC-1201\n"));
    await repo.commit("extend", { date: "2026-03-01T11:00:00Z", author: "alice" });
    await repo.checkout("main");
    const merge = await repo.merge("extend", { date: "2026-03-01T11:30:00Z" });

    const after = await report(repo.dir, "2026-03-01T12:00:01Z");
    expect(after.grants[0]).toMatchObject({ status: "active", landingSha: merge });
    expect(after.grants[0]!.grant.startsAt.toISOString()).toBe("2026-03-01T11:30:00.000Z");
    expect(after.grants[0]!.grant.expiresAt.toISOString()).toBe("2026-03-01T15:30:00.000Z");
    expect((await report(repo.dir, "2026-03-01T15:29:59Z")).grants[0]!.status).toBe("active");
    expect((await report(repo.dir, "2026-03-01T15:30:00Z")).grants[0]!.status).toBe("expired");
  });

  it("windows are judged per file in one pass; unreadable files are listed with the reason", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.commit("alice", { date: "2026-03-01T10:00:00Z" });
    await repo.write(BOB, request("14d"));
    await repo.write("access/requests/staging-deploy/dave.yaml", request("1h")); // dave has no identity
    await repo.write("access/requests/staging-deploy/notes.txt", "hi\n");
    await repo.commit("more", { date: "2026-03-02T10:00:00Z" });
    const r = await report(repo.dir, "2026-03-02T11:00:00Z");
    expect(r.grants.map((g) => [g.path, g.status])).toEqual([
      [ALICE, "expired"],
      [BOB, "active"],
    ]);
    expect(r.unreadable.map((u) => u.path)).toEqual(["access/requests/staging-deploy/notes.txt", "access/requests/staging-deploy/dave.yaml"]);
    expect(r.unreadable[1]!.reason).toContain("dave is not listed in access/identities.yaml");
    expect(r.grants[1]!.grant.expiresAt.toISOString()).toBe("2026-03-16T10:00:00.000Z");
  });

  it("a broken config on the branch is reported and no window is trusted", async () => {
    const repo = await accessRepo();
    await repo.write(ALICE, request("2h"));
    await repo.write("access/policy.yaml", "tiers: [");
    await repo.commit("break", { date: "2026-03-01T10:00:00Z" });
    const r = await report(repo.dir, "2026-03-01T13:00:00Z");
    expect(r.grants).toEqual([]);
    expect(r.configProblems[0]).toMatch(/^access\/policy\.yaml/);
    expect(r.unreadable).toEqual([{ path: ALICE, reason: "the access configuration on the branch is broken" }]);
  });

  it("statusAt: start inclusive, expiry exclusive", () => {
    const g = { startsAt: at("2026-03-01T10:00:00Z"), expiresAt: at("2026-03-01T12:00:00Z") };
    expect(statusAt(g, at("2026-03-01T09:59:59Z"))).toBe("pending");
    expect(statusAt(g, at("2026-03-01T10:00:00Z"))).toBe("active");
    expect(statusAt(g, at("2026-03-01T11:59:59Z"))).toBe("active");
    expect(statusAt(g, at("2026-03-01T12:00:00Z"))).toBe("expired");
  });
});

describe("batch blob reader", () => {
  it("reads many files through one cat-file process, byte for byte", async () => {
    const repo = await accessRepo();
    const texts: Record<string, string> = {};
    for (let i = 0; i < 50; i++) texts[`access/requests/support-console/user-${i}.yaml`] = `reason: "café ☕ ${i}"\r\nduration: ${i + 1}h\n\n`;
    texts["access/requests/support-console/empty.yaml"] = "";
    await repo.writeAll(texts);
    const sha = await repo.commit("many");
    const env = await gitEnv();
    const local = new LocalGitRepo(repo.dir, { env });
    const entries = await local.listBlobs(sha, "access/requests");
    expect(entries).toHaveLength(51);
    const blobs = await local.readBlobs(entries.map((e) => e.sha));
    for (const e of entries) expect(blobs.get(e.sha)).toBe(texts[e.path]);
  });
});
