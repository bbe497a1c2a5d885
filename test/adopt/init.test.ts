// gitgrant init, as a security team starting its own access repository would use it:
// scaffold into an empty repository, then validate, check a request and run the demo on it.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { VERSION } from "../../src/operations/package-root.js";

afterEach(cleanupRepos);

const REQUEST = "access/requests/staging-deploy/alice.yaml";

describe("gitgrant init", () => {
  it("scaffolds a repository that validates, judges a request and runs the demo", async () => {
    const repo = await makeRepo();
    const init = await cli(["init", repo.dir], repo.dir);
    expect(init.code).toBe(0);
    for (const f of [".github/CODEOWNERS", ".github/workflows/validate.yml", ".github/workflows/sweep.yml", ".vscode/settings.json", "README.md", "access/catalog.yaml", "schemas/request.schema.json"]) {
      expect(init.out).toContain(`  ${f}\n`);
    }
    const base = await repo.commit("gitgrant init", { date: "2026-11-30T09:00:00Z", author: "security" });

    const validate = await cli(["validate", "--format", "json"], repo.dir);
    expect(validate.code).toBe(0);
    expect(validate.json<{ ok: boolean; reasons: string[] }>().reasons).toContain("0 of 0 request file(s) valid.");

    await repo.branch("request");
    await repo.write(REQUEST, "reason: Deploy the hotfix for INC-7 to staging\nduration: 2h\n");
    await repo.commit("request staging-deploy", { date: "2026-11-30T09:05:00Z", author: "alice" });
    const check = await cli(["check", "--repo", repo.dir, "--base", base, "--head", "request", "--author", "alice", "--now", "2026-11-30T09:06:00Z", "--format", "json"], repo.dir);
    expect(check.code).toBe(0);
    expect(check.json()).toMatchObject({ ok: true, auto_merge: true, files: [{ path: REQUEST, valid: true, tier: "self-service" }] });

    // The same request from someone absent from identities.yaml is refused: the example is live config.
    await repo.git("mv", REQUEST, "access/requests/staging-deploy/mallory.yaml");
    await repo.commit("someone unknown", { date: "2026-11-30T09:07:00Z", author: "mallory" });
    const refused = await cli(["check", "--repo", repo.dir, "--base", base, "--head", "request", "--author", "mallory", "--now", "2026-11-30T09:08:00Z", "--format", "json"], repo.dir);
    expect(refused.code).toBe(1);

    const demo = await cli(["demo", "--from", repo.dir, "--now", "2026-11-30T10:00:00Z", "--format", "json"], repo.dir);
    expect(demo.code).toBe(0);
    expect(demo.json<{ ok: boolean; steps: string[] }>().steps.at(-2)).toMatch(/^9\. The evidence, from git alone/);
  });

  it("pins the workflows to this gitgrant version's action, and maps the schemas for editors", async () => {
    const repo = await makeRepo();
    expect((await cli(["init", "--org", "globex"], repo.dir)).code).toBe(0);
    const sweep = await readFile(join(repo.dir, ".github/workflows/sweep.yml"), "utf8");
    expect(sweep).toContain(`uses: gitgrant/gitgrant@v${VERSION}\n`);
    expect(sweep).not.toMatch(/__[A-Z_]+__/);
    const settings = JSON.parse(await readFile(join(repo.dir, ".vscode/settings.json"), "utf8"));
    expect(settings["yaml.schemas"]).toEqual({
      "./schemas/request.schema.json": "access/requests/**/*.yaml",
      "./schemas/catalog.schema.json": "access/catalog.yaml",
      "./schemas/policy.schema.json": "access/policy.yaml",
      "./schemas/identities.schema.json": "access/identities.yaml",
    });
    const catalog = await readFile(join(repo.dir, "access/catalog.yaml"), "utf8");
    expect(catalog.split("\n")[0]).toBe("# yaml-language-server: $schema=../schemas/catalog.schema.json");
    expect(parse(catalog).resources["infra-admins"].target).toEqual({ org: "globex", team: "infra-admins" });
    expect(await readFile(join(repo.dir, ".github/CODEOWNERS"), "utf8")).toContain("@globex/security");
    expect(await readFile(join(repo.dir, "README.md"), "utf8")).toContain(`npx gitgrant@${VERSION} validate`);

    const pinned = await makeRepo();
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect((await cli(["init", "--action", `acme/gitgrant@${sha}`], pinned.dir)).code).toBe(0);
    expect(await readFile(join(pinned.dir, ".github/workflows/validate.yml"), "utf8")).toContain(`uses: acme/gitgrant@${sha}\n`);
  });

  it("refuses to overwrite, listing what exists and writing nothing; --force overwrites", async () => {
    const repo = await makeRepo();
    await mkdir(join(repo.dir, "access"), { recursive: true });
    await writeFile(join(repo.dir, "access/catalog.yaml"), "resources: {}\n# ours\n");
    await writeFile(join(repo.dir, "README.md"), "our readme\n");
    const r = await cli(["init"], repo.dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("already has 2 of the files it would write; nothing was written:\n  README.md\n  access/catalog.yaml\n");
    expect(r.err).toContain("--force");
    expect(await readFile(join(repo.dir, "README.md"), "utf8")).toBe("our readme\n");
    await expect(readFile(join(repo.dir, "access/policy.yaml"), "utf8")).rejects.toThrow(/ENOENT/);

    const forced = await cli(["init", "--force"], repo.dir);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain("(overwrote 2)");
    expect(await readFile(join(repo.dir, "access/catalog.yaml"), "utf8")).toContain("staging-deploy:");
  });

  it("--empty writes templates with no resources or people that still validate, and refuses requests until filled", async () => {
    const repo = await makeRepo();
    expect((await cli(["init", "--empty", "--format", "json"], repo.dir)).json()).toMatchObject({ ok: true });
    expect(parse(await readFile(join(repo.dir, "access/catalog.yaml"), "utf8"))).toEqual({ resources: {} });
    expect(parse(await readFile(join(repo.dir, "access/identities.yaml"), "utf8"))).toEqual({ users: {} });
    expect((await cli(["validate"], repo.dir)).code).toBe(0);
    await repo.write(REQUEST, "reason: Deploy the hotfix for INC-7 to staging\nduration: 2h\n");
    const v = await cli(["validate", "--format", "json"], repo.dir);
    expect(v.code).toBe(1);
    expect(JSON.stringify(v.json())).toMatch(/staging-deploy/);
  });

  it("refuses an organisation or action reference that is not one (usage error)", async () => {
    const repo = await makeRepo();
    expect((await cli(["init", "--org", "a b"], repo.dir)).err).toMatch(/--org "a b" is not a GitHub organisation name/);
    const bad = await cli(["init", "--action", "gitgrant"], repo.dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/is not owner\/repo@ref/);
  });
});
