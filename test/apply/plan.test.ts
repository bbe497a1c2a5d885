import { afterEach, describe, expect, it } from "vitest";
import { planChange } from "../../src/operations/plan.js";
import type { GrantAction, RevokeAction } from "../../src/operations/plan-types.js";
import { LocalGitRepo, ZERO_SHA } from "../../src/git/local.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { replicaRequest as request, org } from "../helpers/orgs.js";

afterEach(cleanupRepos);

const REQ = "access/requests";
const native = (r: { provider: string; target: Record<string, unknown> }) => r.provider === "aws-iam" && r.target.mode === "assume-role";

async function baseRepo() {
  const repo = await makeRepo();
  await repo.writeAll({
    ...org("apply").files(),
    [`${REQ}/staging-deploy/alice.yaml`]: request("2h"),
    [`${REQ}/prod-db-read/bob.yaml`]: request("2h"),
    [`${REQ}/prod-db-read/carol.yaml`]: request("1h"),
  });
  const c1 = await repo.commit("base with three grants", { date: "2026-03-01T09:00:00Z" });
  return { repo, c1 };
}

const grantOf = (a: unknown) => a as GrantAction;

describe("planChange", () => {
  it("a push with an edit, a deletion and an addition: revoke first, then grants windowed from the landing commit's committer time", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.write(`${REQ}/staging-deploy/alice.yaml`, request("4h"));
    await repo.rm(`${REQ}/prod-db-read/bob.yaml`);
    await repo.write(`${REQ}/staging-deploy/erin.yaml`, request("3h"));
    await repo.write("README.md", "not a request\n");
    // Author date earlier than the committer date: the landing is the committer date.
    const c2 = await repo.commit("extend alice, drop bob, add erin", { date: "2026-03-02T10:00:00Z", committerDate: "2026-03-02T10:00:30Z" });

    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: c1, after: c2, nativeExpiry: native });

    expect(plan.before).toBe(c1);
    expect(plan.after).toBe(c2);
    expect(plan.skipped).toEqual([]);
    expect(plan.actions.map((a) => [a.kind, a.path, a.change, a.words])).toEqual([
      ["revoke", `${REQ}/prod-db-read/bob.yaml`, "deleted", "revoke bob → prod-db-read"],
      ["grant", `${REQ}/staging-deploy/alice.yaml`, "modified", "grant alice → staging-deploy until 2026-03-02 14:00:30 UTC (removed by the sweep at expiry)"],
      ["grant", `${REQ}/staging-deploy/erin.yaml`, "added", "grant erin → staging-deploy until 2026-03-02 13:00:30 UTC (removed by the sweep at expiry)"],
    ]);
    const revoke = plan.actions[0] as RevokeAction;
    expect(revoke.ref.principal).toBe("bob");
    expect(revoke.ref.resource.provider).toBe("aws-iam");
    const alice = grantOf(plan.actions[1]);
    expect(alice.landedAt.toISOString()).toBe("2026-03-02T10:00:30.000Z");
    expect(alice.grant.startsAt.toISOString()).toBe("2026-03-02T10:00:30.000Z");
    expect(alice.grant.expiresAt.toISOString()).toBe("2026-03-02T14:00:30.000Z");
    expect(grantOf(plan.actions[2]).grant.principal).toBe("erin-contractor");
  });

  it("an all-zero before (the push created the branch) grants every request file, and reads no config at before", async () => {
    const { repo, c1 } = await baseRepo();
    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: ZERO_SHA, after: c1, nativeExpiry: native });
    expect(plan.before).toBe(ZERO_SHA);
    expect(plan.actions.map((a) => [a.kind, a.path])).toEqual([
      ["grant", `${REQ}/prod-db-read/bob.yaml`],
      ["grant", `${REQ}/prod-db-read/carol.yaml`],
      ["grant", `${REQ}/staging-deploy/alice.yaml`],
    ]);
    expect(plan.actions[0]!.words).toBe("grant bob → prod-db-read until 2026-03-01 11:00 UTC (native expiry)");
    expect(grantOf(plan.actions[1]).grant.principal).toBe("carol-aws");
  });

  it("a force-push plans whatever differs between the two tips, not what the new commits add", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.write(`${REQ}/prod-db-admin/alice.yaml`, request("1h", "ticket: INC-9\n"));
    const old = await repo.commit("alice admin", { date: "2026-03-02T08:00:00Z" });
    // Rewrite main: drop that commit, and in its place remove carol and add erin.
    await repo.git("reset", "--quiet", "--hard", c1);
    await repo.rm(`${REQ}/prod-db-read/carol.yaml`);
    await repo.write(`${REQ}/staging-deploy/erin.yaml`, request("1h"));
    const rewritten = await repo.commit("rewritten", { date: "2026-03-02T09:00:00Z" });

    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: old, after: rewritten });
    expect(plan.actions.map((a) => [a.kind, a.path])).toEqual([
      ["revoke", `${REQ}/prod-db-admin/alice.yaml`],
      ["revoke", `${REQ}/prod-db-read/carol.yaml`],
      ["grant", `${REQ}/staging-deploy/erin.yaml`],
    ]);
  });

  it("a given landing time (the pushed head commit's) is every file's window start, and caps still apply", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.write(`${REQ}/prod-db-admin/alice.yaml`, request("3h", "ticket: INC-9\n"));
    const c2 = await repo.commit("alice admin", { date: "2026-03-02T08:00:00Z" });
    const landedAt = new Date("2026-03-02T08:05:00Z");
    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: c1, after: c2, landedAt });
    const action = grantOf(plan.actions[0]);
    expect(action.grant.startsAt).toEqual(landedAt);
    // 3h asked, but the escalated tier caps at 2h.
    expect(action.grant.expiresAt.toISOString()).toBe("2026-03-02T10:05:00.000Z");
    expect(action.capped).toBe(`shortened to tier "escalated"'s max_duration of 2h`);
  });

  it("a later starts_at is left for the sweep, and a window already over is not granted", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.write(`${REQ}/staging-deploy/erin.yaml`, request("2h", "starts_at: 2026-03-05T08:00:00Z\n"));
    await repo.write(`${REQ}/staging-deploy/alice.yaml`, request("1h"));
    const c2 = await repo.commit("later start, short window", { date: "2026-03-02T10:00:00Z" });

    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: c1, after: c2, now: new Date("2026-03-02T11:30:00Z") });
    expect(plan.actions).toEqual([]);
    expect(plan.skipped).toEqual([
      { path: `${REQ}/staging-deploy/alice.yaml`, reason: "its window ended at 2026-03-02 11:00 UTC; nothing to grant (the sweep removes the file)", problem: false },
      {
        path: `${REQ}/staging-deploy/erin.yaml`,
        reason: "starts at 2026-03-05 08:00 UTC; the sweep grants it then",
        problem: false,
        // The grant it will be, so the app's expiry timer can end it at its second.
        pending: expect.objectContaining({ login: "erin", startsAt: new Date("2026-03-05T08:00:00Z"), expiresAt: new Date("2026-03-05T10:00:00Z") }),
      },
    ]);
  });

  it("an invalid file that reached the branch and a deletion that cannot be resolved are reported as problems", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.write(`${REQ}/staging-deploy/mallory.yaml`, request("1h"));
    await repo.write(`${REQ}/staging-deploy/notes.txt`, "hello\n");
    const c2 = await repo.commit("hand-merged junk", { date: "2026-03-02T10:00:00Z" });
    // Then the catalog drops prod-db-read in the same push that deletes bob's file.
    await repo.write("access/catalog.yaml", (await repo.git("show", `${c1}:access/catalog.yaml`)).replace(/  prod-db-read:[\s\S]*?role\/prod-db-read" }\n/, ""));
    await repo.rm(`${REQ}/prod-db-read/bob.yaml`);
    await repo.rm(`${REQ}/prod-db-read/carol.yaml`);
    const c3 = await repo.commit("retire prod-db-read", { date: "2026-03-02T11:00:00Z" });
    const local = new LocalGitRepo(repo.dir);

    const junk = await planChange({ repo: local, before: c1, after: c2 });
    expect(junk.actions).toEqual([]);
    expect(junk.skipped.map((s) => [s.path, s.problem])).toEqual([
      [`${REQ}/staging-deploy/mallory.yaml`, true],
      [`${REQ}/staging-deploy/notes.txt`, true],
    ]);
    expect(junk.skipped[0]!.reason).toMatch(/^not granted: mallory is not listed in access\/identities.yaml/);
    expect(junk.skipped[1]!.reason).toMatch(/^not granted: .*"notes.txt" is not a .yaml file/);

    // The deletion is judged with the config at before, where the resource still existed.
    const retire = await planChange({ repo: local, before: c2, after: c3 });
    expect(retire.actions.map((a) => [a.kind, a.path])).toEqual([
      ["revoke", `${REQ}/prod-db-read/bob.yaml`],
      ["revoke", `${REQ}/prod-db-read/carol.yaml`],
    ]);
    expect((retire.actions[1] as RevokeAction).ref.principal).toBe("carol-aws");

    // Without the resource at before there is nothing to revoke through: a person must look.
    await repo.write(`${REQ}/prod-db-read/dave.yaml`, request("1h"));
    const c4 = await repo.commit("stray", { date: "2026-03-02T12:00:00Z" });
    await repo.rm(`${REQ}/prod-db-read/dave.yaml`);
    const c5 = await repo.commit("remove stray", { date: "2026-03-02T12:10:00Z" });
    const stray = await planChange({ repo: local, before: c4, after: c5 });
    expect(stray.actions).toEqual([]);
    expect(stray.skipped).toEqual([
      { path: `${REQ}/prod-db-read/dave.yaml`, reason: 'cannot revoke: resource "prod-db-read" is no longer in the catalog; remove this access by hand', problem: true },
    ]);
  });

  it("with a broken policy at after nothing is granted (fail closed), but deletions are still revoked", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.write("access/policy.yaml", "tiers: [ {name: x\n");
    await repo.write(`${REQ}/staging-deploy/erin.yaml`, request("1h"));
    await repo.rm(`${REQ}/prod-db-read/bob.yaml`);
    const c2 = await repo.commit("break policy", { date: "2026-03-02T10:00:00Z" });
    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: c1, after: c2 });
    expect(plan.actions.map((a) => [a.kind, a.path])).toEqual([["revoke", `${REQ}/prod-db-read/bob.yaml`]]);
    expect(plan.skipped).toHaveLength(1);
    expect(plan.skipped[0]!.path).toBe(`${REQ}/staging-deploy/erin.yaml`);
    expect(plan.skipped[0]!.problem).toBe(true);
    expect(plan.skipped[0]!.reason).toMatch(/^not granted: the configuration at [0-9a-f]{7} has problems \(access\/policy.yaml: /);
  });

  it("a case-only rename of a login revokes the old path before granting the new one", async () => {
    const { repo, c1 } = await baseRepo();
    await repo.git("mv", `${REQ}/staging-deploy/alice.yaml`, `${REQ}/staging-deploy/Alice.yaml`);
    const c2 = await repo.commit("rename", { date: "2026-03-02T10:00:00Z" });
    const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before: c1, after: c2 });
    expect(plan.actions.map((a) => [a.kind, a.path])).toEqual([
      ["revoke", `${REQ}/staging-deploy/alice.yaml`],
      ["grant", `${REQ}/staging-deploy/Alice.yaml`],
    ]);
  });
});
