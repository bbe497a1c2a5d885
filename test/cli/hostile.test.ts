// Hostile inputs through `gitgrant check` on a real git repository: every class of the
// hardening issue, judged end to end as a reviewer would run it on a clone.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";
import { org } from "../helpers/orgs.js";

const orgFiles = () => org("core").files();
import { PROTOTYPE_NAMES } from "../helpers/hostile.js";

const NOW = "2026-11-30T10:00:00Z";
const REASON = "reason: Deploy the release candidate\nduration: 2h\n";
let repo: TestRepo;
let base: string;

beforeEach(async () => {
  repo = await makeRepo();
  await repo.writeAll({ ...orgFiles(), "access/requests/staging/bob.yaml": REASON });
  base = await repo.commit("base config", { date: "2026-11-30T08:00:00Z" });
  await repo.branch("request");
});
afterEach(cleanupRepos);

interface Verdict {
  ok: boolean;
  auto_merge: boolean;
  files: Array<{ path: string; valid: boolean; tier: string | null; errors: Array<{ message: string }>; reasons: string[]; approvals_required: number }>;
}
async function check(...args: string[]): Promise<{ code: number; v: Verdict }> {
  const r = await cli(["check", "--repo", repo.dir, "--base", base, "--now", NOW, "--format", "json", ...args]);
  return { code: r.code, v: r.json<Verdict>() };
}
const messages = (v: Verdict) => v.files.flatMap((f) => f.errors.map((e) => e.message)).join("\n");

describe("prototype keys through gitgrant check", () => {
  it("refuses every inherited-property login on a local resource, and never auto-merges", async () => {
    for (const name of PROTOTYPE_NAMES) await repo.write(`access/requests/staging/${name}.yaml`, REASON);
    await repo.commit("requests");
    const { code, v } = await check("--author", "constructor");
    expect(code).toBe(1);
    expect(v.ok).toBe(false);
    expect(v.auto_merge).toBe(false);
    expect(v.files).toHaveLength(PROTOTYPE_NAMES.length);
    for (const f of v.files) expect(f.valid, f.path).toBe(false);
    expect(v.files.find((f) => f.path.endsWith("/constructor.yaml"))!.errors[0]!.message).toBe("constructor is not listed in access/identities.yaml; ask the security team to add you.");
  });

  it("refuses inherited-property resource folders", async () => {
    for (const name of PROTOTYPE_NAMES) await repo.write(`access/requests/${name}/alice.yaml`, REASON);
    await repo.commit("requests");
    const { code, v } = await check("--author", "alice");
    expect(code).toBe(1);
    for (const f of v.files) expect(f.valid, f.path).toBe(false);
    expect(v.files.find((f) => f.path === "access/requests/constructor/alice.yaml")!.errors[0]!.message).toMatch(/^Unknown resource "constructor"/);
  });

  it("a --signals file with __proto__ and constructor keys pollutes nothing and grants no team", async () => {
    await repo.write("access/requests/gcp-viewer/alice.yaml", "reason: Look at the production dashboards\nduration: 2h\n");
    await repo.commit("request");
    const signals = join(repo.dir, "..", `signals-${Date.now()}.json`);
    await writeFile(signals, '{"requesters": {"__proto__": {"teams": ["acme/oncall"]}, "constructor": {"teams": ["acme/oncall"]}}, "incident": {"open": true}}');
    const { v } = await check("--author", "alice", "--signals", signals);
    expect(({} as { teams?: unknown }).teams).toBeUndefined();
    expect(v.files[0]).toMatchObject({ valid: true, tier: "conditional", approvals_required: 1 });
  });
});

describe("unreadable bytes through gitgrant check", () => {
  it("a NUL byte or bytes that are not UTF-8 make the file invalid", async () => {
    await writeFile(join(repo.dir, "access/requests/staging/alice.yaml"), Buffer.concat([Buffer.from("reason: Deploy the release candidate\nduration: 2h\n"), Buffer.from([0])]));
    await repo.write("access/requests/staging/carol.yaml", "");
    await writeFile(join(repo.dir, "access/requests/staging/carol.yaml"), Buffer.from("reason: Deploy the r\xe9lease candidate\nduration: 2h\n", "latin1"));
    await repo.commit("requests");
    const { code, v } = await check();
    expect(code).toBe(1);
    expect(v.files.map((f) => [f.path, f.valid, f.errors[0]?.message])).toEqual([
      ["access/requests/staging/alice.yaml", false, "The request file holds a NUL byte; it must be plain UTF-8 text."],
      ["access/requests/staging/carol.yaml", false, "The request file holds bytes that are not UTF-8 (or a U+FFFD replacement character); it must be plain UTF-8 text."],
    ]);
  });

  it("a ticket of zero-width spaces does not meet require: [ticket]", async () => {
    await repo.write("access/requests/prod-db-admin/alice.yaml", 'reason: Rotate the admin credentials\nduration: 1h\nticket: "\\u200B\\u200B"\n');
    await repo.commit("request");
    const { v } = await check("--author", "alice");
    expect(messages(v)).toContain('"ticket" is blank: it holds only spaces or invisible characters, so it counts as missing.');
    expect(v.ok).toBe(false);
  });
});

describe("one file per person and resource", () => {
  it("refuses BOB.yaml beside bob.yaml on the base", async () => {
    await repo.write("access/requests/staging/BOB.yaml", REASON);
    await repo.commit("request", { author: "Bob" });
    const { code, v } = await check("--author", "Bob");
    expect(code).toBe(1);
    expect(v.files[0]!.errors.map((e) => e.message)).toContain(
      "access/requests/staging/bob.yaml is also a request for the same person and resource (logins and folders compare case-insensitively); keep one file per person and resource.",
    );
  });

  it("refuses two case variants added together, and a resource folder in another case", async () => {
    await repo.write("access/requests/prod-db-read/alice.yaml", REASON);
    await repo.write("access/requests/prod-db-read/ALICE.yaml", REASON);
    await repo.write("access/requests/Staging/alice.yaml", REASON);
    await repo.commit("requests");
    const { v } = await check("--author", "alice");
    expect(v.files.map((f) => [f.path, f.valid])).toEqual([
      ["access/requests/Staging/alice.yaml", false],
      ["access/requests/prod-db-read/ALICE.yaml", false],
      ["access/requests/prod-db-read/alice.yaml", false],
    ]);
    expect(messages(v)).toMatch(/"Staging" is not a resource id/);
  });

  it("allows renaming bob.yaml to BOB.yaml (the old one goes)", async () => {
    await repo.rm("access/requests/staging/bob.yaml");
    await repo.write("access/requests/staging/BOB.yaml", REASON);
    await repo.commit("rename", { author: "Bob" });
    const { v } = await check("--author", "Bob");
    expect(v.ok).toBe(true);
  });

  it("validate refuses both files of a case pair at rest", async () => {
    await repo.write("access/requests/staging/BOB.yaml", REASON);
    const r = await cli(["validate", "--repo", repo.dir, "--now", NOW, "--format", "json"]);
    expect(r.code).toBe(1);
    const v = r.json<Verdict>();
    expect(v.files.filter((f) => !f.valid).map((f) => f.path)).toEqual(["access/requests/staging/BOB.yaml", "access/requests/staging/bob.yaml"]);
  });
});

describe("only regular files under access/", () => {
  it("refuses a symlinked request file and a symlinked config file, with their paths", async () => {
    await repo.git("checkout", "-q", "request");
    const { symlink } = await import("node:fs/promises");
    await symlink("../staging/bob.yaml", join(repo.dir, "access/requests/staging/alice.yaml"));
    await symlink("catalog.yaml", join(repo.dir, "access/extra.yaml"));
    await repo.commit("links", { author: "alice" });
    const { code, v } = await check("--author", "alice");
    expect(code).toBe(1);
    expect(v.files.map((f) => [f.path, f.valid, f.errors[0]?.message])).toEqual([
      ["access/extra.yaml", false, "access/extra.yaml is a symbolic link (mode 120000); only regular files are allowed under access/."],
      ["access/requests/staging/alice.yaml", false, "access/requests/staging/alice.yaml is a symbolic link (mode 120000); only regular files are allowed under access/."],
    ]);
    expect(v.auto_merge).toBe(false);
  });

  it("refuses a submodule under access/", async () => {
    await repo.git("update-index", "--add", "--cacheinfo", `160000,${base},access/requests/staging/alice.yaml`);
    await repo.git("commit", "-q", "-m", "submodule");
    const { code, v } = await check("--author", "alice");
    expect(code).toBe(1);
    expect(v.files[0]).toMatchObject({ path: "access/requests/staging/alice.yaml", valid: false });
    expect(v.files[0]!.errors[0]!.message).toBe("access/requests/staging/alice.yaml is a submodule (mode 160000); only regular files are allowed under access/.");
  });

  it("validate reports a symlink instead of skipping it", async () => {
    const { symlink } = await import("node:fs/promises");
    await symlink("bob.yaml", join(repo.dir, "access/requests/staging/alice.yaml"));
    await symlink("/etc/hostname", join(repo.dir, "access/notes.yaml"));
    const r = await cli(["validate", "--repo", repo.dir, "--now", NOW, "--format", "json"]);
    expect(r.code).toBe(1);
    const v = r.json<Verdict>();
    expect(v.files.filter((f) => !f.valid).map((f) => [f.path, f.errors[0]?.message])).toEqual([
      ["access/notes.yaml", "access/notes.yaml is a symbolic link (mode 120000); only regular files are allowed under access/."],
      ["access/requests/staging/alice.yaml", "access/requests/staging/alice.yaml is a symbolic link (mode 120000); only regular files are allowed under access/."],
    ]);
  });
});

describe("break-glass, conditions and regular expressions through gitgrant check", () => {
  it("refuses a break-glass request with a starts_at or a blank incident", async () => {
    await repo.write("access/requests/root/alice.yaml", "reason: Production is down, need tenant admin\nduration: 30m\nbreak_glass: true\nincident: INC-7\nticket: INC-7\nstarts_at: 2026-11-30T12:00:00Z\n");
    await repo.write("access/requests/prod-db-admin/alice.yaml", 'reason: Production is down, need db admin\nduration: 30m\nbreak_glass: true\nincident: "  \\t"\nticket: " "\n');
    await repo.commit("break-glass");
    const { code, v } = await check("--author", "alice");
    expect(code).toBe(1);
    expect(v.auto_merge).toBe(false);
    expect(messages(v)).toMatch(/break-glass access starts at once: remove "starts_at"/);
    expect(messages(v)).toMatch(/break_glass needs an incident reference/);
  });

  it("a condition-approved request starting in two hours needs the tier's approval", async () => {
    await repo.write("access/requests/gcp-viewer/alice.yaml", "reason: Look at the production dashboards\nduration: 2h\nstarts_at: 2026-11-30T12:00:00Z\n");
    await repo.commit("request");
    const { v } = await check("--author", "alice", "--team", "alice=acme/oncall", "--incident");
    expect(v.files[0]).toMatchObject({ valid: true, tier: "conditional", approvals_required: 1 });
    expect(v.auto_merge).toBe(false);
    expect(v.files[0]!.reasons.join("\n")).toMatch(/this request starts in 2h, more than settings\.conditional_start_leeway \(15m\) from now/);
  });

  it("a catastrophic pattern in the base policy and a 40-character ticket get a verdict", async () => {
    await repo.git("checkout", "-q", "main");
    const policy = (await import("node:fs")).readFileSync(join(repo.dir, "access/policy.yaml"), "utf8").replace(
      "auto_approve_if: \"requester.teams.exists(t, t == 'acme/oncall') && incident.open\"",
      () => "auto_approve_if: \"request.ticket.matches('^([A-Z]+-?)+[0-9]+$')\"",
    );
    await repo.write("access/policy.yaml", policy);
    base = await repo.commit("policy");
    await repo.git("checkout", "-q", "request");
    await repo.git("reset", "-q", "--hard", base);
    await repo.write("access/requests/gcp-viewer/alice.yaml", `reason: Look at the production dashboards\nduration: 2h\nticket: ${"A".repeat(40)}!\n`);
    await repo.commit("request");
    const { v } = await check("--author", "alice");
    expect(v.files[0]!.errors).toEqual([]);
    expect(v.files[0]).toMatchObject({ valid: true, tier: "conditional", approvals_required: 1 });
    expect(v.files[0]!.reasons).toContain("auto_approve_if does not hold: request.ticket.matches('^([A-Z]+-?)+[0-9]+$')");
  });
});
