// The pure half of the audit: lives assembled from commits, without git.
import { describe, expect, it } from "vitest";
import { LivesBuilder, lifeStatus } from "../../src/core/lives.js";
import { readCommitTrailers } from "../../src/core/commit-trailers.js";
import type { CommitInfo } from "../../src/core/audit-types.js";
import { evidenceMessage, type GrantEvidence } from "../../src/core/trailers.js";
import { AUDIT_ORG, P } from "../helpers/history.js";

const config = AUDIT_ORG.config();
const T = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00Z`);
let n = 0;

function commit(at: string, message: string, author = "gitgrant[bot]", requested?: string): CommitInfo {
  n++;
  return { sha: n.toString(16).padStart(40, "0"), landedAt: T(at), requestedAt: T(requested ?? at), author, trailers: readCommitTrailers(message), provenance: { kind: "gitgrant", by: "app" } };
}
const app = (e: Partial<GrantEvidence> & { pullRequest: number }) =>
  evidenceMessage("title", "", { grants: [], revokes: [], approvedBy: [], ...e });

describe("LivesBuilder: what a grant's evidence says", () => {
  it("config problems are none in the fixture", () => expect(config.problems).toEqual([]));

  it("a break-glass grant with no approver is complete, handled without a human, and says it was reviewed after the fact elsewhere", () => {
    const b = new LivesBuilder();
    const life = b.land({
      path: P.dave,
      text: "reason: Database down, restoring from backup\nduration: 30m\nbreak_glass: true\nincident: INC-1\n",
      config,
      commit: commit("10:00", app({ grants: [{ path: P.dave, requester: "dave", tier: "escalated" }], breakGlass: true, pullRequest: 9 })),
    })!;
    expect(life.evidence).toEqual({
      complete: true,
      missing: [],
      notes: ["break-glass: granted before any review; the after-the-fact review is on the incident issue, not in git"],
    });
    expect(life.breakGlass).toBe(true);
    expect(life.withoutHuman).toBe(true);
    expect(life.expiresAt).toEqual(T("10:30"));
  });

  it("a request made for someone else with no approver record is incomplete, whatever the tier", () => {
    const b = new LivesBuilder();
    const msg = evidenceMessage("t", "", { grants: [{ path: P.alice, requester: "carol", tier: "self-service" }], revokes: [], approvedBy: [], pullRequest: 7 });
    const life = b.land({ path: P.alice, text: "reason: Deploy the release candidate\nduration: 1h\n", config, commit: commit("10:00", msg) })!;
    expect(life.evidence.missing).toEqual(["no approver record (requested by carol for alice, which always needs an approval)"]);
    expect(life.evidence.complete).toBe(false);
  });

  it("a tier that needs two approvals and has none on record is incomplete, naming the tier", () => {
    const b = new LivesBuilder();
    const life = b.land({
      path: P.dave,
      text: "reason: Rotate the admin credentials\nduration: 1h\nticket: CHG-1\n",
      config,
      commit: commit("10:00", app({ grants: [{ path: P.dave, requester: "dave", tier: "escalated" }], pullRequest: 8 })),
    })!;
    expect(life.evidence.missing).toEqual(['no approver record (tier "escalated" needs 2)']);
    expect(life.approvalsRequired).toBe(2);
  });

  it("a tier with auto_approve_if and no approver is complete, with a note that the condition's inputs are not in git", () => {
    const auto = AUDIT_ORG.config({ policy: AUDIT_ORG.policy.replace("    approvals: 1\n", "    approvals: 1\n    auto_approve_if: \"incident.open\"\n") });
    expect(auto.problems).toEqual([]);
    const b = new LivesBuilder();
    const life = b.land({
      path: P.bob,
      text: "reason: Investigate the slow replica\nduration: 2h\n",
      config: auto,
      commit: commit("10:00", app({ grants: [{ path: P.bob, requester: "bob", tier: "conditional" }], pullRequest: 3 })),
    })!;
    expect(life.evidence.complete).toBe(true);
    expect(life.evidence.notes).toEqual(['no approver: auto-approved by tier "conditional"\'s auto_approve_if (its inputs, teams and incidents, are not in git)']);
    expect(life.withoutHuman).toBe(true);
  });

  it("a PR granting files of two tiers gives each file the tier the policy of the time gives it", () => {
    const b = new LivesBuilder();
    const msg = app({
      grants: [{ path: P.alice, requester: "alice", tier: "self-service" }, { path: P.bob, requester: "bob", tier: "conditional" }],
      approvedBy: ["carol"],
      pullRequest: 12,
    });
    const c = commit("10:00", msg);
    const a = b.land({ path: P.alice, text: "reason: Deploy the release candidate\nduration: 2h\n", config, commit: c })!;
    const bo = b.land({ path: P.bob, text: "reason: Investigate the slow replica\nduration: 2h\n", config, commit: c })!;
    expect([a.tier, bo.tier]).toEqual(["self-service", "conditional"]);
    expect(a.evidence.complete && bo.evidence.complete).toBe(true);
  });

  it("an edit after the window ran out is a renewal (the held-since clock restarts); an edit within it is an extension", () => {
    const b = new LivesBuilder();
    const msg = (pr: number) => app({ grants: [{ path: P.alice, requester: "alice", tier: "self-service" }], pullRequest: pr });
    const first = b.land({ path: P.alice, text: "reason: Deploy the release candidate\nduration: 1h\n", config, commit: commit("10:00", msg(1)) })!;
    const renewal = b.land({ path: P.alice, text: "reason: Deploy the second candidate\nduration: 1h\n", config, commit: commit("12:00", msg(2)) })!;
    const extension = b.land({ path: P.alice, text: "reason: Deploy the third candidate\nduration: 2h\n", config, commit: commit("12:30", msg(3)) })!;
    expect([first.kind, renewal.kind, extension.kind]).toEqual(["new", "renewal", "extension"]);
    expect(renewal.heldSince).toEqual(T("12:00"));
    expect(extension.heldSince).toEqual(T("12:00"));
    expect(first.end).toEqual({ kind: "superseded", at: T("12:00"), sha: renewal.sha, by: 1 });
    expect(lifeStatus(first, T("13:00"))).toBe("superseded");
    expect(lifeStatus(extension, T("13:00"))).toBe("active");
    expect(lifeStatus(extension, T("14:30"))).toBe("expired");
  });

  it("a deletion pushed by hand revokes with reason unknown and says which evidence is missing", () => {
    const b = new LivesBuilder();
    b.land({ path: P.alice, text: "reason: Deploy the release candidate\nduration: 2h\n", config, commit: commit("10:00", app({ grants: [{ path: P.alice, requester: "alice", tier: "self-service" }], pullRequest: 1 })) });
    const life = b.remove(P.alice, commit("10:30", "remove alice", "carol"))!;
    expect(life.end).toMatchObject({ kind: "revoked", at: T("10:30"), reason: "unknown", pr: null, author: "carol" });
    expect(life.evidence).toEqual({
      complete: false,
      missing: ["revoke has no Revoke trailer (deleted by hand or pushed directly)", "revoke has no pull request"],
      notes: [],
    });
  });

  it("a request that cannot be granted keeps its reason and says why there is no expiry", () => {
    const b = new LivesBuilder();
    const path = "access/requests/billing/alice.yaml";
    const life = b.land({ path, text: "reason: Look at the invoices\nduration: 1h\n", config, commit: commit("10:00", "direct push", "alice") })!;
    expect(life.expiresAt).toBeNull();
    expect(life.reason).toBe("Look at the invoices");
    expect(life.evidence.missing).toContain('no expiry: Unknown resource "billing": it is not in access/catalog.yaml.');
  });

  it("files that are not request files (a README in the folder) make no life; a deletion never seen added is a warning", () => {
    const b = new LivesBuilder();
    expect(b.land({ path: "access/requests/README.md", text: "hi", config, commit: commit("10:00", "docs") })).toBeNull();
    const c = commit("10:05", "x");
    expect(b.remove(P.bob, c)).toBeNull();
    expect(b.lives()).toEqual([]);
    expect(b.warnings).toEqual([`${P.bob} was deleted by ${c.sha.slice(0, 12)} but never added in the history read (shallow clone?)`]);
  });
});
