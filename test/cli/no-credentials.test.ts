// The example catalog (access/ of this repository) on a machine with no cloud credentials at
// all: reconcile and apply finish, say once per provider what is missing and where it comes
// from, go on with the local resources, and exit 1, with no stack trace.
import nock from "nock";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { cli } from "../helpers/cli.js";
import { cleanupHomes, cleanupRepos, gitEnv, makeRepo, type TestRepo } from "../helpers/gitrepo.js";

const ROOT = join(import.meta.dirname, "..", "..");
// Every variable a credential chain could find a credential in, unset for the test.
const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_REGION", "AWS_DEFAULT_REGION",
  "GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
  "AZURE_FEDERATED_TOKEN_FILE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "GITGRANT_GITHUB_TOKEN",
];

beforeAll(() => nock.disableNetConnect());
beforeEach(async () => {
  for (const [k, v] of Object.entries(await gitEnv("2026-11-29T08:57:20Z"))) vi.stubEnv(k, v!);
  for (const k of CREDENTIAL_VARIABLES) vi.stubEnv(k, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  nock.cleanAll();
});
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

/** A repository holding this project's own access/ folder, committed at 08:57:20. */
async function exampleRepo(): Promise<TestRepo> {
  const repo = await makeRepo();
  const files: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else files[path] = await readFile(join(ROOT, path), "utf8");
    }
  };
  await walk("access");
  files[".github/CODEOWNERS"] = await readFile(join(ROOT, ".github/CODEOWNERS"), "utf8");
  await repo.writeAll(files);
  await repo.commit("example", { date: "2026-11-29T08:57:20Z" });
  return repo;
}

const NOW = "2026-11-29T09:30:00Z";
const STACK = /^\s+at \S+/m;

describe("no cloud credentials at all", () => {
  it("gitgrant validate accepts the example catalog (every target can really be granted)", async () => {
    const repo = await exampleRepo();
    const run = await cli(["validate", "--repo", repo.dir], repo.dir, {});
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
  });

  it("gitgrant reconcile: one line per provider naming what to set, the local resources still checked, exit 1", async () => {
    const repo = await exampleRepo();
    const ledger = join(repo.dir, "..", "ledger.json");
    const run = await cli(["reconcile", "--repo", repo.dir, "--now", NOW, "--ledger", ledger, "--local"], repo.dir, {});
    expect(run.code).toBe(1);
    expect(`${run.out}${run.err}`).not.toMatch(STACK);
    const unchecked = run.out.split("\n").filter((l) => l.startsWith("not checked"));
    expect(unchecked).toHaveLength(4);
    expect(unchecked[0]).toMatch(/^not checked \(billing-console, tenant-global-admin\): entra-group: AZURE_TENANT_ID and AZURE_CLIENT_ID not set\. Set AZURE_TENANT_ID/);
    expect(unchecked[1]).toMatch(/^not checked \(gcp-prod-viewer\): gcp-iam: no Google credentials were found .*google-github-actions\/auth/);
    expect(unchecked[2]).toMatch(/^not checked \(infra-admins\): github-team: no GitHub token in the environment\. Set GITGRANT_GITHUB_TOKEN or GITHUB_TOKEN/);
    expect(unchecked[3]).toMatch(/^not checked \(prod-db-admin, prod-db-read\): aws-iam: no usable AWS credentials \(CredentialsProviderError: .*"AWS credentials \(GitHub OIDC\)" step/);
    // The local resources were checked all the same.
    expect(run.out).toMatch(/^Reconcile of main at [0-9a-f]{7} as at 2026-11-29T09:30:00Z: 2 resource\(s\) checked/);
  });

  it("gitgrant apply: each cloud grant fails once with its setup problem, the local ones are granted, exit 1", async () => {
    const repo = await exampleRepo();
    const ledger = join(repo.dir, "..", "ledger.json");
    const run = await cli(
      ["apply", "--repo", repo.dir, "--base", "0000000000000000000000000000000000000000", "--head", "main", "--now", NOW, "--ledger", ledger, "--format", "json"],
      repo.dir,
      {},
    );
    expect(run.code).toBe(1);
    expect(`${run.out}${run.err}`).not.toMatch(STACK);
    expect(run.err).toBe(""); // no retries were announced: configuration errors are not retried
    const results = run.json<{ results: Array<{ path: string; status: string; error_kind?: string; attempts: number; detail: string }> }>().results;
    const byPath = Object.fromEntries(results.map((r) => [r.path, r]));
    expect(byPath["access/requests/gcp-prod-viewer/carol.yaml"]).toMatchObject({ status: "failed", error_kind: "config", attempts: 1 });
    expect(byPath["access/requests/gcp-prod-viewer/carol.yaml"]!.detail).toMatch(/gcp-iam: no Google credentials were found/);
    expect(byPath["access/requests/prod-db-read/bob.yaml"]).toMatchObject({ status: "failed", error_kind: "config", attempts: 1 });
    expect(byPath["access/requests/prod-db-read/bob.yaml"]!.detail).toMatch(/aws-iam: no usable AWS credentials/);
    expect(byPath["access/requests/staging-deploy/alice.yaml"]!.status).toBe("granted");
    expect(byPath["access/requests/support-console/erin.yaml"]!.status).toBe("granted");
  });
});
