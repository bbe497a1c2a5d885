// apply.yml diffs from the last commit an apply run finished successfully, so a run GitHub
// cancelled while pending (three quick merges: the middle one never starts) or one that
// failed loses nothing, even where convergence cannot tell gitgrant's membership from a
// person's (no receipts, no marker). The step's own shell runs here against a real git
// repository, with a stand-in `gh` that answers as GitHub's list-workflow-runs API does.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { readLedger } from "../../src/providers/local.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { accessRepo, request } from "../helpers/orgs.js";

const run = promisify(execFile);
const BOB = "access/requests/staging-deploy/bob.yaml";
const CAROL = "access/requests/staging-deploy/carol.yaml";

interface Step {
  id?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
async function stepsOf(path: string): Promise<Step[]> {
  const w = parse(await readFile(path, "utf8")) as { jobs: Record<string, { steps: Step[] }> };
  return Object.values(w.jobs).flatMap((j) => j.steps);
}

let bin: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), "gg-gh-"));
});
afterAll(() => rm(bin, { recursive: true, force: true }));
afterEach(cleanupRepos);

/** `gh api ... --jq ...` as GitHub answers it: prints `reply` (the jq result), or fails. */
async function fakeGh(o: { reply?: string; fail?: boolean }): Promise<string> {
  const log = join(bin, "gh.log");
  const script = o.fail ? `#!/bin/sh\necho "$@" >> "${log}"\necho "HTTP 502: Server Error" >&2\nexit 1\n` : `#!/bin/sh\necho "$@" >> "${log}"\nprintf '%s\\n' '${o.reply ?? ""}'\n`;
  await writeFile(join(bin, "gh"), script);
  await chmod(join(bin, "gh"), 0o755);
  await writeFile(log, "");
  return log;
}

/** Runs the "last applied commit" step of a workflow file in `repo`, returning its output `base`. */
async function baseStep(file: string, repo: TestRepo, env: { BEFORE: string; AFTER: string }): Promise<string> {
  const step = (await stepsOf(file)).find((s) => s.id === "base")!;
  const out = join(bin, `out-${Math.random()}`);
  await writeFile(out, "");
  await run("bash", ["-e", "-c", step.run!], {
    cwd: repo.dir,
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: bin, GITHUB_REPOSITORY: "acme/access", BRANCH: "main", GH_TOKEN: "ghs_x", GITHUB_OUTPUT: out, ...env },
  });
  const line = (await readFile(out, "utf8")).split("\n").find((l) => l.startsWith("base="));
  return line!.slice("base=".length);
}

/** c1 grants bob, c2 deletes bob's file (its run cancelled while pending), c3 adds carol's. */
async function threeMerges() {
  const repo = await accessRepo();
  const c0 = await repo.sha();
  await repo.write(BOB, request("8h"));
  const c1 = await repo.commit("grant bob", { date: "2026-03-01T10:00:00Z" });
  await repo.rm(BOB);
  const c2 = await repo.commit("revoke bob", { date: "2026-03-01T10:01:00Z" });
  await repo.write(CAROL, request("8h"));
  const c3 = await repo.commit("grant carol", { date: "2026-03-01T10:02:00Z" });
  return { repo, c0, c1, c2, c3 };
}

describe.each([".github/workflows/apply.yml", "templates/common/.github/workflows/apply.yml"])("%s: the diff's base", (file) => {
  it("is the last successful apply run's commit when it is an ancestor, asked of GitHub's runs of this workflow on this branch", async () => {
    const { repo, c1, c2, c3 } = await threeMerges();
    const log = await fakeGh({ reply: c1 });
    expect(await baseStep(file, repo, { BEFORE: c2, AFTER: c3 })).toBe(c1);
    expect(await readFile(log, "utf8")).toContain("repos/acme/access/actions/workflows/apply.yml/runs?branch=main&event=push&status=success&per_page=1 --jq .workflow_runs[0].head_sha // empty");
  });

  it("is this push's before when no run succeeded yet, when GitHub fails, or when the last success is no ancestor (a force-push)", async () => {
    const { repo, c2, c3 } = await threeMerges();
    await fakeGh({ reply: "" });
    expect(await baseStep(file, repo, { BEFORE: c2, AFTER: c3 })).toBe(c2);
    await fakeGh({ fail: true });
    expect(await baseStep(file, repo, { BEFORE: c2, AFTER: c3 })).toBe(c2);
    await fakeGh({ reply: "9".repeat(40) });
    expect(await baseStep(file, repo, { BEFORE: c2, AFTER: c3 })).toBe(c2);
  });

  it("is what gitgrant apply is given", async () => {
    const apply = (await stepsOf(file)).find((s) => s.run?.includes("gitgrant apply") || s.with?.command === "apply")!;
    expect(`${apply.run ?? ""} ${apply.with?.args ?? ""} ${JSON.stringify(apply.env ?? {})}`).toMatch(/steps\.base\.outputs\.base/);
  });
});

describe("three quick merges, the middle run cancelled", () => {
  it("the last run applies from the last success: bob's deletion is revoked, carol is granted", async () => {
    const { repo, c0, c1, c2, c3 } = await threeMerges();
    const ledger = join(repo.dir, "..", "ledger.json");
    const io = (): Io & { out_: string[] } => {
      const out_: string[] = [];
      return { out_, out: (t) => void out_.push(t), err: () => {}, cwd: repo.dir, env: { GITGRANT_LEDGER: ledger } };
    };
    // Run 1 (push of c1) succeeded: bob holds staging-deploy.
    expect(await main(["apply", "--base", c0, "--head", c1, "--now", "2026-03-01T10:00:30Z"], io())).toBe(0);
    expect(Object.keys((await readLedger(ledger)).grants)).toEqual(["staging-deploy/bob"]);
    // Run 2 (push of c2) never started. Run 3 (push of c3, before = c2) asks for its base.
    await fakeGh({ reply: c1 });
    const base = await baseStep(".github/workflows/apply.yml", repo, { BEFORE: c2, AFTER: c3 });
    expect(await main(["apply", "--base", base, "--head", c3, "--now", "2026-03-01T10:02:30Z"], io())).toBe(0);
    expect(Object.keys((await readLedger(ledger)).grants)).toEqual(["staging-deploy/carol"]);
  });
});
