import { describe, expect, it } from "vitest";
import type { ApprovalInput } from "../../src/core/approvals.js";
import { evaluateChange } from "../../src/core/evaluate.js";
import { org } from "../helpers/orgs.js";

const now = new Date("2026-11-30T10:00:00Z");
const HEAD = "a".repeat(40);
const OLD = "b".repeat(40);
const config = org("core").config();
// gcp-viewer is owned by @carol and @acme/dba; conditional tier needs 1 approval.
const request = { path: "access/requests/gcp-viewer/alice.yaml", change: "added" as const, text: "reason: Check quota usage in production\nduration: 2h\n" };

function withReviews(approvals: Partial<ApprovalInput>) {
  const r = evaluateChange({
    config,
    changes: [request],
    author: "alice",
    now,
    approvals: { reviews: [], headSha: HEAD, excluded: ["alice"], teamsOf: {}, ...approvals },
  });
  return { result: r, file: r.files[0]! };
}

describe("which approvals count", () => {
  it("a code owner's approval on the current head approves it", () => {
    const { result, file } = withReviews({ reviews: [{ login: "carol", state: "APPROVED", commitId: HEAD }] });
    expect(file.approved_by).toEqual(["carol"]);
    expect(result).toMatchObject({ approved: true, auto_merge: false });
    expect(file.reasons).toContain("approved by carol");
  });

  it("a team owner counts through team membership", () => {
    const { file } = withReviews({ reviews: [{ login: "dan", state: "APPROVED", commitId: HEAD }], teamsOf: { dan: ["acme/dba"] } });
    expect(file.approved_by).toEqual(["dan"]);
  });

  it("an approval given before the last push does not count", () => {
    const { result, file } = withReviews({ reviews: [{ login: "carol", state: "APPROVED", commitId: OLD }] });
    expect(file.approved_by).toEqual([]);
    expect(result.approved).toBe(false);
    expect(file.reasons).toContain("carol's approval was given on bbbbbbb, before the last push to aaaaaaa");
  });

  it("the requester cannot approve their own request", () => {
    const { file } = withReviews({ reviews: [{ login: "Alice", state: "APPROVED", commitId: HEAD }], teamsOf: { alice: ["acme/dba"] } });
    expect(file.approved_by).toEqual([]);
    expect(file.reasons).toContain("Alice cannot approve their own request");
  });

  it("someone who pushed to the PR cannot approve it", () => {
    const { file } = withReviews({ reviews: [{ login: "carol", state: "APPROVED", commitId: HEAD }], excluded: ["alice", "carol"] });
    expect(file.approved_by).toEqual([]);
    expect(file.reasons).toContain("carol authored or pushed to this pull request, so their approval does not count");
  });

  it("an approval from someone who is not a code owner does not count", () => {
    const { file } = withReviews({ reviews: [{ login: "eve", state: "APPROVED", commitId: HEAD }], teamsOf: { eve: ["acme/security"] } });
    expect(file.approved_by).toEqual([]);
    expect(file.reasons).toContain("eve is not a code owner of access/requests/gcp-viewer/alice.yaml (@carol, @acme/dba)");
  });

  it("a code owner's changes-requested blocks, even with an approval", () => {
    const { result, file } = withReviews({
      reviews: [
        { login: "carol", state: "APPROVED", commitId: HEAD },
        { login: "dan", state: "CHANGES_REQUESTED", commitId: HEAD },
      ],
      teamsOf: { dan: ["acme/dba"] },
    });
    expect(result.approved).toBe(false);
    expect(file.reasons).toContain("changes requested by dan: blocked until they approve or their review is dismissed");
  });

  it("a later approval supersedes the same reviewer's changes-requested; a dismissal removes an approval", () => {
    const a = withReviews({
      reviews: [
        { login: "carol", state: "CHANGES_REQUESTED", commitId: HEAD, submittedAt: "2026-11-30T09:00:00Z" },
        { login: "carol", state: "APPROVED", commitId: HEAD, submittedAt: "2026-11-30T09:30:00Z" },
        { login: "carol", state: "COMMENTED", commitId: HEAD, submittedAt: "2026-11-30T09:40:00Z" },
      ],
    });
    expect(a.result.approved).toBe(true);
    const b = withReviews({
      reviews: [
        { login: "carol", state: "APPROVED", commitId: HEAD, submittedAt: "2026-11-30T09:00:00Z" },
        { login: "carol", state: "DISMISSED", commitId: HEAD, submittedAt: "2026-11-30T09:30:00Z" },
      ],
    });
    expect(b.result.approved).toBe(false);
  });

  it("two approvals are needed for the escalated tier", () => {
    const r = evaluateChange({
      config,
      changes: [{ path: "access/requests/prod-db-admin/alice.yaml", change: "added", text: "reason: Rotate the admin credentials\nduration: 1h\nticket: CHG-7\n" }],
      author: "alice",
      now,
      approvals: { reviews: [{ login: "dan", state: "APPROVED", commitId: HEAD }], headSha: HEAD, excluded: [], teamsOf: { dan: ["acme/dba"], sec: ["acme/security"] } },
    });
    expect(r.approved).toBe(false);
    expect(r.files[0]!.reasons).toContain("1 of 2 approval(s) so far; still needed from @acme/dba, @acme/security");
  });
});
