import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";
import { org } from "../helpers/orgs.js";

const NOW = "2026-11-30T10:00:00Z";
let repo: TestRepo;
let base: string;

beforeEach(async () => {
  repo = await makeRepo();
  await repo.writeAll({ ...org("core").files(), "access/requests/staging/bob.yaml": "reason: Deploy the release candidate\nduration: 2h\n" });
  base = await repo.commit("base config", { date: "2026-11-30T08:00:00Z" });
  await repo.branch("request");
});
afterEach(cleanupRepos);

const check = (...args: string[]) => cli(["check", "--repo", repo.dir, "--base", base, "--now", NOW, ...args]);

describe("gitgrant check --format json", () => {
  it("prints the contract object for a self-service request and exits 0", async () => {
    await repo.write("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\n");
    await repo.commit("request", { author: "alice" });
    const r = await check("--head", "HEAD", "--author", "alice", "--format", "json");
    expect(r.code).toBe(0);
    expect(r.json()).toEqual({
      ok: true,
      auto_merge: true,
      approved: true,
      reasons: ["Every file is self-service: merged at once."],
      files: [
        {
          path: "access/requests/prod-db-read/alice.yaml",
          change: "added",
          kind: "request",
          valid: true,
          errors: [],
          tier: "self-service",
          approvals_required: 0,
          approvers: ["@acme/dba"],
          approved_by: [],
          requester: "alice",
          resource: "prod-db-read",
          expires_at: "2026-11-30T12:00:00Z",
          break_glass: false,
          reasons: [
            'tier "self-service": low sensitivity, 2h within 4h',
            "no approval needed",
            "risk score 34 (2h duration +4, outside collaborator +20, no ticket +10)",
          ],
        },
      ],
    });
  });

  it("exits 1 with errors at their line when a file is invalid", async () => {
    await repo.write("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\nurgent: yes\n");
    await repo.commit("request");
    const r = await check("--author", "alice", "--format", "json");
    expect(r.code).toBe(1);
    const out = r.json<{ ok: boolean; files: Array<{ errors: unknown[] }> }>();
    expect(out.ok).toBe(false);
    expect(out.files[0]!.errors).toEqual([{ message: expect.stringMatching(/^Unknown field "urgent"/), line: 3, column: 1 }]);
  });

  it("judges by the base policy even when the head loosens it", async () => {
    await repo.write("access/policy.yaml", "tiers:\n  - name: everything\n    match: {}\n    approvals: 0\n");
    await repo.write("access/requests/prod-db-admin/alice.yaml", "reason: Rotate the admin credentials\nduration: 1h\nticket: CHG-1\n");
    await repo.commit("sneaky");
    const r = await check("--author", "alice", "--format", "json");
    const out = r.json<{ auto_merge: boolean; files: Array<{ path: string; tier: string | null; approvals_required: number; kind: string }> }>();
    expect(out.auto_merge).toBe(false);
    expect(out.files.find((f) => f.path === "access/requests/prod-db-admin/alice.yaml")).toMatchObject({ tier: "escalated", approvals_required: 2 });
    expect(out.files.find((f) => f.path === "access/policy.yaml")).toMatchObject({ kind: "config", tier: null });
  });

  it("sees a rename as a delete plus an add", async () => {
    await repo.git("mv", "access/requests/staging/bob.yaml", "access/requests/staging/alice.yaml");
    await repo.commit("rename", { author: "alice" });
    const r = await check("--author", "alice", "--format", "json");
    const out = r.json<{ files: Array<{ path: string; change: string; approvals_required: number }>; auto_merge: boolean }>();
    expect(out.files.map((f) => [f.path, f.change, f.approvals_required])).toEqual([
      ["access/requests/staging/alice.yaml", "added", 0],
      ["access/requests/staging/bob.yaml", "deleted", 1],
    ]);
    expect(out.auto_merge).toBe(false);
  });

  it("reproduces the app's verdict with --approved-by and --committer", async () => {
    await repo.write("access/requests/gcp-viewer/alice.yaml", "reason: Check quota usage in production\nduration: 2h\n");
    await repo.commit("request");
    const waiting = await check("--author", "alice", "--format", "json");
    expect(waiting.json()).toMatchObject({ ok: true, approved: false, files: [{ approvals_required: 1, approvers: ["@carol", "@acme/dba"] }] });
    const approved = await check("--author", "alice", "--approved-by", "carol", "--format", "json");
    expect(approved.json()).toMatchObject({ approved: true, files: [{ approved_by: ["carol"] }] });
    const byCommitter = await check("--author", "alice", "--approved-by", "carol", "--committer", "carol", "--format", "json");
    expect(byCommitter.json()).toMatchObject({ approved: false, files: [{ approved_by: [] }] });
    const byTeam = await check("--author", "alice", "--approved-by", "dan", "--team", "dan=acme/dba", "--format", "json");
    expect(byTeam.json()).toMatchObject({ approved: true, files: [{ approved_by: ["dan"] }] });
  });

  it("takes policy signals from flags and from a JSON file", async () => {
    await repo.write("access/requests/gcp-viewer/alice.yaml", "reason: Check quota usage in production\nduration: 2h\n");
    await repo.commit("request");
    const flags = await check("--author", "alice", "--team", "alice=acme/oncall", "--incident", "--format", "json");
    expect(flags.json()).toMatchObject({ auto_merge: true, files: [{ approvals_required: 0 }] });
    await repo.write("signals.json", JSON.stringify({ requesters: { alice: { teams: ["acme/oncall"] } }, incident: { open: true } }));
    const file = await check("--author", "alice", "--signals", `${repo.dir}/signals.json`, "--format", "json");
    expect(file.json()).toMatchObject({ auto_merge: true });
  });

  it("prints a table for people", async () => {
    await repo.write("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\n");
    await repo.commit("request");
    const r = await check("--author", "alice");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ +file +change +tier +approvals/m);
    expect(r.out).toMatch(/^ok +access\/requests\/prod-db-read\/alice\.yaml +added +self-service +0 +2026-11-30T12:00:00Z/m);
    expect(r.out).toMatch(/OK - self-service, would be merged at once/);
  });
});

describe("usage errors exit 2", () => {
  it("an unknown ref", async () => {
    const r = await check("--head", "no-such-branch");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown git ref "no-such-branch"/);
  });
  it("a missing --base", async () => {
    const r = await cli(["check", "--repo", repo.dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/required option '--base <ref>' not specified/);
  });
  it("an unknown format, a bad --now, an unknown option, an unknown command", async () => {
    expect((await check("--format", "xml")).code).toBe(2);
    expect((await check("--now", "yesterday")).err).toMatch(/--now "yesterday" is not a date-time/);
    expect((await check("--frobnicate")).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
  });
});

describe("what counts as the change", () => {
  it("is what the head adds since it forked from the base, like a pull request's files, judged by the base's current rules", async () => {
    await repo.write("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\n");
    await repo.commit("request", { author: "alice" });
    // Meanwhile main moves on: someone else's request lands, and the policy tightens.
    await repo.checkout(repo.defaultBranch);
    await repo.write("access/requests/staging/carol.yaml", "reason: Deploy the release candidate\nduration: 1h\n");
    await repo.write("access/policy.yaml", "tiers:\n  - name: everything-reviewed\n    match: {}\n    approvals: 1\n");
    const newBase = await repo.commit("main moves on");
    const r = await cli(["check", "--repo", repo.dir, "--base", newBase, "--head", "request", "--author", "alice", "--now", NOW, "--format", "json"]);
    const out = r.json<{ auto_merge: boolean; files: Array<{ path: string; tier: string }> }>();
    expect(out.files.map((f) => f.path)).toEqual(["access/requests/prod-db-read/alice.yaml"]);
    expect(out.files[0]!.tier).toBe("everything-reviewed");
    expect(out.auto_merge).toBe(false);
  });
});

describe("a catalog target its provider cannot use", () => {
  it("fails the check closed on the base, naming the resource, the problem and its place", async () => {
    // The schema only asks for a non-empty project; gcp-iam's own check knows a project id's form.
    const broken = org("core").files()["access/catalog.yaml"]!.replace("project: acme-prod", 'project: "Acme Prod"');
    expect(broken).not.toBe(org("core").files()["access/catalog.yaml"]);
    await repo.checkout("main");
    await repo.write("access/catalog.yaml", broken);
    base = await repo.commit("a bad project id");
    await repo.branch("bad-target");
    await repo.write("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\n");
    await repo.commit("request", { author: "alice" });
    const r = await check("--author", "alice", "--format", "json");
    expect(r.code).toBe(1);
    const out = r.json<{ ok: boolean; reasons: string[] }>();
    expect(out.ok).toBe(false);
    expect(out.reasons).toContain('access/catalog.yaml:16:13: gcp-iam resource gcp-viewer: target has project "Acme Prod", which is not a project id or number');
  });
});
