// The small things a new user trips on, through the real bin/gitgrant.js: --version loads
// no cloud SDK, a closed pipe ends quietly, outside git and in a shallow clone say so (exit 2).
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { VERSION } from "../../src/operations/package-root.js";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "../../bin/gitgrant.js");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gitgrant-edges-"));
});
afterAll(async () => {
  await cleanupRepos();
  await rm(dir, { recursive: true, force: true });
});

describe("gitgrant from the command line", () => {
  it("--version prints the package version without loading the AWS, GCP or Entra SDKs", async () => {
    // A resolve hook that names every package the process loads.
    const hook = join(dir, "hook.mjs");
    await writeFile(hook, `export async function resolve(s, c, next) { const r = await next(s, c); const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url); if (m) process.stderr.write("loaded " + m[1] + "\\n"); return r; }\n`);
    const r = await run(process.execPath, ["--no-warnings", "--loader", hook, BIN, "--version"], { cwd: dir });
    expect(r.stdout.trim()).toBe(VERSION);
    const loaded = new Set(r.stderr.split("\n").filter((l) => l.startsWith("loaded ")).map((l) => l.slice(7)));
    expect(loaded.has("commander")).toBe(true); // the hook sees packages at all
    expect([...loaded].filter((p) => /^@aws-sdk\/|^@google-cloud\/|^@microsoft\/|^google-auth-library$|^google-gax$|^probot$/.test(p))).toEqual([]);
  });

  it("exits quietly with status 0 when the reader of its output has gone (gitgrant audit | head)", async () => {
    const child = spawn(process.execPath, [BIN, "--help"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader closes before gitgrant writes
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(err).toBe("");
    expect(code).toBe(0);
  });

  it("outside a git repository says so, as a usage error", async () => {
    for (const args of [["audit"], ["check", "--base", "main"], ["sweep", "--dry-run"], ["events"]]) {
      const r = await cli(args, dir);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toBe(`gitgrant: ${dir} is not inside a git repository: run gitgrant in a clone of your access repository, or pass --repo DIR\n`);
    }
  });

  it("in a shallow clone asks for git fetch --unshallow, as a usage error", async () => {
    const repo = await makeRepo();
    expect((await cli(["init"], repo.dir)).code).toBe(0);
    await repo.commit("init", { date: "2026-11-30T09:00:00Z" });
    await repo.write("access/requests/staging-deploy/alice.yaml", "reason: Deploy the hotfix for INC-7 to staging\nduration: 2h\n");
    await repo.commit("request", { date: "2026-11-30T10:00:00Z" });
    const shallow = join(dir, "shallow");
    await repo.git("clone", "--quiet", "--depth", "1", `file://${repo.dir}`, shallow);
    for (const args of [["audit"], ["sweep", "--dry-run", "--local"]]) {
      const r = await cli(args, shallow);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(/needs the full history, but this is a shallow clone: run `git fetch --unshallow`/);
    }
  });
});
