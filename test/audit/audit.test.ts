// gitgrant audit on a real repository with a known history (see test/helpers/history.ts for the timeline).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../src/operations/audit.js";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { AUDIT_ORG, P, buildKnownHistory, type KnownHistory } from "../helpers/history.js";

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd, env: {} };
  const code = await main(args, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const NOW = "2026-03-02T15:00:00Z";
let h: KnownHistory;

describe("gitgrant audit on a known history", () => {
  beforeAll(async () => {
    h = await buildKnownHistory();
  });
  afterAll(cleanupRepos);

  it("rebuilds every life as JSON lines: app grants, a self-revoke, a hand merge flagged incomplete, an extension, a sweep revoke", async () => {
    const r = await cli(["audit", "--repo", h.repo.dir, "--now", NOW, "--format", "json"], h.repo.dir);
    expect(r.code).toBe(0);
    const rows = r.out.split("\n").map((l) => JSON.parse(l));
    expect(rows).toEqual([
      {
        requester: "alice", resource: "staging-deploy", path: P.alice, kind: "new", status: "revoked",
        reason: "Deploy the release candidate to staging", ticket: null, tier: "self-service", approvers: [], approvals_required: 0,
        pr: 1, requested_by: ["alice"], break_glass: false, without_human: true,
        requested_at: "2026-03-02T10:00:00Z", granted_at: "2026-03-02T10:02:00Z", expires_at: "2026-03-02T12:02:00Z",
        revoked_at: "2026-03-02T11:30:00Z", revoke_reason: "relinquished", revoke_pr: 4, superseded_at: null,
        sha: h.sha.alice, revoke_sha: h.sha.aliceRevoke, evidence: "complete", provenance: "unverified", missing: [], notes: ["unverified: settings.evidence names no gitgrant identity to check it against", "revoke unverified: settings.evidence names no gitgrant identity to check it against"], ownership: "none", overdue: false, status_words: null,
      },
      {
        requester: "bob", resource: "prod-db-read", path: P.bob, kind: "new", status: "superseded",
        reason: "Investigate INC-77, slow queries on the replica", ticket: "INC-77", tier: "conditional", approvers: ["carol"], approvals_required: 1,
        pr: 2, requested_by: ["bob"], break_glass: false, without_human: false,
        requested_at: "2026-03-02T10:30:00Z", granted_at: "2026-03-02T11:00:00Z", expires_at: "2026-03-02T15:00:00Z",
        revoked_at: null, revoke_reason: null, revoke_pr: null, superseded_at: "2026-03-02T13:00:00Z",
        sha: h.sha.bob, revoke_sha: null, evidence: "complete", provenance: "unverified", missing: [], notes: ["unverified: settings.evidence names no gitgrant identity to check it against"], ownership: "none", overdue: false, status_words: null,
      },
      {
        requester: "dave", resource: "prod-admin", path: P.dave, kind: "new", status: "revoked",
        reason: "Rotate the database admin credentials", ticket: "CHG-9", tier: null, approvers: [], approvals_required: null,
        pr: null, requested_by: [], break_glass: false, without_human: false,
        // The merge's own branch commit is the earliest record of the request.
        requested_at: "2026-03-02T12:00:00Z", granted_at: "2026-03-02T12:30:00Z", expires_at: "2026-03-02T13:30:00Z",
        revoked_at: "2026-03-02T13:45:00Z", revoke_reason: "expired", revoke_pr: 5, superseded_at: null,
        sha: h.sha.dave, revoke_sha: h.sha.sweep, evidence: "incomplete", provenance: "unverified",
        missing: ["no Grant trailer (merged by hand or pushed directly)", "no approver record", "no policy tier", "no pull request"], notes: ["revoke unverified: settings.evidence names no gitgrant identity to check it against"], ownership: "none", overdue: false, status_words: null,
      },
      {
        requester: "bob", resource: "prod-db-read", path: P.bob, kind: "extension", status: "active",
        reason: "Investigate INC-77, slow queries on the replica, still going", ticket: "INC-77", tier: "conditional", approvers: ["carol"], approvals_required: 1,
        pr: 3, requested_by: ["bob"], break_glass: false, without_human: false,
        requested_at: "2026-03-02T12:50:00Z", granted_at: "2026-03-02T13:00:00Z", expires_at: "2026-03-02T19:00:00Z",
        revoked_at: null, revoke_reason: null, revoke_pr: null, superseded_at: null,
        sha: h.sha.bobExtend, revoke_sha: null, evidence: "complete", provenance: "unverified", missing: [], notes: ["unverified: settings.evidence names no gitgrant identity to check it against"], ownership: "none", overdue: false, status_words: null,
      },
    ]);
  });

  it("prints a table for people, with the incomplete grant spelled out under it", async () => {
    const r = await cli(["audit", "--repo", h.repo.dir, "--now", NOW], h.repo.dir);
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^REQUESTER\s+RESOURCE\s+TIER\s+APPROVERS\s+PR\s+GRANTED \(UTC\)\s+EXPIRES\s+ENDED\s+HOW\s+EVIDENCE$/);
    expect(lines[2]).toMatch(/^alice\s+staging-deploy\s+self-service\s+-\s+#1\s+2026-03-02 10:02\s+2026-03-02 12:02\s+2026-03-02 11:30\s+revoked: relinquished #4\s+complete$/);
    expect(lines[3]).toMatch(/^bob\s+prod-db-read\s+conditional\s+carol\s+#2\s+2026-03-02 11:00\s+2026-03-02 15:00\s+2026-03-02 13:00\s+edited #3\s+complete$/);
    expect(lines[4]).toMatch(/^dave\s+prod-admin\s+-\s+-\s+-\s+2026-03-02 12:30\s+2026-03-02 13:30\s+2026-03-02 13:45\s+revoked: expired #5\s+INCOMPLETE$/);
    expect(lines[5]).toMatch(/^bob\s+prod-db-read\s+conditional\s+carol\s+#3\s+2026-03-02 13:00\s+2026-03-02 19:00\s+active\s+complete$/);
    expect(r.out).toContain(`Incomplete evidence:\n  ${P.dave} @ ${h.sha.dave.slice(0, 12)} (2026-03-02 12:30): no Grant trailer (merged by hand or pushed directly); no approver record; no policy tier; no pull request`);
    expect(r.out).toContain("4 grants from 7 commits; 1 with incomplete evidence.");
  });

  it("--verify exits 1 when any grant shown lacks evidence, and when complete trailers are not verified as gitgrant's", async () => {
    const all = await cli(["audit", "--repo", h.repo.dir, "--now", NOW, "--verify", "--format", "json"], h.repo.dir);
    expect(all.code).toBe(1);
    expect(all.err).toBe(
      "gitgrant audit --verify: 1 grant lacks complete evidence in git.\n" +
        "gitgrant audit --verify: 3 grants' trailers are not verified as written by gitgrant (signed commits checked against access/trust/*.asc).",
    );
    // Complete by their trailers, but nothing here is signed: unverified is not proven (test/audit/provenance.test.ts proves it).
    const bobs = await cli(["audit", "--repo", h.repo.dir, "--now", NOW, "--verify", "--user", "@Bob", "--format", "json"], h.repo.dir);
    expect(bobs.code).toBe(1);
    expect(bobs.out.split("\n").map((l) => JSON.parse(l).pr)).toEqual([2, 3]);
  });

  it("filters by resource and by period: a life is shown if its file was on the branch at any time in it", async () => {
    const pick = async (...args: string[]) => {
      const r = await cli(["audit", "--repo", h.repo.dir, "--now", NOW, "--format", "json", ...args], h.repo.dir);
      expect(r.code).toBe(0);
      return r.out === "" ? [] : r.out.split("\n").map((l) => `${JSON.parse(l).requester}#${JSON.parse(l).pr}`);
    };
    expect(await pick("--resource", "prod-admin")).toEqual(["dave#null"]);
    // alice's file left at 11:30; dave's landed at 12:30.
    expect(await pick("--since", "2026-03-02T11:45:00Z")).toEqual(["bob#2", "dave#null", "bob#3"]);
    expect(await pick("--until", "2026-03-02T12:00:00Z")).toEqual(["alice#1", "bob#2"]);
    // A bare --until date includes that whole day.
    expect(await pick("--until", "2026-03-02")).toEqual(["alice#1", "bob#2", "dave#null", "bob#3"]);
    expect(await pick("--until", "2026-03-01")).toEqual([]);
  });

  it("writes CSV with every column, RFC 4180 quoting", async () => {
    const r = await cli(["audit", "--repo", h.repo.dir, "--now", NOW, "--format", "csv", "--resource", "prod-admin"], h.repo.dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      "requester,resource,reason,ticket,tier,approvers,pr,requested_at,granted_at,expires_at,revoked_at,revoke_reason,revoke_pr,superseded_at,kind,status,break_glass,without_human,evidence,provenance,missing,notes,path,sha,revoke_sha,ownership,overdue\r\n" +
        `dave,prod-admin,Rotate the database admin credentials,CHG-9,,,,2026-03-02T12:00:00Z,2026-03-02T12:30:00Z,2026-03-02T13:30:00Z,2026-03-02T13:45:00Z,expired,5,,new,revoked,false,false,incomplete,unverified,no Grant trailer (merged by hand or pushed directly); no approver record; no policy tier; no pull request,revoke unverified: settings.evidence names no gitgrant identity to check it against,${P.dave},${h.sha.dave},${h.sha.sweep},none,false\r\n`,
    );
  });

  it("usage errors exit 2 with the reason", async () => {
    expect((await cli(["audit", "--repo", h.repo.dir, "--format", "xml"], h.repo.dir)).err).toBe('gitgrant: --format must be one of table, json, csv, not "xml"');
    const bad = await cli(["audit", "--repo", h.repo.dir, "--since", "yesterday"], h.repo.dir);
    expect(bad).toMatchObject({ code: 2, err: 'gitgrant: --since "yesterday" is not a date (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)' });
    expect((await cli(["audit", "--repo", h.repo.dir, "--ref", "nope"], h.repo.dir)).code).toBe(2);
  });

  it("judges each grant with the config of its commit's parent, not the config it brings", async () => {
    const repo = await makeRepo();
    await repo.writeAll(AUDIT_ORG.files());
    await repo.commit("config", { date: "2026-03-02T09:00:00Z" });
    // One direct push lowers staging's cap to 1h and adds a 2h request: the cap of the parent (8h) applies.
    await repo.write("access/catalog.yaml", AUDIT_ORG.catalog.replace("max_duration: 8h\n    provider: local\n    target: { name: staging }", "max_duration: 1h\n    provider: local\n    target: { name: staging }"));
    await repo.write(P.alice, "reason: Deploy the release candidate\nduration: 2h\n");
    await repo.commit("lower the cap and sneak a request in", { date: "2026-03-02T10:00:00Z", author: "mallory" });
    // The next request is judged with the 1h cap: its 2h window is capped, and that is noted.
    await repo.write(P.bob.replace("prod-db-read", "staging-deploy"), "reason: Deploy the hotfix build\nduration: 2h\n");
    await repo.commit("another", { date: "2026-03-02T11:00:00Z", author: "bob" });
    const result = await readAudit({ dir: repo.dir });
    expect(result.lives.map((l) => [l.requester, l.expiresAt?.toISOString()])).toEqual([
      ["alice", "2026-03-02T12:00:00.000Z"],
      ["bob", "2026-03-02T12:00:00.000Z"],
    ]);
    expect(result.lives[1]!.evidence.notes).toEqual(["window shortened to staging-deploy's max_duration of 1h"]);
    expect(result.config?.catalog.resources["staging-deploy"]?.max_duration).toBe("1h");
    expect(result.commits).toBe(3);
  });

  it("judges the requests of the commit that brings the first config by that config (nothing came before)", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ ...AUDIT_ORG.files(), [P.alice]: "reason: Deploy the release candidate\nduration: 2h\n" });
    await repo.commit("seed the repository in one commit", { date: "2026-03-02T09:00:00Z" });
    const result = await readAudit({ dir: repo.dir });
    expect(result.lives.map((l) => [l.requester, l.expiresAt?.toISOString()])).toEqual([["alice", "2026-03-02T11:00:00.000Z"]]);
    expect(result.lives[0]!.evidence.missing.join("; ")).not.toMatch(/no expiry/);
  });

  it("refuses a shallow clone rather than report every file as granted by its oldest commit", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ "access/catalog.yaml": AUDIT_ORG.catalog, [P.alice]: "reason: Deploy the release candidate\nduration: 2h\n" });
    await repo.commit("one", { date: "2026-03-02T09:00:00Z" });
    await repo.write(P.alice, "reason: Deploy the release candidate again\nduration: 2h\n");
    await repo.commit("two", { date: "2026-03-02T10:00:00Z" });
    const shallow = `${repo.dir}-shallow`;
    await repo.git("clone", "--quiet", "--depth", "1", `file://${repo.dir}`, shallow);
    const r = await cli(["audit", "--repo", shallow], shallow);
    // A usage error: the fix is to fetch the history, not to look at findings.
    expect(r.code).toBe(2);
    expect(r.err).toBe("gitgrant: the audit needs the full history, but this is a shallow clone: run `git fetch --unshallow` (in GitHub Actions, check out with fetch-depth: 0)");
  });
});
