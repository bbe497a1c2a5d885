import { describe, expect, it } from "vitest";
import { evaluateChange, type ChangedFile, type EvaluateInput } from "../../src/core/evaluate.js";
import { org } from "../helpers/orgs.js";

const now = new Date("2026-11-30T10:00:00Z"); // a Monday, 11:00 in Berlin
const config = org("core").config();

function add(path: string, text: string): ChangedFile {
  return { path, change: "added", text };
}
function judge(changes: ChangedFile[], extra: Partial<EvaluateInput> = {}) {
  return evaluateChange({ config, changes, author: "alice", now, ...extra });
}
function one(path: string, text: string, extra: Partial<EvaluateInput> = {}) {
  const r = judge([add(path, text)], extra);
  return { result: r, file: r.files[0]! };
}
const ok2h = "reason: Investigate the slow replica queries\nduration: 2h\n";

describe("a valid self-service request", () => {
  it("is valid, self-service, and merged at once", () => {
    const { result, file } = one("access/requests/prod-db-read/alice.yaml", ok2h);
    expect(file).toMatchObject({ valid: true, tier: "self-service", approvals_required: 0, approvers: ["@acme/dba"], requester: "alice", resource: "prod-db-read", expires_at: "2026-11-30T12:00:00Z" });
    expect(result).toMatchObject({ ok: true, auto_merge: true, approved: true });
    expect(file.reasons[0]).toBe('tier "self-service": low sensitivity, 2h within 4h');
  });
});

describe("schema and syntax errors point at the place", () => {
  it("names an unknown field and lists the allowed ones, at its line", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\nurgency: high\n");
    expect(file.valid).toBe(false);
    expect(file.errors).toContainEqual({ message: expect.stringMatching(/^Unknown field "urgency"\. Allowed fields: reason, duration/), line: 3, column: 1 });
  });

  it("asks for a duration or an expiry when both are missing", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\n");
    expect(file.errors.map((e) => e.message)).toEqual([expect.stringMatching(/add "duration" \(e\.g\. 2h\) or "expires_at"/)]);
  });

  it("points a bad duration at its value", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2 hours\n");
    expect(file.errors).toContainEqual({ message: expect.stringMatching(/"duration" is not a duration; write it like 30m, 2h, 1d or PT2H/), line: 2, column: 11 });
  });

  it("refuses a one-word reason", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: because\nduration: 2h\n");
    expect(file.errors[0]).toMatchObject({ message: expect.stringMatching(/"reason" is too short/), line: 1, column: 9 });
  });

  it("gives YAML syntax errors with line and column", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: fine words for a reason\nduration: [2h\n");
    expect(file.valid).toBe(false);
    expect(file.errors[0]).toMatchObject({ message: expect.stringMatching(/YAML syntax error/), line: 3 });
  });

  it("accepts ISO 8601 durations", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: PT90M\n");
    expect(file).toMatchObject({ valid: true, expires_at: "2026-11-30T11:30:00Z" });
  });
});

describe("cross-checks against the base config", () => {
  it("refuses an unknown resource, suggesting a near name", () => {
    const { file } = one("access/requests/prod-db/alice.yaml", ok2h);
    expect(file.errors[0]!.message).toBe('Unknown resource "prod-db": it is not in access/catalog.yaml. Did you mean "prod-db-admin" or "prod-db-read"?');
  });

  it("refuses a person with no identity in the resource's provider", () => {
    const { file } = one("access/requests/prod-db-read/carol.yaml", ok2h, { author: "carol" });
    expect(file.errors[0]!.message).toBe('carol has no "aws" identity in access/identities.yaml, which aws-iam resource "prod-db-read" needs.');
  });

  it("refuses a person not in identities at all", () => {
    const { file } = one("access/requests/staging/mallory.yaml", ok2h, { author: "mallory" });
    expect(file.errors[0]!.message).toMatch(/^mallory is not listed in access\/identities\.yaml/);
  });

  it("refuses requester and resource fields that disagree with the path", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", `${ok2h}requester: bob\nresource: staging\n`);
    expect(file.errors).toEqual([
      { message: expect.stringMatching(/"requester: bob" does not match the file name \(alice\)/), line: 3, column: 12 },
      { message: expect.stringMatching(/"resource: staging" does not match the folder \(prod-db-read\)/), line: 4, column: 11 },
    ]);
  });

  it("accepts matching requester and resource fields, whatever the login's case", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", `${ok2h}requester: Alice\nresource: prod-db-read\n`);
    expect(file.valid).toBe(true);
  });

  it("refuses an expires_at in the past", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nexpires_at: 2026-11-30T09:59:59Z\n");
    expect(file.errors[0]).toMatchObject({ message: "expires_at 2026-11-30T09:59:59.000Z is already in the past (now is 2026-11-30T10:00:00.000Z).", line: 2 });
  });

  it("ends at whichever of duration and expires_at is sooner", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 3h\nexpires_at: 2026-11-30T11:00:00Z\n");
    expect(file).toMatchObject({ valid: true, expires_at: "2026-11-30T11:00:00Z" });
  });

  it("refuses a request over the resource's cap, naming the cap", () => {
    const { file } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 9h\n");
    expect(file.errors.map((e) => e.message)).toContain("9h is over prod-db-read's cap of 8h; ask for 8h or less.");
  });

  it("refuses a request over the tier's cap, naming the cap", () => {
    const { file } = one("access/requests/prod-db-admin/alice.yaml", "reason: Rotate the admin credentials now\nduration: 3h\nticket: CHG-1\n");
    expect(file.tier).toBe("escalated");
    expect(file.errors.map((e) => e.message)).toEqual(['3h is over tier "escalated"\'s cap of 2h; ask for 2h or less.']);
  });

  it("requires the tier's required fields", () => {
    const { file } = one("access/requests/prod-db-admin/alice.yaml", "reason: Rotate the admin credentials now\nduration: 1h\n");
    expect(file.errors.map((e) => e.message)).toEqual(['Tier "escalated" requires a ticket: add "ticket: ..." (e.g. INC-1234).']);
  });
});

describe("tier matching", () => {
  it("lets a longer low-sensitivity request fall through to the next tier", () => {
    const { file, result } = one("access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 6h\n");
    expect(file).toMatchObject({ valid: true, tier: "conditional", approvals_required: 1 });
    expect(result.auto_merge).toBe(false);
  });

  it("refuses what no tier covers (fail closed)", () => {
    const policy = "tiers:\n  - name: only-low\n    match: { sensitivity: [low] }\n    approvals: 0\n";
    const r = evaluateChange({ config: org("core").config({ policy }), changes: [add("access/requests/gcp-viewer/alice.yaml", ok2h)], author: "alice", now });
    expect(r.files[0]!.errors[0]!.message).toMatch(/^No policy tier covers medium-sensitivity resource "gcp-viewer" for 2h; the request is refused/);
    expect(r.ok).toBe(false);
  });

  it("narrows a tier by resources and providers", () => {
    const policy = `tiers:
  - name: db-only
    match: { resources: [prod-db-read] }
    approvals: 0
  - name: local-only
    match: { providers: [local] }
    approvals: 0
  - name: rest
    match: {}
    approvals: 1
`;
    const cfg = org("core").config({ policy });
    const r = evaluateChange({ config: cfg, changes: [add("access/requests/prod-db-read/alice.yaml", ok2h), add("access/requests/staging/alice.yaml", ok2h), add("access/requests/gcp-viewer/alice.yaml", ok2h)], author: "alice", now });
    expect(r.files.map((f) => f.tier)).toEqual(["db-only", "local-only", "rest"]);
  });

  it("auto-approves when the condition holds, and says so", () => {
    const signals = { requesters: { alice: { teams: ["acme/oncall"], org_member: true } }, incident: { open: true } };
    const { file, result } = one("access/requests/gcp-viewer/alice.yaml", ok2h, { signals });
    expect(file).toMatchObject({ valid: true, tier: "conditional", approvals_required: 0 });
    expect(file.reasons).toContain("auto-approved: requester.teams.exists(t, t == 'acme/oncall') && incident.open holds");
    expect(result.auto_merge).toBe(true);
  });

  it("needs approval when the condition does not hold", () => {
    const signals = { requesters: { alice: { teams: ["acme/oncall"], org_member: true } }, incident: { open: false } };
    const { file } = one("access/requests/gcp-viewer/alice.yaml", ok2h, { signals });
    expect(file.approvals_required).toBe(1);
    expect(file.reasons).toContain("auto_approve_if does not hold: requester.teams.exists(t, t == 'acme/oncall') && incident.open");
  });

  it("fails closed when a condition does not type-check", () => {
    const policy = "tiers:\n  - name: t\n    match: {}\n    approvals: 1\n    auto_approve_if: \"requester.team == 'x'\"\n";
    const cfg = org("core").config({ policy });
    expect(cfg.problems).toEqual([{ path: "access/policy.yaml", message: expect.stringMatching(/^Tier "t": auto_approve_if is not a valid condition: No such key: team/), line: 5, column: 22 }]);
    const r = evaluateChange({ config: cfg, changes: [add("access/requests/staging/alice.yaml", ok2h)], author: "alice", now });
    expect(r.ok).toBe(false);
    expect(r.files[0]!.valid).toBe(false);
    expect(r.reasons[0]).toMatch(/configuration on the base branch is broken/);
  });

  it("refuses a condition that is not a yes/no question", () => {
    const policy = "tiers:\n  - name: t\n    match: {}\n    approvals: 1\n    auto_approve_if: \"risk.score + 1\"\n";
    expect(org("core").config({ policy }).problems[0]!.message).toMatch(/yields int, not a true\/false answer/);
  });

  it("reads time in the policy's time zone", () => {
    const policy = "settings: { timezone: Europe/Berlin }\ntiers:\n  - name: office\n    match: {}\n    approvals: 1\n    auto_approve_if: \"time.hour == 11 && time.weekday == 'Mon' && time.business_hours\"\n";
    const r = evaluateChange({ config: org("core").config({ policy }), changes: [add("access/requests/staging/alice.yaml", ok2h)], author: "alice", now });
    expect(r.files[0]!.approvals_required).toBe(0);
  });

  it("computes the risk score from the documented weights and lists the factors", () => {
    const { file } = one("access/requests/gcp-viewer/alice.yaml", ok2h, { baseRequestFiles: ["access/requests/staging/alice.yaml"] });
    // medium 20 + 2h*2=4 + outside collaborator 20 (unknown membership) + no ticket 10 + 1 active grant 5; business hours.
    expect(file.reasons).toContain("risk score 59 (medium sensitivity +20, 2h duration +4, outside collaborator +20, no ticket +10, 1 active grant(s) +5)");
  });
});

describe("who the request is for", () => {
  it("is never self-service for someone else", () => {
    const { file, result } = one("access/requests/staging/bob.yaml", ok2h, { author: "alice" });
    expect(file).toMatchObject({ valid: true, tier: "self-service", approvals_required: 1 });
    expect(file.reasons).toContain("requested for bob by someone else, so it is never self-service");
    expect(result.auto_merge).toBe(false);
  });

  it("compares logins case-insensitively", () => {
    const { file, result } = one("access/requests/staging/bob.yaml", ok2h, { author: "BOB" });
    expect(file.approvals_required).toBe(0);
    expect(result.auto_merge).toBe(true);
  });
});

describe("deletions", () => {
  const del = (path: string): ChangedFile => ({ path, change: "deleted", text: null });
  it("deleting one's own file is self-service", () => {
    const r = judge([del("access/requests/prod-db-admin/alice.yaml")]);
    expect(r.files[0]).toMatchObject({ valid: true, tier: "revoke", approvals_required: 0 });
    expect(r.auto_merge).toBe(true);
  });

  it("deleting someone else's needs one code-owner approval", () => {
    const r = judge([del("access/requests/prod-db-admin/bob.yaml")]);
    expect(r.files[0]).toMatchObject({ valid: true, approvals_required: 1, approvers: ["@acme/dba", "@acme/security"] });
    expect(r.auto_merge).toBe(false);
  });

  it("gitgrant's own revoke PR is self-service", () => {
    const r = judge([del("access/requests/prod-db-admin/bob.yaml"), del("access/requests/staging/carol.yaml")], { author: "gitgrant[bot]", revokePr: true });
    expect(r.auto_merge).toBe(true);
  });
});

describe("paths and other files", () => {
  it.each([
    ["access/requests/staging/alice.yml", /rename "alice.yml" to end in .yaml/],
    ["access/requests/staging/notes.txt", /"notes.txt" is not a .yaml file/],
    ["access/requests/alice.yaml", /is not at that depth/],
    ["access/requests/staging/sub/alice.yaml", /is not at that depth/],
    ["access/requests/Staging/alice.yaml", /"Staging" is not a resource id/],
    ["access/requests/staging/al_ice.yaml", /"al_ice" is not a GitHub login/],
  ])("%s is invalid", (path, message) => {
    const { file } = one(path, ok2h);
    expect(file.valid).toBe(false);
    expect(file.errors[0]!.message).toMatch(message);
  });

  it("never auto-merges a change to the policy, even with a valid request", () => {
    const r = judge([add("access/requests/staging/alice.yaml", ok2h), { path: "access/policy.yaml", change: "modified", text: "" }]);
    expect(r.ok).toBe(true);
    expect(r.auto_merge).toBe(false);
    expect(r.approved).toBe(false);
    expect(r.files[1]).toMatchObject({ kind: "config", valid: true, tier: null, approvers: ["@acme/security"] });
    expect(r.reasons).toContain("Changes files that are not access requests (access/policy.yaml): they need normal review and the app never merges them.");
  });

  it("one broken file does not hide the verdict on the others", () => {
    const r = judge([add("access/requests/staging/alice.yaml", "reason: [oops\n"), add("access/requests/prod-db-read/alice.yaml", ok2h)]);
    expect(r.ok).toBe(false);
    expect(r.files[0]!.valid).toBe(false);
    expect(r.files[1]).toMatchObject({ valid: true, tier: "self-service" });
  });

  it("refuses a PR with more than 3,000 files with a clear message", () => {
    const many = Array.from({ length: 3001 }, (_, i) => add(`access/requests/staging/u${i}.yaml`, ok2h));
    const r = judge(many);
    expect(r).toMatchObject({ ok: false, auto_merge: false, files: [] });
    expect(r.reasons[0]).toMatch(/touches 3001 files; gitgrant judges at most 3000/);
  });

  it("refuses a request nobody can approve", () => {
    const cfg = org("core").config({ codeowners: "/access/requests/prod-db-read/ @acme/dba\n" });
    const r = evaluateChange({ config: cfg, changes: [add("access/requests/gcp-viewer/alice.yaml", ok2h)], author: "alice", now });
    expect(r.files[0]!.errors.map((e) => e.message)).toContain("Nobody owns access/requests/gcp-viewer/alice.yaml in CODEOWNERS, so nobody can approve it; the security team must add an owner for access/requests/gcp-viewer/.");
  });
});

describe("a broken base config fails every request closed", () => {
  it.each([
    ["a missing catalog", { catalog: null }, /access\/catalog.yaml is missing on the base branch/],
    ["a policy with a syntax error", { policy: "tiers: [\n" }, /access\/policy.yaml:/],
    ["identities with an unknown field", { identities: "users: {}\nextra: 1\n" }, /Unknown field "extra"/],
    ["no CODEOWNERS", { codeowners: null }, /No CODEOWNERS file on the base branch/],
    ["a bad tier duration", { policy: "tiers:\n  - name: t\n    match: { max_duration: 2 hours }\n    approvals: 0\n" }, /not a duration/],
  ])("%s", (_name, override, reason) => {
    const cfg = org("core").config(override as never);
    const r = evaluateChange({ config: cfg, changes: [add("access/requests/staging/alice.yaml", ok2h)], author: "alice", now });
    expect(r.ok).toBe(false);
    expect(r.auto_merge).toBe(false);
    expect(r.reasons.join("\n")).toMatch(reason);
    expect(r.files[0]!.valid).toBe(false);
  });
});

describe("break-glass", () => {
  it("is granted at once in a tier that allows it, capped", () => {
    const { file, result } = one("access/requests/root/alice.yaml", "reason: Production is down, need tenant admin\nduration: 30m\nbreak_glass: true\nincident: INC-999\nticket: INC-999\n");
    expect(file).toMatchObject({ valid: true, tier: "escalated", approvals_required: 0, break_glass: true });
    expect(result.auto_merge).toBe(true);
  });

  it("is refused over the break-glass cap and without an incident", () => {
    const a = one("access/requests/root/alice.yaml", "reason: Production is down, need tenant admin\nduration: 1h\nbreak_glass: true\nticket: INC-9\n");
    expect(a.file.valid).toBe(true);
    const b = one("access/requests/prod-db-admin/alice.yaml", "reason: Production is down, need db admin\nduration: 2h\nbreak_glass: true\nticket: INC-9\n");
    expect(b.file.errors.map((e) => e.message)).toContain('Break-glass access is capped at 1h in tier "escalated"; you asked for 2h.');
    const c = one("access/requests/root/alice.yaml", "reason: Production is down, need tenant admin\nduration: 30m\nbreak_glass: true\n");
    expect(c.file.errors.map((e) => e.message)).toContain('break_glass needs an incident reference: add "incident: INC-1234".');
  });

  it("is refused in a tier that does not allow it", () => {
    const { file } = one("access/requests/gcp-viewer/alice.yaml", "reason: Production is down, need to look\nduration: 1h\nbreak_glass: true\nincident: INC-1\n");
    expect(file.errors.map((e) => e.message)).toContain('Tier "conditional" does not allow break-glass; remove break_glass and wait for approval.');
  });
});

describe("config files", () => {
  it("an invalid CODEOWNERS line fails closed, with its line", () => {
    const cfg = org("core").config({ codeowners: "* @acme/platform\n/access/requests/[a-z]*/ @acme/dba\n" });
    expect(cfg.problems).toEqual([{ path: ".github/CODEOWNERS", line: 2, column: 1, message: expect.stringMatching(/GitHub skips this line; gitgrant refuses to judge until it is fixed/) }]);
  });

  it("the repository's example files name their JSON Schema for editors", async () => {
    const { readFileSync, existsSync, readdirSync } = await import("node:fs");
    const { join, dirname, resolve } = await import("node:path");
    const root = join(import.meta.dirname, "../..");
    const files = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ...readdirSync(join(root, "access/requests"), { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name).slice(root.length + 1))];
    for (const f of files) {
      const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(readFileSync(join(root, f), "utf8"));
      expect(m, f).not.toBeNull();
      expect(existsSync(resolve(dirname(join(root, f)), m![1]!)), f).toBe(true);
    }
  });
});
