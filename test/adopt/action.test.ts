// The GitHub Action as a runner executes it: the one-file bundle built with esbuild, its
// entry run by plain node from an action checkout (package.json, schemas/, action/dist/),
// inputs as INPUT_* environment variables, on a repository made by `gitgrant init`.
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ACTION_COMMANDS, runAction, splitArgs } from "../../src/action/run.js";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
let checkout: string;
let repo: TestRepo;

beforeAll(async () => {
  checkout = await mkdtemp(join(tmpdir(), "gitgrant-action-"));
  // What `uses: owner/gitgrant@tag` downloads: the repository at the release tag, bundle included.
  await cp(join(ROOT, "package.json"), join(checkout, "package.json"));
  await cp(join(ROOT, "action.yml"), join(checkout, "action.yml"));
  await cp(join(ROOT, "schemas"), join(checkout, "schemas"), { recursive: true });
  await mkdir(join(checkout, "action/dist"), { recursive: true });
  await run(process.execPath, [join(ROOT, "scripts/build-action.mjs"), join(checkout, "action/dist/index.js")]);
  repo = await makeRepo();
  expect((await cli(["init"], repo.dir)).code).toBe(0);
  await repo.write("access/requests/staging-deploy/alice.yaml", "reason: Deploy the hotfix for INC-7 to staging\nduration: 2h\n");
  await repo.commit("gitgrant init and a first request", { date: "2026-11-30T09:00:00Z" });
}, 120_000);
afterAll(async () => {
  await cleanupRepos();
  await rm(checkout, { recursive: true, force: true });
});

/** Runs the bundle as the runner does: node on runs.main, with only the variables Actions sets. */
async function action(inputs: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: repo.dir, GITHUB_WORKSPACE: repo.dir, GITHUB_ACTIONS: "true" };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const manifest = parse(await readFile(join(checkout, "action.yml"), "utf8"));
  try {
    const r = await run(process.execPath, [join(checkout, manifest.runs.main)], { cwd: join(checkout), env });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe("the gitgrant action", () => {
  it("is a JavaScript action on Node 24 whose main is the one bundled file", async () => {
    const manifest = parse(await readFile(join(ROOT, "action.yml"), "utf8"));
    expect(manifest.runs).toEqual({ using: "node24", main: "action/dist/index.js" });
    expect(Object.keys(manifest.inputs)).toEqual(["command", "args", "working-directory"]);
    expect(manifest.inputs.command.required).toBe(true);
    // One self-contained file: nothing beside it in dist, no node_modules in the checkout.
    expect((await stat(join(checkout, "action/dist/index.js"))).size).toBeGreaterThan(100_000);
    await expect(stat(join(checkout, "node_modules"))).rejects.toThrow(/ENOENT/);
  });

  it("validates the requests of an init'ed repository", async () => {
    const r = await action({ command: "validate", args: "--format json" });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, files: [{ path: "access/requests/staging-deploy/alice.yaml", valid: true, tier: "self-service" }] });
  });

  it("sweeps with --dry-run in the local clone and finds what expired", async () => {
    const r = await action({ command: "sweep", args: "--branch main --dry-run --now 2026-11-30T12:00:00Z --format json" });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ mode: "local", dry_run: true, branch: "main", counts: { expired: 1, active: 0 } });
    expect(out.revokes).toHaveLength(1);
    expect(await repo.git("branch", "--list", "gitgrant/*")).toBe("");
  });

  it("fails a step with a workflow error on findings, and refuses a command it does not run", async () => {
    await repo.write("access/requests/staging-deploy/bob.yaml", "reason: x\n");
    const bad = await action({ command: "validate" });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("::error::gitgrant validate exited 1 (findings: see the output above)");
    await rm(join(repo.dir, "access/requests/staging-deploy/bob.yaml"));
    const unknown = await action({ command: "rm -rf /" });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^::error::gitgrant action: the command input must be one of validate, check/);
  });
});

describe("the action's inputs", () => {
  it("splits args on spaces, keeps quoted values whole and runs no shell", () => {
    expect(splitArgs("  --branch main   --dry-run ")).toEqual(["--branch", "main", "--dry-run"]);
    expect(splitArgs(`--title "Access audit: acme/access" --note '' x`)).toEqual(["--title", "Access audit: acme/access", "--note", "", "x"]);
    expect(splitArgs("$(id); echo")).toEqual(["$(id);", "echo"]);
    expect(() => splitArgs('--title "open')).toThrow(/unclosed "/);
  });

  it("reads working-directory as Actions names it (INPUT_WORKING-DIRECTORY), relative to the workspace", async () => {
    const lines: string[] = [];
    const io = { out: (t: string) => void lines.push(t), err: (t: string) => void lines.push(t), cwd: "/", env: {} };
    const code = await runAction({ GITHUB_WORKSPACE: join(repo.dir, ".."), "INPUT_WORKING-DIRECTORY": repo.dir.split("/").pop()!, INPUT_COMMAND: "validate", INPUT_ARGS: "--format json" }, io);
    expect(code).toBe(0);
    expect(JSON.parse(lines[0]!).ok).toBe(true);
    expect(ACTION_COMMANDS).toEqual(expect.arrayContaining(["sweep", "apply", "reconcile", "events", "report", "validate"]));
  });
});
