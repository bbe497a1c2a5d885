// End to end through the command line with the local provider: a merged request becomes a
// ledger entry, its deletion removes it, and plan shows the same without touching anything.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";
import { replicaRequest as request, org } from "../helpers/orgs.js";

const ERIN = "access/requests/staging-deploy/erin.yaml";
let repo: TestRepo;
let base: string;
let ledger: string;

beforeEach(async () => {
  repo = await makeRepo();
  await repo.writeAll(org("apply").files());
  base = await repo.commit("config", { date: "2026-03-02T08:00:00Z" });
  ledger = join(repo.dir, "..", "ledger.json");
});
afterEach(cleanupRepos);

/** A request PR by erin, merged with a merge commit at `at`. */
async function mergeRequest(at: string): Promise<string> {
  await repo.branch("request");
  await repo.write(ERIN, request("2h"));
  await repo.commit("request staging-deploy", { author: "erin", date: "2026-03-02T09:00:00Z" });
  await repo.checkout("main");
  return repo.merge("request", { date: at, committer: "gitgrant" });
}

const readLedger = () => JSON.parse(readFileSync(ledger, "utf8")) as { version: number; grants: Record<string, Record<string, string>> };
const run = (cmd: string, from: string, to: string, ...more: string[]) =>
  cli([cmd, "--repo", repo.dir, "--base", from, "--head", to, "--now", "2026-03-02T10:05:00Z", ...more], join(repo.dir, ".."), { GITGRANT_LEDGER: ledger });

describe("plan and apply with the local provider", () => {
  it("merge -> the ledger holds the grant until landing + duration; apply again changes nothing; deletion -> the ledger is empty", async () => {
    const merged = await mergeRequest("2026-03-02T10:00:00Z");

    const planned = await run("plan", base, merged, "--format", "json");
    expect(planned.code).toBe(0);
    expect(planned.json()).toMatchObject({
      before: base,
      after: merged,
      dry_run: true,
      ok: true,
      results: [
        {
          path: ERIN,
          action: "grant",
          change: "added",
          status: "planned",
          detail: "would grant erin → staging-deploy until 2026-03-02 12:00 UTC (removed by the sweep at expiry)",
          login: "erin",
          resource: "staging-deploy",
          provider: "local",
          principal: "erin-contractor",
          starts_at: "2026-03-02T10:00:00.000Z",
          expires_at: "2026-03-02T12:00:00.000Z",
          landed_at: "2026-03-02T10:00:00.000Z",
          native_expiry: false,
          attempts: 0,
        },
      ],
      skipped: [],
    });
    expect(existsSync(ledger)).toBe(false);

    const applied = await run("apply", base, merged, "--ledger", ledger);
    expect(applied.code).toBe(0);
    const what = "granted erin → staging-deploy until 2026-03-02 12:00 UTC";
    expect(applied.out).toBe(
      [
        `${base.slice(0, 7)}..${merged.slice(0, 7)}: 1 granted`,
        "",
        "result   file                                      what",
        `-------  ${"-".repeat(ERIN.length)}  ${"-".repeat(what.length)}`,
        `granted  ${ERIN}  ${what}`,
        "",
      ].join("\n"),
    );
    const entry = readLedger().grants["staging-deploy/erin"]!;
    expect(entry).toMatchObject({
      principal: "erin-contractor",
      resource: "staging-deploy",
      startsAt: "2026-03-02T10:00:00.000Z",
      expiresAt: "2026-03-02T12:00:00.000Z",
      reason: "Investigate INC-1234, slow queries on the replica",
    });

    // A redelivered push, or the workflow re-run: the grant is already there.
    const again = await run("apply", base, merged, "--format", "json");
    expect(again.code).toBe(0);
    expect(again.json<{ results: Array<{ status: string }> }>().results.map((r) => r.status)).toEqual(["unchanged"]);
    expect(readLedger().grants["staging-deploy/erin"]).toEqual(entry);

    await repo.rm(ERIN);
    const removed = await repo.commit("relinquish", { author: "erin", date: "2026-03-02T11:00:00Z" });
    const revoked = await run("apply", merged, removed, "--format", "json");
    expect(revoked.code).toBe(0);
    expect(revoked.json()).toMatchObject({ ok: true, results: [{ path: ERIN, action: "revoke", change: "deleted", status: "revoked", principal: "erin-contractor" }] });
    expect(readLedger()).toEqual({ version: 1, grants: {} });
  });

  it("a provider failure is reported and exits 1; the human table says why", async () => {
    const merged = await mergeRequest("2026-03-02T10:00:00Z");
    writeFileSync(ledger, "{ not json");
    const summaryFile = join(repo.dir, "..", "step-summary.md");
    const r = await cli(["apply", "--repo", repo.dir, "--base", base, "--head", merged, "--now", "2026-03-02T10:05:00Z"], join(repo.dir, ".."), {
      GITGRANT_LEDGER: ledger,
      GITHUB_STEP_SUMMARY: summaryFile,
    });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^[0-9a-f]{7}\.\.[0-9a-f]{7}: 1 failed\n/);
    expect(r.out).toContain(`failed  ${ERIN}  could not grant erin → staging-deploy until 2026-03-02 12:00 UTC (removed by the sweep at expiry): the ledger ${ledger} is not valid JSON`);
    expect(readFileSync(ledger, "utf8")).toBe("{ not json");
    // In GitHub Actions the check run's table also goes on the job summary.
    const summary = readFileSync(summaryFile, "utf8");
    expect(summary).toMatch(/^## gitgrant apply\n\nApplied [0-9a-f]{7}\.\.[0-9a-f]{7}: 1 failed\.\n/);
    expect(summary).toContain(`| ❌ | \`${ERIN}\` | could not grant erin → staging-deploy`);
  });

  it("plan exits 1 when a file on the branch cannot be granted, and apply takes an all-zero base", async () => {
    await repo.write("access/requests/staging-deploy/mallory.yaml", request("1h"));
    const head = await repo.commit("hand-merged", { date: "2026-03-02T10:00:00Z" });
    const planned = await run("plan", base, head);
    expect(planned.code).toBe(1);
    expect(planned.out).toContain("NOT APPLIED  access/requests/staging-deploy/mallory.yaml  not granted: mallory is not listed in access/identities.yaml");

    const fresh = await run("plan", "0".repeat(40), head, "--format", "json");
    expect(fresh.json<{ skipped: Array<{ path: string }> }>().skipped.map((s) => s.path)).toEqual(["access/requests/staging-deploy/mallory.yaml"]);
  });

  it("both commands have --help, and an unknown base is a usage error", async () => {
    for (const cmd of ["plan", "apply"]) {
      const help = await cli([cmd, "--help"]);
      expect(help.code).toBe(0);
      expect(help.out).toContain("--base <ref>");
      expect(help.out).toContain("--format <format>");
    }
    expect((await cli(["apply", "--help"])).out).toContain("--ledger <path>");
    const unknown = await run("apply", "deadbeef", "HEAD");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown git ref "deadbeef"');
  });
});
