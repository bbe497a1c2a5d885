// Events derived from the known history (test/helpers/history.ts), and expiry notices.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../src/operations/audit.js";
import type { GrantLife } from "../../src/core/audit-types.js";
import { eventId, eventsFromLives, expiryNotices, makeEvent } from "../../src/core/event-derive.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { P, T, buildKnownHistory, type KnownHistory } from "../helpers/history.js";

let h: KnownHistory;
let lives: GrantLife[];
beforeAll(async () => {
  h = await buildKnownHistory();
  lives = (await readAudit({ dir: h.repo.dir })).lives;
});
afterAll(cleanupRepos);

describe("events from history", () => {
  it("every request, decision, approval, grant and revoke, in time order, with a human sentence", () => {
    const events = eventsFromLives(lives);
    expect(events.map((e) => [e.time.slice(11, 16), e.type, e.actor, e.message])).toEqual([
      ["10:00", "request", "alice", "alice asked for staging-deploy for 2h: Deploy the release candidate to staging"],
      ["10:02", "decision", "gitgrant", "alice's request for staging-deploy: tier self-service, merged at once"],
      ["10:02", "grant", "gitgrant", "alice was granted staging-deploy for 2h, no approval needed (tier self-service)"],
      ["10:30", "request", "bob", "bob asked for prod-db-read for 4h: Investigate INC-77, slow queries on the replica"],
      ["11:00", "decision", "gitgrant", "bob's request for prod-db-read: tier conditional, 1 approval needed"],
      ["11:00", "approval", "carol", "carol approved bob's request for prod-db-read"],
      ["11:00", "grant", "gitgrant", "bob was granted prod-db-read for 4h, approved by carol"],
      ["11:30", "revoke", "gitgrant[bot]", "alice's access to staging-deploy was revoked (relinquished) in #4"],
      ["12:00", "request", "dave", "dave asked for prod-admin for 1h: Rotate the database admin credentials"],
      ["12:30", "decision", "carol", "dave's request for prod-admin: no policy decision on record (merged without the app)"],
      ["12:30", "grant", "carol", "dave was granted prod-admin for 1h, merged by carol with no approval on record (evidence incomplete)"],
      ["12:50", "request", "bob", "bob asked to extend prod-db-read (6h): Investigate INC-77, slow queries on the replica, still going"],
      ["13:00", "decision", "gitgrant", "bob's request for prod-db-read: tier conditional, 1 approval needed"],
      ["13:00", "approval", "carol", "carol approved bob's request for prod-db-read"],
      ["13:00", "grant", "gitgrant", "bob was granted prod-db-read for 6h, approved by carol"],
      ["13:45", "revoke", "gitgrant[bot]", "dave's access to prod-admin was revoked (expired) in #5"],
    ]);
  });

  it("the grant event carries the documented shape", () => {
    const grant = eventsFromLives(lives).find((e) => e.type === "grant" && e.pr === 2)!;
    expect(grant).toEqual({
      id: createHash("sha256").update(`grant\n${P.bob}\n${h.sha.bob}`).digest("hex"),
      type: "grant",
      time: "2026-03-02T11:00:00Z",
      actor: "gitgrant",
      requester: "bob",
      resource: "prod-db-read",
      tier: "conditional",
      pr: 2,
      details: { path: P.bob, sha: h.sha.bob, expires_at: "2026-03-02T15:00:00Z", approvers: ["carol"], evidence: "complete", missing: [] },
      message: "bob was granted prod-db-read for 4h, approved by carol",
    });
    // The revoke's PR is the revoking PR, not the granting one.
    expect(eventsFromLives(lives).find((e) => e.type === "revoke" && e.requester === "dave")).toMatchObject({ pr: 5, details: { reason: "expired", sha: h.sha.sweep, evidence: "incomplete" } });
  });

  it("ids are stable across runs and distinct per event (two approvals in one commit differ by approver)", async () => {
    const again = eventsFromLives((await readAudit({ dir: h.repo.dir })).lives);
    const ids = eventsFromLives(lives).map((e) => e.id);
    expect(again.map((e) => e.id)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(eventId("approval", P.bob, h.sha.bob, "carol")).not.toBe(eventId("approval", P.bob, h.sha.bob, "dave"));
  });

  it("--since keeps the events at or after it", () => {
    expect(eventsFromLives(lives, { since: T("13:00") }).map((e) => e.type)).toEqual(["decision", "approval", "grant", "revoke"]);
  });

  it("a request that cannot be granted is a failure event, not a grant", () => {
    const broken: GrantLife = { ...lives[0]!, expiresAt: null, evidence: { complete: false, missing: ['no expiry: Unknown resource "x"'], notes: [] } };
    const types = eventsFromLives([broken]).map((e) => [e.type, e.message]);
    expect(types).toContainEqual(["failure", `alice's request for staging-deploy landed but cannot be granted: Unknown resource "x"`]);
    expect(types.map(([t]) => t)).not.toContain("grant");
  });
});

describe("expiryNotices", () => {
  it("notices a grant on the branch whose expiry is within the lead time, once per grant", () => {
    // bob's extension expires at 19:00; 15 minutes before:
    const at = new Date("2026-03-02T18:50:00Z");
    const notices = expiryNotices(lives, at, 15 * 60_000);
    expect(notices).toEqual([
      {
        id: createHash("sha256").update(`expiry_notice\n${P.bob}\n${h.sha.bobExtend}`).digest("hex"),
        type: "expiry_notice",
        time: "2026-03-02T18:50:00Z",
        actor: "gitgrant",
        requester: "bob",
        resource: "prod-db-read",
        tier: "conditional",
        pr: 3,
        details: { path: P.bob, sha: h.sha.bobExtend, expires_at: "2026-03-02T19:00:00Z" },
        message: "bob's access to prod-db-read expires in 10m (at 2026-03-02 19:00 UTC)",
      },
    ]);
    // The next run gives the same id: a consumer drops it.
    expect(expiryNotices(lives, new Date("2026-03-02T18:55:00Z"), 15 * 60_000)[0]!.id).toBe(notices[0]!.id);
  });

  it("nothing too early, nothing after expiry, nothing for a grant already revoked or replaced", () => {
    expect(expiryNotices(lives, new Date("2026-03-02T18:40:00Z"), 15 * 60_000)).toEqual([]);
    expect(expiryNotices(lives, new Date("2026-03-02T19:00:00Z"), 15 * 60_000)).toEqual([]);
    // alice's grant would expire at 12:02 but she gave it back at 11:30; bob's first window (15:00) was replaced at 13:00.
    expect(expiryNotices(lives, new Date("2026-03-02T11:55:00Z"), 15 * 60_000)).toEqual([]);
    expect(expiryNotices(lives, new Date("2026-03-02T14:50:00Z"), 15 * 60_000)).toEqual([]);
    // dave's hand-merged grant (13:30) was still on the branch at 13:20.
    expect(expiryNotices(lives, new Date("2026-03-02T13:20:00Z"), 15 * 60_000).map((e) => e.requester)).toEqual(["dave"]);
  });
});

describe("makeEvent", () => {
  it("gives an event from outside history the same shape and id scheme", () => {
    const e = makeEvent({
      type: "failure", time: "2026-03-02T11:00:05Z", actor: "gitgrant", requester: "bob", resource: "prod-db-read", tier: "conditional", pr: 2,
      path: P.bob, sha: "f".repeat(40), details: { provider: "aws-iam", error: "throttled" }, message: "granting prod-db-read to bob failed: throttled",
    });
    expect(e).toEqual({
      id: createHash("sha256").update(`failure\n${P.bob}\n${"f".repeat(40)}`).digest("hex"),
      type: "failure", time: "2026-03-02T11:00:05Z", actor: "gitgrant", requester: "bob", resource: "prod-db-read", tier: "conditional", pr: 2,
      details: { path: P.bob, sha: "f".repeat(40), provider: "aws-iam", error: "throttled" },
      message: "granting prod-db-read to bob failed: throttled",
    });
  });
});
