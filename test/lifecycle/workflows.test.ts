// The scheduled workflows are part of the product: their triggers, permissions and pins
// are security properties, so they are asserted like code.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, { steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }> }>;
}

const load = async (name: string) => parse(await readFile(`.github/workflows/${name}.yml`, "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

describe("workflows", () => {
  it.each(["sweep", "reconcile", "ci", "apply", "report", "events"])("%s: no pull_request_target, every action pinned to a full commit SHA", async (name) => {
    const w = await load(name);
    expect(Object.keys(w.on)).not.toContain("pull_request_target");
    for (const s of steps(w).filter((x) => x.uses)) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it("sweep: every 5 minutes and by hand, least permissions, never two at once, full history", async () => {
    const w = await load("sweep");
    expect(w.on.schedule).toEqual([{ cron: "*/5 * * * *" }]);
    expect(Object.keys(w.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(w.permissions).toEqual({ contents: "write", "pull-requests": "write" });
    expect(w.concurrency).toEqual({ group: "gitgrant-sweep", "cancel-in-progress": false });
    expect(steps(w)[0]!.with).toMatchObject({ "fetch-depth": 0 });
    expect(steps(w).some((s) => s.run?.includes("npx gitgrant sweep"))).toBe(true);
  });

  it("sweep: runs as the GitHub App when its credentials are configured, else with the workflow's token", async () => {
    const raw = await readFile(".github/workflows/sweep.yml", "utf8");
    const w = parse(raw) as Workflow & { jobs: Record<string, { steps: Array<{ id?: string; if?: string; env?: Record<string, string> }> }> };
    const all = Object.values(w.jobs).flatMap((j) => j.steps);
    const app = all.find((s) => s.id === "app-token")!;
    expect(app.if).toBe("vars.GITGRANT_APP_ID != ''");
    expect((app as { uses?: string }).uses).toMatch(/^actions\/create-github-app-token@[0-9a-f]{40}$/);
    const sweepStep = all.find((s) => s.env?.GITHUB_TOKEN)!;
    expect(sweepStep.env!.GITHUB_TOKEN).toBe("${{ steps.app-token.outputs.token || github.token }}");
  });

  it("reconcile: daily, with --fix on schedule; ci runs .ci/run on pull requests and pushes", async () => {
    const r = await load("reconcile");
    expect(r.on.schedule).toEqual([{ cron: "17 6 * * *" }]);
    expect(r.permissions).toEqual({ contents: "read", issues: "write", "id-token": "write" });
    expect(steps(r).some((s) => s.run?.includes("npx gitgrant reconcile"))).toBe(true);
    const ci = await load("ci");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    expect(steps(ci).map((s) => s.run).filter(Boolean)).toEqual(["bash .ci/run"]);
  });

  it("apply: on pushes of request files, OIDC but no write to the repository; events: opt-in, writing only its record of what it sent", async () => {
    const a = await load("apply");
    expect(a.permissions).toEqual({ contents: "read", actions: "read", "id-token": "write" });
    expect(steps(a).some((s) => s.run?.includes("gitgrant apply"))).toBe(true);
    const e = await load("events");
    // contents: write for refs/gitgrant/events, the range already sent (issue 14: told once).
    expect(e.permissions).toEqual({ contents: "write" });
    expect(e.on.schedule).toEqual([{ cron: "*/5 * * * *" }]);
    const run = steps(e).find((s) => s.run?.includes("npx gitgrant events"))?.run ?? "";
    expect(run).toMatch(/--send/);
    expect(run).toMatch(/--once/);
    expect(run).not.toMatch(/--since/);
  });
});

// Issue 11 item 17 and issue 13: secrets and cloud roles only from the default branch, no
// token left behind by a checkout, the current Node LTS; the same for the workflows `init` scaffolds.
interface Job {
  if?: string;
  environment?: string | { name: string };
  steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }>;
}
const ON_DEFAULT_BRANCH = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)";
const SECRETS = /\$\{\{\s*secrets\.|id-token/;

async function loadFrom(dir: string, name: string): Promise<{ raw: string; w: Workflow & { jobs: Record<string, Job> } }> {
  const raw = await readFile(`${dir}/${name}.yml`, "utf8");
  return { raw, w: parse(raw) as Workflow & { jobs: Record<string, Job> } };
}

/** A job can reach secrets or mint cloud credentials: it uses secrets.*, or its workflow grants id-token. */
function reachesSecrets(w: Workflow, job: Job): boolean {
  return JSON.stringify(job).match(/secrets\./) !== null || w.permissions?.["id-token"] === "write";
}

describe.each([
  { where: ".github/workflows", names: ["sweep", "reconcile", "ci", "apply", "report", "events", "release"] },
  { where: "templates/common/.github/workflows", names: ["sweep", "reconcile", "apply", "events", "validate"] },
])("$where: secrets from the default branch only", ({ where, names }) => {
  it.each(names)("%s: checkouts persist no credentials; setup-node is on Node 24", async (name) => {
    const { w } = await loadFrom(where, name);
    const all = Object.values(w.jobs).flatMap((j) => j.steps);
    for (const s of all.filter((x) => x.uses?.startsWith("actions/checkout@"))) expect(s.with?.["persist-credentials"]).toBe(false);
    for (const s of all.filter((x) => x.uses?.startsWith("actions/setup-node@"))) expect(s.with?.["node-version"]).toBe(24);
    expect(Object.keys(w.on)).not.toContain("pull_request_target");
  });

  it.each(names)("%s: every job that can reach a secret or a cloud role runs in an environment, and only on the default branch", async (name) => {
    const { w } = await loadFrom(where, name);
    for (const [id, job] of Object.entries(w.jobs)) {
      const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
      if (id === "deploy" && env === "github-pages") continue; // Pages' own environment, branch-limited by GitHub
      if (!reachesSecrets(w, job)) continue;
      expect(env, `${name}.${id}`).toMatch(/^(gitgrant|release)$/);
      expect(job.if ?? "", `${name}.${id}`).toContain(ON_DEFAULT_BRANCH);
    }
  });
});

describe("the scaffolded workflows", () => {
  it("run gitgrant through the action (no npm ci, no test suite), on a placeholder init pins to a version", async () => {
    for (const name of ["sweep", "reconcile", "apply", "events", "validate"]) {
      const { raw, w } = await loadFrom("templates/common/.github/workflows", name);
      const steps = Object.values(w.jobs).flatMap((j) => j.steps);
      expect(raw).not.toMatch(/npm (ci|install|test)|setup-node/);
      const gitgrant = steps.filter((s) => s.uses === "__GITGRANT_ACTION__");
      expect(gitgrant, name).toHaveLength(1);
      expect(gitgrant[0]!.with?.command).toBe(name === "validate" ? "validate" : name);
      for (const s of steps.filter((x) => x.uses && x.uses !== "__GITGRANT_ACTION__")) expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
  });

  it("state the Actions minutes a month each scheduled one costs at its interval, and a longer interval", async () => {
    expect((await loadFrom("templates/common/.github/workflows", "sweep")).raw).toMatch(/Every 5 minutes is 8,640\s+# minutes a month[\s\S]*hourly \("17 \* \* \* \*", 720 minutes a month\)/);
    expect((await loadFrom("templates/common/.github/workflows", "events")).raw).toMatch(/8,640 billed minutes a month[\s\S]*"\*\/15 \* \* \* \*", 2,880/);
    expect((await loadFrom("templates/common/.github/workflows", "reconcile")).raw).toMatch(/30-60 a month/);
  });
});

describe("apply workflow: no run is lost", () => {
  it.each([".github/workflows/apply.yml", "templates/common/.github/workflows/apply.yml"])("%s converges after the diff, in one serial group, and says why that loses nothing", async (path) => {
    const raw = await readFile(path, "utf8");
    const w = parse(raw) as Workflow & { jobs: Record<string, { steps: Array<{ run?: string; with?: { args?: string } }> }> };
    expect(w.concurrency).toEqual({ group: "gitgrant-apply", "cancel-in-progress": false });
    const apply = Object.values(w.jobs).flatMap((j) => j.steps).find((s) => s.run?.includes("gitgrant apply") || s.with?.args?.includes("--base"))!;
    expect(apply.run ?? apply.with!.args).toMatch(/--converge$/);
    // GitHub cancels a pending run when a newer one queues; the comment says why that is harmless.
    expect(raw).toContain("CANCELS the pending run when a newer one queues");
  });
});
