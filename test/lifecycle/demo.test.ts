// The README's first command, end to end: request -> check -> merge -> apply -> sweep ->
// revoke -> ledger empty, in a temporary copy of this repository's own example.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/index.js";
import { runDemo } from "../../src/cli/commands/demo.js";
import { parseTrailers } from "../../src/core/trailers.js";
import type { Io } from "../../src/cli/io.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";

const run = promisify(execFile);
const cleanup: string[] = [];
beforeEach(async () => {
  // No global git identity or config: the demo must bring its own (as on a fresh machine).
  const env = await gitEnv();
  for (const k of ["HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM"]) vi.stubEnv(k, env[k]!);
  for (const k of ["GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"]) vi.stubEnv(k, undefined);
});
afterEach(() => vi.unstubAllEnvs());
afterEach(cleanupHomes);
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function captureIo(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (t) => void lines.push(t), err: (t) => void errors.push(t), cwd: process.cwd(), env: {} };
}

describe("gitgrant demo", () => {
  it("takes one grant through its whole life, printing each step, and leaves an empty ledger", async () => {
    const io = captureIo();
    const { code, dir, steps } = await runDemo({ now: "2026-11-29T10:00:30Z", keep: true }, io);
    cleanup.push(dirname(dir));
    expect(code).toBe(0);
    expect(steps.map((s) => s.split("\n")[0]!.replace(/ \(.*$/, ""))).toEqual([
      "gitgrant demo: the whole life of one grant, in a temporary access repository",
      "1. main holds the rules",
      "2. alice opens a pull request",
      "3. gitgrant check --base main --head request/staging-deploy-alice --author alice --org-member alice",
      "4. Self-service, so the app squash-merges it at once",
      expect.stringMatching(/^5\. gitgrant apply --base [0-9a-f]{7} --head [0-9a-f]{7}$/),
      "6. gitgrant sweep --now 2026-11-29T11:02:00Z",
      "7. gitgrant sweep --now 2026-11-29T12:02:00Z",
      "8. The app merges the revoke",
      "9. The evidence, from git alone",
      `Kept the repository: ${dir}`,
    ]);
    const text = io.lines.join("\n");
    expect(text).toContain("OK - self-service, would be merged at once");
    expect(text).toContain("staging-deploy/alice: alice until 2026-11-29T12:02:00.000Z");
    expect(text).toContain("Nothing has expired.");
    expect(text).toContain("committed  access/requests/staging-deploy/alice.yaml  2026-11-29T12:02:00Z");
    expect(text).toContain("revoked  access/requests/staging-deploy/alice.yaml  revoked alice → staging-deploy");
    expect(text).toContain("(empty: nobody holds anything)");

    // What is left behind is a real repository whose history is the evidence.
    const git = async (...args: string[]) => (await run("git", args, { cwd: dir })).stdout;
    const log = (await git("log", "--format=%s", "main")).trim().split("\n");
    expect(log).toEqual([
      "Revoke expired access: staging-deploy for alice (#2)",
      "Request staging-deploy for alice (#1)",
      "The example organisation: catalog, policy, identities, CODEOWNERS, schemas",
    ]);
    expect(parseTrailers(await git("log", "-1", "--format=%B", "main"))).toEqual([
      { key: "Revoke", value: "access/requests/staging-deploy/alice.yaml" },
      { key: "Revoke-reason", value: "expired" },
      { key: "Pull-request", value: "#2" },
    ]);
    expect(parseTrailers(await git("log", "-1", "--format=%B", "main~1"))).toEqual([
      { key: "Grant", value: "access/requests/staging-deploy/alice.yaml" },
      { key: "Requested-by", value: "alice" },
      { key: "Policy-tier", value: "self-service" },
      { key: "Pull-request", value: "#1" },
    ]);
    expect((await git("log", "-1", "--format=%cI", "main~1")).trim()).toBe("2026-11-29T10:02:00+00:00");
    expect(await git("ls-tree", "-r", "--name-only", "main", "access/requests")).toBe("");
    expect(JSON.parse(await readFile(join(dirname(dir), "ledger.json"), "utf8"))).toEqual({ version: 1, grants: {} });
  });

  it("runs from the command line and removes its temporary repository unless --keep", async () => {
    const io = captureIo();
    const code = await main(["demo", "--now", "2026-11-29T10:00:00Z", "--format", "json"], io);
    expect(code).toBe(0);
    const out = JSON.parse(io.lines.join("\n")) as { ok: boolean; kept: string | null; steps: string[] };
    expect(out.ok).toBe(true);
    expect(out.kept).toBeNull();
    expect(out.steps).toHaveLength(11);
    const dir = out.steps[0]!.split("\n")[1]!.trim();
    await expect(readFile(join(dir, "access/catalog.yaml"), "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("fails loudly when the example does not behave (a policy that makes staging-deploy need approval)", async () => {
    const source = await mkdtemp(join(tmpdir(), "gitgrant-demo-source-"));
    cleanup.push(source);
    for (const p of ["access", ".github", "schemas"]) await cp(join(process.cwd(), p), join(source, p), { recursive: true });
    const policy = await readFile(join(source, "access/policy.yaml"), "utf8");
    await writeFile(join(source, "access/policy.yaml"), policy.replace("approvals: 0", "approvals: 1"));
    await expect(runDemo({ now: "2026-11-29T10:00:00Z", source }, captureIo())).rejects.toThrow("the demo did not go as expected: the request should be self-service");
  });
});
