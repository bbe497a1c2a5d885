// The npm package as someone installs it: the tarball `npm pack` makes, installed into an
// empty folder with its production dependencies only, at the exact versions this repository
// tests (a lock file made from ours), from npm's cache first (--prefer-offline: no network
// but the npm registry, and only for what the cache lacks), then run from there.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
let work: string;
let files: string[];
let bin: string;
const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));

/** The empty project's lock file: gitgrant from the tarball, its dependencies as locked here. */
async function lockFor(dir: string, tarball: string): Promise<void> {
  const lock = JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8"));
  const root = { name: "try-gitgrant", dependencies: { gitgrant: `file:${tarball}` } };
  const packages: Record<string, unknown> = { "": root };
  for (const [k, v] of Object.entries(lock.packages as Record<string, { dev?: boolean; link?: boolean }>)) {
    if (k && !v.dev && !v.link && k !== "node_modules/gitgrant") packages[k] = v;
  }
  packages["node_modules/gitgrant"] = { version: pkg.version, resolved: `file:${tarball}`, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines };
  await writeFile(join(dir, "package.json"), JSON.stringify(root, null, 2));
  await writeFile(join(dir, "package-lock.json"), JSON.stringify({ name: root.name, lockfileVersion: 3, requires: true, packages }, null, 2));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "gitgrant-pack-"));
  // --ignore-scripts: dist/ is the one `npm ci` built (prepare); prepack's clean rebuild is
  // npm's own lifecycle and would only make this test slower.
  const packed = await run(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const info = JSON.parse(packed.stdout)[0] as { filename: string; files: Array<{ path: string }> };
  files = info.files.map((f) => f.path);
  const project = join(work, "project");
  await mkdir(project);
  await lockFor(project, join(work, info.filename));
  await run(NPM, ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, env: { ...process.env, npm_config_update_notifier: "false" } });
  bin = join(project, "node_modules/.bin/gitgrant");
}, 240_000);
afterAll(() => rm(work, { recursive: true, force: true }));

describe("the npm package", () => {
  it("ships the built code, schemas, templates and licence, and no source, test, fixture or bench", () => {
    expect(files).toEqual(expect.arrayContaining(["bin/gitgrant.js", "dist/cli/index.js", "dist/app/index.js", "dist/app/lambda.js", "schemas/request.schema.json", "templates/common/.github/workflows/sweep.yml", "LICENSE", "SECURITY.md", ".env.example", "app.yml", "package.json", "README.md"]));
    const unwanted = files.filter((f) => /^(src|test|bench|scripts|access|\.github|\.ci|action\/dist)\//.test(f) || /\.(map|ts)$/.test(f) || /fixture/i.test(f));
    expect(unwanted).toEqual([]);
    expect(pkg.exports["."]).toBe("./dist/app/index.js");
    expect(pkg.bin).toEqual({ gitgrant: "bin/gitgrant.js" });
  });

  it("runs gitgrant --version, init and demo from an empty folder with production dependencies only", async () => {
    const project = join(work, "project");
    const env = { PATH: process.env.PATH, HOME: work };
    expect((await run(bin, ["--version"], { cwd: project, env })).stdout.trim()).toBe(pkg.version);
    const repo = join(work, "access");
    const init = await run(bin, ["init", repo, "--format", "json"], { cwd: project, env });
    expect(JSON.parse(init.stdout).written).toContain(".github/workflows/sweep.yml");
    const demo = await run(bin, ["demo", "--from", repo, "--now", "2026-11-30T10:00:00Z", "--format", "json"], { cwd: project, env });
    expect(JSON.parse(demo.stdout).ok).toBe(true);
    // Without --from the installed package (no access/ folder of its own) tells the story on init's example.
    expect(JSON.parse((await run(bin, ["demo", "--format", "json"], { cwd: project, env })).stdout).ok).toBe(true);
    await expect(run(join(project, "node_modules/.bin/tsc"), ["--version"])).rejects.toThrow(/ENOENT/);
  }, 180_000);
});
