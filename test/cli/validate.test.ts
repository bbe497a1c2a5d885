import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.js";
import { cli } from "../helpers/cli.js";

const root = join(import.meta.dirname, "../..");
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gitgrant-validate-"));
  await cp(join(root, "access"), join(dir, "access"), { recursive: true });
  await cp(join(root, ".github"), join(dir, ".github"), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe("gitgrant validate", () => {
  it("finds the repository's own example organisation clean", async () => {
    const r = await cli(["validate", "--repo", root, "--format", "json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const out = r.json<{ ok: boolean; files: Array<{ valid: boolean; tier: string }> }>();
    expect(out.ok).toBe(true);
    expect(out.files.length).toBeGreaterThanOrEqual(3);
    expect(new Set(out.files.map((f) => f.tier)).size).toBeGreaterThanOrEqual(2);
  });

  it("reports every broken file and still judges the good ones", async () => {
    await writeFile(join(dir, "access/requests/staging-deploy/bob.yaml"), "reason: ok then\nduration: forever\n");
    await writeFile(join(dir, "access/requests/staging-deploy/carol.yml"), "reason: Deploy to staging please\nduration: 1h\n");
    const r = await cli(["validate", "--repo", dir, "--format", "json"]);
    expect(r.code).toBe(1);
    const files = r.json<{ files: Array<{ path: string; valid: boolean }> }>().files;
    expect(files.filter((f) => !f.valid).map((f) => f.path)).toEqual(["access/requests/staging-deploy/bob.yaml", "access/requests/staging-deploy/carol.yml"]);
    expect(files.filter((f) => f.valid).length).toBeGreaterThanOrEqual(3);
  });

  it("validates only the paths given", async () => {
    await writeFile(join(dir, "access/requests/staging-deploy/bob.yaml"), "reason: nope\n");
    const r = await cli(["validate", "--repo", dir, "--format", "json", join(dir, "access/requests/prod-db-read")]);
    expect(r.code).toBe(0);
    expect(r.json<{ files: Array<{ path: string }> }>().files.map((f) => f.path)).toEqual(["access/requests/prod-db-read/bob.yaml"]);
  });

  it("fails closed on a broken catalog, saying where", async () => {
    await writeFile(join(dir, "access/catalog.yaml"), "resources:\n  x:\n    sensitivity: extreme\n");
    const r = await cli(["validate", "--repo", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/access\/catalog\.yaml:3:18: "resources\.x\.sensitivity" must be one of: low, medium, high, critical\./);
  });
});

describe("a catalog target its provider cannot use", () => {
  it("is reported by validate with its place, and every request is refused until it is fixed", async () => {
    // Passes the schema (a non-empty org), fails github-team's own check of a login's form.
    const catalog = await readFile(join(dir, "access/catalog.yaml"), "utf8");
    await writeFile(join(dir, "access/catalog.yaml"), catalog.replace("target: { org: acme, team: infra-admins }", 'target: { org: "acme corp", team: infra-admins }'));
    const r = await cli(["validate", "--repo", dir, "--format", "json"]);
    expect(r.code).toBe(1);
    const out = r.json<{ ok: boolean; reasons: string[]; files: Array<{ valid: boolean }> }>();
    expect(out.ok).toBe(false);
    expect(out.reasons).toContainEqual(expect.stringMatching(/^access\/catalog\.yaml:\d+:13: github-team resource infra-admins: target has org "acme corp", which is not a GitHub organisation login, e\.g\. acme$/));
    expect(out.files.every((f) => !f.valid)).toBe(true);
  });
});

describe("--help", () => {
  it("every command has help and exits 0", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    const commands = [...top.out.matchAll(/^  (\w+) /gm)].map((m) => m[1]!).filter((c) => c !== "help");
    expect(commands).toEqual(expect.arrayContaining(["validate", "check"]));
    for (const c of commands) {
      const r = await cli([c, "--help"]);
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(new RegExp(`Usage: gitgrant ${c}`));
      expect(r.out, c).toMatch(/--format/);
    }
  });

  it("no arguments prints help and exits 2", async () => {
    let out = "";
    const code = await main([], { out: (t) => (out += t), err: () => {}, cwd: root, env: {} });
    expect(code).toBe(2);
    expect(out).toMatch(/Usage: gitgrant/);
  });
});

describe("validate's summary", () => {
  it("counts valid files by tier instead of talking about merges", async () => {
    const r = await cli(["validate", "--repo", root, "--format", "json"]);
    const reasons = r.json<{ reasons: string[] }>().reasons;
    expect(reasons[reasons.length - 1]).toMatch(/^\d+ of \d+ request file\(s\) valid \(.*self-service: \d+/);
    expect(reasons.join(" ")).not.toMatch(/merged|approval/);
  });
});
