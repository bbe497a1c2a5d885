// Hostile inputs through `gitgrant check` on a real git repository: every class of the
// hardening issue, judged end to end as a reviewer would run it on a clone.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";
import { orgFiles } from "../helpers/org.js";
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
