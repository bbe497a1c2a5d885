// gitgrant metrics on the known history (test/helpers/history.ts), every figure computed by hand:
//
//   life            requested  landed  time to grant  expiry  removed            after expiry
//   alice #1        10:00      10:02    2m            12:02   11:30 (early)      -
//   bob #2          10:30      11:00   30m            15:00   edited 13:00       -
//   dave (by hand)  12:00      12:30   30m            13:30   13:45 (sweep)      15m
//   bob #3 (ext.)   12:50      13:00   10m            19:00   on the branch      -
//
// time to grant, sorted: 2m, 10m, 30m, 30m -> mean 18m; nearest-rank p50 = 2nd = 10m, p95 = 4th = 30m.
// Without a human: alice only (1/4). Complete evidence: all but dave (3/4).
// Standing at 15:00 with a 3h threshold: bob #3 (a 6h window; held since 11:00).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeMetrics, isStanding, percentile, stats } from "../../src/core/metrics.js";
import { readAudit } from "../../src/operations/audit.js";
import type { GrantLife } from "../../src/core/audit-types.js";
import { main } from "../../src/cli/index.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { P, T, buildKnownHistory, type KnownHistory } from "../helpers/history.js";

const M = 60_000;
let h: KnownHistory;
let lives: GrantLife[];

beforeAll(async () => {
  h = await buildKnownHistory();
  lives = (await readAudit({ dir: h.repo.dir })).lives;
});
afterAll(cleanupRepos);

describe("metrics math", () => {
  it("nearest-rank percentiles and the mean", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(percentile([], 50)).toBeNull();
    expect(stats([30, 10, 20])).toEqual({ count: 3, mean_ms: 20, p50_ms: 20, p95_ms: 30 });
  });
});

describe("metrics of the known history", () => {
  it("overall figures match the hand-computed table", () => {
    const m = computeMetrics(lives, { now: T("15:00"), standingThreshold: "3h" });
    expect(m.overall).toEqual({
      grants: 4,
      time_to_grant: { count: 4, mean_ms: 18 * M, p50_ms: 10 * M, p95_ms: 30 * M },
      time_to_revoke_after_expiry: { count: 1, mean_ms: 15 * M, p50_ms: 15 * M, p95_ms: 15 * M },
      without_human: 1,
      without_human_share: 0.25,
      complete_evidence: 3,
      completeness: 0.75,
      expired_not_revoked: 0,
      overdue: 0,
      standing: { count: 1, without_expiry: 0, longer_than_threshold: 1, paths: [P.bob] },
    });
  });

  it("per tier and per resource", () => {
    const m = computeMetrics(lives, { now: T("15:00"), standingThreshold: "3h" });
    expect(Object.keys(m.by_tier)).toEqual(["(unknown)", "conditional", "self-service"]);
    expect(m.by_tier.conditional!.time_to_grant).toEqual({ count: 2, mean_ms: 20 * M, p50_ms: 10 * M, p95_ms: 30 * M });
    expect(m.by_tier["self-service"]!).toMatchObject({ grants: 1, without_human_share: 1, completeness: 1 });
    expect(m.by_tier["(unknown)"]!).toMatchObject({ grants: 1, completeness: 0, time_to_revoke_after_expiry: { count: 1, mean_ms: 15 * M } });
    expect(Object.keys(m.by_resource)).toEqual(["prod-admin", "prod-db-read", "staging-deploy"]);
    expect(m.by_resource["prod-db-read"]!.standing.count).toBe(1);
    expect(m.by_resource["staging-deploy"]!.standing.count).toBe(0);
  });

  it("--since counts only grants landed (and revokes made) from then on", () => {
    const m = computeMetrics(lives, { now: T("15:00"), since: T("11:30"), standingThreshold: "3h" });
    expect(m.overall).toMatchObject({
      grants: 2,
      time_to_grant: { count: 2, mean_ms: 20 * M, p50_ms: 10 * M, p95_ms: 30 * M },
      time_to_revoke_after_expiry: { count: 1, mean_ms: 15 * M },
      without_human_share: 0,
      completeness: 0.5,
    });
  });

  it("a file left on the branch past its expiry is counted as expired-not-revoked, and standing once held past the threshold", () => {
    const m = computeMetrics(lives, { now: T("20:00"), standingThreshold: "12h" });
    expect(m.overall.expired_not_revoked).toBe(1);
    expect(m.overall.standing.count).toBe(0);
    const bob = lives[3]!;
    expect(isStanding(bob, T("20:00"), 12 * 60 * M)).toBeNull();
    // Held since 11:00 (through the extension): 12h later it is standing privilege.
    expect(isStanding(bob, new Date("2026-03-02T23:01:00Z"), 12 * 60 * M)).toBe("longer_than_threshold");
    expect(isStanding({ ...bob, expiresAt: null }, T("15:00"), 12 * 60 * M)).toBe("without_expiry");
  });

  it("gitgrant metrics --format json reads the threshold from the policy at the head (3h here)", async () => {
    const out: string[] = [];
    const code = await main(["metrics", "--repo", h.repo.dir, "--now", "2026-03-02T15:00:00Z", "--format", "json"], { out: (t) => out.push(t), err: () => {}, cwd: h.repo.dir, env: {} });
    expect(code).toBe(0);
    const m = JSON.parse(out.join("\n"));
    expect(m.standing_threshold).toBe("3h");
    expect(m.overall.time_to_grant.mean_ms).toBe(18 * M);
    expect(m.overall.standing.paths).toEqual([P.bob]);
  });

  it("gitgrant metrics prints a table for people", async () => {
    const out: string[] = [];
    const code = await main(["metrics", "--repo", h.repo.dir, "--now", "2026-03-02T15:00:00Z"], { out: (t) => out.push(t), err: () => {}, cwd: h.repo.dir, env: {} });
    expect(code).toBe(0);
    const lines = out.join("\n").split("\n");
    expect(lines[0]).toMatch(/^GROUP\s+GRANTS\s+TIME TO GRANT mean\/p50\/p95\s+REVOKE AFTER EXPIRY mean\/p95\s+NO HUMAN\s+EVIDENCE COMPLETE\s+STANDING \(no expiry\)$/);
    expect(lines[2]).toMatch(/^all\s+4\s+18m \/ 10m \/ 30m\s+15m \/ 15m \(1\)\s+1\/4 25%\s+3\/4 75%\s+1 \(0\)$/);
    expect(lines).toContain(`  ${P.bob}`);
  });
});
