import { describe, expect, it } from "vitest";
import {
  DEFAULT_REVOKE_MARGIN_MS,
  LONGEST_SESSION_MS,
  findDeny,
  mergeSessions,
  parseSessionsPolicy,
  revokeDeny,
  sessionSid,
  trustAllowsSourceIdentity,
  type SessionDeny,
} from "../../src/providers/aws-iam-sessions.js";

const NOW = new Date("2026-03-02T10:00:05Z");
const trust = (...statements: unknown[]) => encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: statements }));

describe("the role's session deny, as a document", () => {
  it("statement ids are letters and digits only, and differ for resources or principals that only differ in punctuation", () => {
    const a = sessionSid("prod-db", "alice");
    expect(a).toMatch(/^Gitgrantproddbalice[0-9a-f]{10}$/);
    expect(sessionSid("proddb", "alice")).not.toBe(a);
    expect(sessionSid("prod-db", "al.ice")).not.toBe(sessionSid("prod-db", "alice"));
    expect(sessionSid("prod-db", "Alice")).toBe(a); // IAM user names are case-insensitive
    expect(sessionSid("x".repeat(100), "y".repeat(64)).length).toBeLessThanOrEqual(8 + 24 + 24 + 10);
  });

  it("merging is idempotent: the same state gives the same document", () => {
    const wanted: SessionDeny = { form: "at-expiry", sourceIdentity: "alice", expiresAt: new Date("2026-03-02T14:30:00Z") };
    const once = mergeSessions([], "A", wanted, NOW);
    const twice = mergeSessions(parseSessionsPolicy(encodeURIComponent(once.document)), "A", wanted, NOW);
    expect(twice.document).toBe(once.document);
    expect(findDeny(parseSessionsPolicy(once.document), "A")).toEqual(wanted);
  });

  it("prunes a statement exactly when the longest session issued before its cutoff has ended, never earlier", () => {
    const cutoffAt = (ms: number) => ({ form: "now", sourceIdentity: "bob", cutoff: new Date(ms) }) as const;
    const statementFor = (deny: SessionDeny) => JSON.parse(mergeSessions([], "B", deny, NOW).document).Statement[0];
    const justAlive = statementFor(cutoffAt(NOW.getTime() - LONGEST_SESSION_MS + 1000));
    const justDead = statementFor(cutoffAt(NOW.getTime() - LONGEST_SESSION_MS));
    const expiringLater = statementFor({ form: "at-expiry", sourceIdentity: "carol", expiresAt: new Date("2026-03-01T23:00:06Z") });
    expect(mergeSessions([justAlive], "A", undefined, NOW)).toEqual({ document: JSON.stringify({ Version: "2012-10-17", Statement: [justAlive] }), statements: 1, pruned: 0 });
    expect(mergeSessions([justDead, expiringLater], "A", undefined, NOW).pruned).toBe(1);
  });

  it("never drops a statement it cannot read, even an old-looking one", () => {
    const handWritten = { Sid: "Manual", Effect: "Deny", Action: "*", Resource: "*", Condition: { DateLessThan: { "aws:TokenIssueTime": "2020-01-01T00:00:00Z" } } };
    expect(JSON.parse(mergeSessions([handWritten], "A", undefined, NOW).document).Statement).toEqual([handWritten]);
  });

  it("reads a URL-encoded policy, a single statement object, and nothing from garbage", () => {
    expect(parseSessionsPolicy(encodeURIComponent('{"Statement":{"Sid":"X"}}'))).toEqual([{ Sid: "X" }]);
    expect(parseSessionsPolicy("not json")).toEqual([]);
    expect(parseSessionsPolicy(undefined)).toEqual([]);
  });
});

describe("what a revoke leaves for one grantee", () => {
  const E = new Date("2026-03-02T14:30:00Z");
  const margin = DEFAULT_REVOKE_MARGIN_MS;
  const after = new Date(NOW.getTime() + margin);

  it("before the expiry: deny sessions issued up to the revoke plus the margin", () => {
    expect(revokeDeny({ form: "at-expiry", sourceIdentity: "alice", expiresAt: E }, "alice", true, NOW, margin)).toEqual({ form: "now", sourceIdentity: "alice", cutoff: after });
  });

  it("at or after the expiry: the grant's own deny already did it", () => {
    expect(revokeDeny({ form: "at-expiry", sourceIdentity: "alice", expiresAt: E }, "alice", true, E, margin)).toBeUndefined();
  });

  it("a finished earlier revoke is left alone; one whose policy is still there moves forward, never back", () => {
    const earlier = { form: "now", sourceIdentity: "alice", cutoff: new Date("2026-03-02T09:00:00Z") } as const;
    expect(revokeDeny(earlier, "alice", false, NOW, margin)).toBeUndefined();
    expect(revokeDeny(earlier, "alice", true, NOW, margin)).toEqual({ form: "now", sourceIdentity: "alice", cutoff: after });
    const ahead = { form: "now", sourceIdentity: "alice", cutoff: new Date("2026-03-02T11:00:00Z") } as const;
    expect(revokeDeny(ahead, "alice", true, NOW, margin)).toEqual(ahead);
  });

  it("no statement: a deny only while gitgrant's policy could still issue sessions (a grant from before sessions were ended)", () => {
    expect(revokeDeny(undefined, "alice", true, NOW, margin)).toEqual({ form: "now", sourceIdentity: "alice", cutoff: after });
    expect(revokeDeny(undefined, "alice", false, NOW, margin)).toBeUndefined();
  });
});

describe("does the trust policy allow a source identity", () => {
  const root = { AWS: "arn:aws:iam::123456789012:root" };

  it("yes, for the action named, in a list, or through IAM's wildcards in either case", () => {
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, Action: "sts:SetSourceIdentity" }))).toBe(true);
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, Action: ["sts:AssumeRole", "STS:setsourceidentity"] }))).toBe(true);
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, Action: "sts:*" }))).toBe(true);
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, Action: "sts:Set?ourceIdentity" }))).toBe(true);
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, NotAction: "sts:TagSession" }))).toBe(true);
  });

  it("no, for AssumeRole alone, a Deny, a NotAction that excludes it, or a document it cannot read", () => {
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, Action: "sts:AssumeRole" }))).toBe(false);
    expect(trustAllowsSourceIdentity(trust({ Effect: "Deny", Principal: root, Action: "sts:SetSourceIdentity" }))).toBe(false);
    expect(trustAllowsSourceIdentity(trust({ Effect: "Allow", Principal: root, NotAction: ["sts:Set*"] }))).toBe(false);
    expect(trustAllowsSourceIdentity("%7Bnot json")).toBe(false);
    expect(trustAllowsSourceIdentity(undefined)).toBe(false);
  });
});
