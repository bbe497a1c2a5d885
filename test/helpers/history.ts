/**
 * A known access-repository history on a real git repo, shared by the audit, metrics, events
 * and report tests. Times are UTC on 2026-03-02; every value the tests expect follows from
 * this table:
 *
 *   09:00  config pushed directly by "admin"
 *   10:02  PR #1 squash by the app: alice, staging-deploy, 2h, self-service (authored 10:00)
 *   11:00  PR #2 squash by the app: bob, prod-db-read, 4h, conditional, approved by carol (authored 10:30)
 *   11:30  PR #4 by the app: alice deletes her file, Revoke-reason relinquished (self-revoke)
 *   12:30  hand merge (git merge --no-ff by carol, no trailers) of dave's branch: prod-admin, 1h (branch commit 12:00)
 *   13:00  PR #3 squash by the app: bob edits prod-db-read to 6h, approved by carol (an extension; authored 12:50)
 *   13:45  PR #5 by the app (sweep): Revoke dave's prod-admin, Revoke-reason expired
 */
import { evidenceMessage } from "../../src/core/trailers.js";
import { makeRepo, type TestRepo } from "./gitrepo.js";
import { org } from "./orgs.js";

/** The organisation of this history (test/fixtures/orgs/audit). */
export const AUDIT_ORG = org("audit");

export const P = {
  alice: "access/requests/staging-deploy/alice.yaml",
  bob: "access/requests/prod-db-read/bob.yaml",
  dave: "access/requests/prod-admin/dave.yaml",
};

const at = (hhmm: string) => `2026-03-02T${hhmm}:00Z`;

export interface KnownHistory {
  repo: TestRepo;
  sha: Record<"config" | "alice" | "bob" | "aliceRevoke" | "dave" | "bobExtend" | "sweep", string>;
}

async function appSquash(repo: TestRepo, branch: string, authored: string, landed: string, message: string): Promise<string> {
  await repo.checkout("main");
  return repo.squashMerge(branch, { date: authored, committerDate: landed, author: "gitgrant[bot]", message });
}

export async function buildKnownHistory(): Promise<KnownHistory> {
  const repo = await makeRepo();
  await repo.writeAll({ ...AUDIT_ORG.files(), "README.md": "access repo\n" });
  const config = await repo.commit("Set up the access repository", { date: at("09:00"), author: "admin" });

  // PR #1: alice, self-service, merged at once by the app.
  await repo.branch("alice-staging");
  await repo.write(P.alice, "reason: Deploy the release candidate to staging\nduration: 2h\n");
  await repo.commit("request staging-deploy", { date: at("10:00"), author: "alice" });
  const alice = await appSquash(repo, "alice-staging", at("10:00"), at("10:02"), evidenceMessage("Grant staging-deploy to alice (#1)", "", {
    grants: [{ path: P.alice, requester: "alice", tier: "self-service" }], revokes: [], approvedBy: [], pullRequest: 1,
  }));

  // PR #2: bob, conditional, approved by carol.
  await repo.branch("bob-db");
  await repo.write(P.bob, "reason: Investigate INC-77, slow queries on the replica\nduration: 4h\nticket: INC-77\n");
  await repo.commit("request prod-db-read", { date: at("10:30"), author: "bob" });
  const bob = await appSquash(repo, "bob-db", at("10:30"), at("11:00"), evidenceMessage("Grant prod-db-read to bob (#2)", "", {
    grants: [{ path: P.bob, requester: "bob", tier: "conditional" }], revokes: [], approvedBy: ["carol"], pullRequest: 2,
  }));

  // PR #4: alice gives her access back early.
  await repo.branch("alice-done");
  await repo.rm(P.alice);
  await repo.commit("done with staging", { date: at("11:25"), author: "alice" });
  const aliceRevoke = await appSquash(repo, "alice-done", at("11:25"), at("11:30"), evidenceMessage("Revoke staging-deploy from alice (#4)", "", {
    grants: [], revokes: [{ path: P.alice, reason: "relinquished" }], approvedBy: [], pullRequest: 4,
  }));

  // A hand merge: carol merges dave's branch with git, bypassing the app; no trailers at all.
  await repo.branch("dave-admin");
  await repo.write(P.dave, "reason: Rotate the database admin credentials\nduration: 1h\nticket: CHG-9\n");
  await repo.commit("dave wants prod-admin", { date: at("12:00"), author: "dave" });
  await repo.checkout("main");
  const dave = await repo.merge("dave-admin", { date: at("12:30"), author: "carol", message: "Merge branch 'dave-admin'" });

  // PR #3: bob extends his window while it is still open (11:00 + 4h = 15:00).
  await repo.branch("bob-more");
  await repo.write(P.bob, "reason: Investigate INC-77, slow queries on the replica, still going\nduration: 6h\nticket: INC-77\n");
  await repo.commit("more time", { date: at("12:50"), author: "bob" });
  const bobExtend = await appSquash(repo, "bob-more", at("12:50"), at("13:00"), evidenceMessage("Extend prod-db-read for bob (#3)", "", {
    grants: [{ path: P.bob, requester: "bob", tier: "conditional" }], revokes: [], approvedBy: ["carol"], pullRequest: 3,
  }));

  // PR #5: the sweep removes dave's expired file (12:30 + 1h = 13:30).
  await repo.branch("gitgrant/revoke-dave");
  await repo.rm(P.dave);
  await repo.commit("revoke expired", { date: at("13:40"), author: "gitgrant[bot]" });
  const sweep = await appSquash(repo, "gitgrant/revoke-dave", at("13:40"), at("13:45"), evidenceMessage("Revoke expired prod-admin from dave (#5)", "", {
    grants: [], revokes: [{ path: P.dave, reason: "expired" }], approvedBy: [], pullRequest: 5,
  }));
  return { repo, sha: { config, alice, bob, aliceRevoke, dave, bobExtend, sweep } };
}

export const T = (hhmm: string) => new Date(at(hhmm));
