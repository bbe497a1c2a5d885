import { afterEach, describe, expect, it } from "vitest";
import { applyPlan } from "../../src/operations/execute.js";
import { planChange } from "../../src/operations/plan.js";
import { applyOk, checkRunOutput, headline, prComment } from "../../src/operations/apply-report.js";
import type { GrantAction, Plan, RevokeAction } from "../../src/operations/plan-types.js";
import { grantWords, revokeWords } from "../../src/core/grant-words.js";
import type { Grant } from "../../src/core/types.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { RecordingProvider, resource } from "../helpers/providers.js";
import { replicaRequest as request, org } from "../helpers/orgs.js";
import { TEXT_LIMIT } from "../../src/github/limits.js";

afterEach(cleanupRepos);

const LANDED = new Date("2026-03-02T10:00:00Z");
const db = resource("prod-db-read", "aws-iam", { mode: "assume-role", role_arn: "arn:aws:iam::123456789012:role/prod-db-read" });

function grantAction(login: string, hours = 2): GrantAction {
  const grant: Grant = {
    path: `access/requests/prod-db-read/${login}.yaml`,
    login,
    resource: db,
    principal: login,
    startsAt: LANDED,
    expiresAt: new Date(LANDED.getTime() + hours * 3_600_000),
    reason: "Investigate INC-1234",
  };
  return { kind: "grant", path: grant.path, change: "added", grant, landedAt: LANDED, nativeExpiry: true, words: grantWords(grant, true) };
}

function revokeAction(login: string): RevokeAction {
  const ref = { path: `access/requests/prod-db-read/${login}.yaml`, login, resource: db, principal: login };
  return { kind: "revoke", path: ref.path, change: "deleted", ref, words: revokeWords(ref) };
}

const plan = (...actions: Plan["actions"]): Plan => ({ before: "a".repeat(40), after: "b".repeat(40), actions, skipped: [] });

function sleeper() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe("applyPlan", () => {
  it("a permanent failure on one grant does not block the others, and is reported with its kind", async () => {
    const aws = new RecordingProvider("aws-iam", { "access/requests/prod-db-read/bob.yaml": ["denied"] });
    const { sleep, delays } = sleeper();
    const results = await applyPlan(plan(revokeAction("carol"), grantAction("alice"), grantAction("bob"), grantAction("dave")), { "aws-iam": aws }, { sleep });

    expect(results.map((r) => [r.action.path, r.status, r.attempts])).toEqual([
      ["access/requests/prod-db-read/carol.yaml", "unchanged", 1],
      ["access/requests/prod-db-read/alice.yaml", "granted", 1],
      ["access/requests/prod-db-read/bob.yaml", "failed", 1],
      ["access/requests/prod-db-read/dave.yaml", "granted", 1],
    ]);
    expect(results[2]!.errorKind).toBe("denied");
    expect(results[2]!.detail).toBe(
      "could not grant bob → prod-db-read until 2026-03-02 12:00 UTC (native expiry): aws-iam said denied for access/requests/prod-db-read/bob.yaml",
    );
    expect(results[1]!.detail).toBe("granted alice → prod-db-read until 2026-03-02 12:00 UTC (native expiry): alice added to prod-db-read");
    expect(delays).toEqual([]); // denied is not worth retrying
    expect(aws.calls.map((c) => `${c.op} ${c.principal}`)).toEqual(["revoke carol", "grant alice", "grant bob", "grant dave"]);
  });

  it("transient errors are retried with backoff through the injected sleep, then reported after the last try", async () => {
    const aws = new RecordingProvider("aws-iam", {
      "access/requests/prod-db-read/alice.yaml": ["throttled", "transient", "ok"],
      "access/requests/prod-db-read/bob.yaml": ["transient"],
    });
    const { sleep, delays } = sleeper();
    const results = await applyPlan(plan(grantAction("alice"), grantAction("bob")), { "aws-iam": aws }, { sleep, attempts: 3, baseDelayMs: 100, random: () => 1 });

    expect(results.map((r) => [r.status, r.attempts])).toEqual([
      ["granted", 3],
      ["failed", 3],
    ]);
    expect(results[1]!.errorKind).toBe("transient");
    expect(results[1]!.detail).toBe(
      "could not grant bob → prod-db-read until 2026-03-02 12:00 UTC (native expiry): aws-iam said transient for access/requests/prod-db-read/bob.yaml (gave up after 3 tries)",
    );
    // Two pauses for each action: 100 ms, then 200 ms (random pinned to the top of the jitter).
    expect(delays).toEqual([100, 200, 100, 200]);
    expect(aws.calls.filter((c) => c.op === "grant").map((c) => c.principal)).toEqual(["alice", "alice", "alice", "bob", "bob", "bob"]);
  });

  it("a dry run calls no provider and says what it would do", async () => {
    const aws = new RecordingProvider("aws-iam", { "access/requests/prod-db-read/bob.yaml": ["denied"] });
    const results = await applyPlan(plan(revokeAction("carol"), grantAction("bob")), { "aws-iam": aws }, { dryRun: true });
    expect(aws.calls).toEqual([]);
    expect(results.map((r) => [r.status, r.detail, r.attempts])).toEqual([
      ["planned", "would revoke carol → prod-db-read", 0],
      ["planned", "would grant bob → prod-db-read until 2026-03-02 12:00 UTC (native expiry)", 0],
    ]);
  });

  it("a resource whose provider is missing or cannot be built fails alone", async () => {
    const aws = new RecordingProvider("aws-iam");
    const local = resource("staging-deploy", "local");
    const ref = { path: "access/requests/staging-deploy/erin.yaml", login: "erin", resource: local, principal: "erin" };
    const orphan: RevokeAction = { kind: "revoke", path: ref.path, change: "deleted", ref, words: revokeWords(ref) };
    const missing = await applyPlan(plan(orphan, grantAction("alice")), { "aws-iam": aws });
    expect(missing.map((r) => [r.status, r.errorKind])).toEqual([
      ["failed", "invalid"],
      ["granted", undefined],
    ]);
    expect(missing[0]!.detail).toBe("could not revoke erin → staging-deploy: no local provider is configured, so erin → staging-deploy cannot be changed");

    const broken = await applyPlan(plan(orphan, grantAction("alice")), (name) => {
      if (name === "local") throw new Error("cannot open the ledger");
      return aws;
    });
    // The same grant again: the provider found it in place.
    expect(broken.map((r) => r.status)).toEqual(["failed", "unchanged"]);
    expect(broken[0]!.detail).toMatch(/^could not revoke erin → staging-deploy: set up the local provider: temporary failure: cannot open the ledger$/);
  });

  it("an extension re-grants with the new expiry: landing time + duration, capped by the tier", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ ...org("apply").files(), "access/requests/prod-db-admin/alice.yaml": request("1h", "ticket: INC-9\n") });
    const c1 = await repo.commit("alice admin 1h", { date: "2026-03-02T09:00:00Z" });
    await repo.write("access/requests/prod-db-admin/alice.yaml", request("4h", "ticket: INC-9\n"));
    const c2 = await repo.commit("extend to 4h", { date: "2026-03-02T09:40:00Z", committerDate: "2026-03-02T09:45:10Z" });
    const local = new LocalGitRepo(repo.dir);
    const aws = new RecordingProvider("aws-iam");

    const first = await planChange({ repo: local, before: "0".repeat(40), after: c1 });
    await applyPlan(first, { "aws-iam": aws });
    const extension = await planChange({ repo: local, before: c1, after: c2 });
    const results = await applyPlan(extension, { "aws-iam": aws });

    expect(aws.calls).toEqual([
      { op: "grant", path: "access/requests/prod-db-admin/alice.yaml", principal: "alice", expiresAt: "2026-03-02T10:00:00.000Z" },
      // 09:45:10 landing + 4h asked, capped at the escalated tier's 2h.
      { op: "grant", path: "access/requests/prod-db-admin/alice.yaml", principal: "alice", expiresAt: "2026-03-02T11:45:10.000Z" },
    ]);
    expect(results[0]!.status).toBe("granted");
    expect(headline(results[0]!)).toBe(`granted alice → prod-db-admin until 2026-03-02 11:45:10 UTC (shortened to tier "escalated"'s max_duration of 2h)`);
  });
});

describe("reports", () => {
  it("the check run summary and the PR comment list every result and skip, and a failure or problem is not ok", async () => {
    const aws = new RecordingProvider("aws-iam", { "access/requests/prod-db-read/bob.yaml": ["denied"] });
    const p = plan(revokeAction("carol"), grantAction("alice"), grantAction("bob"));
    p.skipped.push({ path: "access/requests/prod-db-read/erin.yaml", reason: "starts at 2026-03-05 08:00 UTC; the sweep grants it then", problem: false });
    await aws.grant({ ...grantAction("carol").grant });
    const results = await applyPlan(p, { "aws-iam": aws });

    expect(applyOk(results, p.skipped)).toBe(false);
    expect(applyOk(results.filter((r) => r.status !== "failed"), p.skipped)).toBe(true);
    expect(applyOk([], [{ path: "x", reason: "y", problem: true }])).toBe(false);

    const out = checkRunOutput(p, results);
    expect(out.title).toBe("1 granted, 1 revoked, 1 failed, 1 skipped");
    expect(out.summary).toBe(
      [
        "Applied aaaaaaa..bbbbbbb: 1 granted, 1 revoked, 1 failed, 1 skipped.",
        "",
        "| | File | Result |",
        "|---|---|---|",
        "| ✅ | `access/requests/prod-db-read/carol.yaml` | revoked carol → prod-db-read: carol removed from prod-db-read |",
        "| ✅ | `access/requests/prod-db-read/alice.yaml` | granted alice → prod-db-read until 2026-03-02 12:00 UTC (native expiry): alice added to prod-db-read |",
        "| ❌ | `access/requests/prod-db-read/bob.yaml` | could not grant bob → prod-db-read until 2026-03-02 12:00 UTC (native expiry): aws-iam said denied for access/requests/prod-db-read/bob.yaml |",
        "| ⏸ | `access/requests/prod-db-read/erin.yaml` | starts at 2026-03-05 08:00 UTC; the sweep grants it then |",
        "",
        "A grant with native expiry ends on time in the target system itself; any other is removed by the sweep's revoke pull request when it expires.",
      ].join("\n"),
    );
    expect(prComment(p, results)).toBe(
      [
        "**gitgrant** applied this merge (bbbbbbb):",
        "",
        "- ✅ revoked carol → prod-db-read",
        "- ✅ granted alice → prod-db-read until 2026-03-02 12:00 UTC",
        "- ❌ could not grant bob → prod-db-read until 2026-03-02 12:00 UTC (native expiry): aws-iam said denied for access/requests/prod-db-read/bob.yaml",
        "- ⏸ `access/requests/prod-db-read/erin.yaml`: starts at 2026-03-05 08:00 UTC; the sweep grants it then",
        "",
        "Details are on the `gitgrant/apply` check run of the merge commit.",
      ].join("\n"),
    );
  });

  it("a summary over GitHub's 65,535 characters is cut at a row, saying how many rows were left out", () => {
    const many = Array.from({ length: 800 }, (_, i) => grantAction(`user${String(i).padStart(4, "0")}`));
    const p = plan(...many);
    const results = many.map((action) => ({ action, status: "failed" as const, detail: `could not ${action.words}: ${"x".repeat(120)}`, attempts: 1 }));
    const { summary } = checkRunOutput(p, results);
    expect(summary.length).toBeLessThanOrEqual(TEXT_LIMIT);
    const shown = summary.split("\n").filter((l) => l.startsWith("| ❌")).length;
    expect(shown).toBeGreaterThan(100);
    expect(summary.endsWith(`…and ${800 - shown} more rows; run \`gitgrant plan\` for all of them.`)).toBe(true);
  });
});
