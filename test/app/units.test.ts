import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { addedText, toChanges, type PullFile } from "../../src/app/files.js";
import { HANDLERS } from "../../src/app/index.js";
import { labelChanges } from "../../src/app/labels.js";
import { statedRevokeReason } from "../../src/app/merge.js";
import { blobQuery } from "../../src/app/repo.js";
import { cell, renderSummary, verdictOf } from "../../src/app/summary.js";
import { TEXT_LIMIT } from "../../src/github/limits.js";
import { loadConfig } from "../../src/core/config.js";
import { PROVIDER_RULES } from "../../src/providers/index.js";
import { evaluateChange, type CheckResult, type FileVerdict } from "../../src/core/evaluate.js";
import { BASE_FILES, NOW, REQUESTS } from "../helpers/app.js";

const config = loadConfig({
  catalog: BASE_FILES["access/catalog.yaml"]!,
  policy: BASE_FILES["access/policy.yaml"]!,
  identities: BASE_FILES["access/identities.yaml"]!,
  codeowners: { ".github/CODEOWNERS": BASE_FILES[".github/CODEOWNERS"] },
}, PROVIDER_RULES);

describe("the text of an added file, from its patch", () => {
  const file = (patch: string | undefined, additions: number, status = "added"): PullFile => ({ filename: "a.yaml", status, additions, ...(patch === undefined ? {} : { patch }) });

  it("is the + lines, with the final newline the patch implies", () => {
    expect(addedText(file("@@ -0,0 +1,2 @@\n+reason: x\n+duration: 2h", 2))).toBe("reason: x\nduration: 2h\n");
    expect(addedText(file("@@ -0,0 +1 @@\n+reason: x", 1))).toBe("reason: x\n");
    expect(addedText(file("@@ -0,0 +1,2 @@\n+a\r\n+b\n\\ No newline at end of file", 2))).toBe("a\r\nb");
  });

  it("is refused whenever the patch cannot prove it is the whole file", () => {
    expect(addedText(file(undefined, 3))).toBeNull(); // no patch: large or binary
    expect(addedText(file("@@ -0,0 +1,3 @@\n+a\n+b", 3))).toBeNull(); // lines missing
    expect(addedText(file("@@ -0,0 +1,2 @@\n+a\n+b", 3))).toBeNull(); // additions disagree
    expect(addedText(file("@@ -0,0 +1,2 @@\n+a\n b", 2))).toBeNull(); // not all added
    expect(addedText(file("@@ -1,2 +1,2 @@\n+a\n+b", 2))).toBeNull(); // not from nothing
    expect(addedText(file("@@ -0,0 +1,2 @@\n+a\n+b", 2, "renamed"))).toBeNull();
  });
});

describe("PR files as changes", () => {
  it("turns a rename into a delete and an add, and never skips an unknown status", () => {
    expect(
      toChanges([
        { filename: "access/requests/x/bob.yaml", status: "renamed", previous_filename: "access/requests/x/alice.yaml", additions: 0 },
        { filename: "c.yaml", status: "copied", additions: 1 },
        { filename: "d.yaml", status: "changed", additions: 0 },
        { filename: "e.yaml", status: "something-new", additions: 0 },
        { filename: "f.yaml", status: "unchanged", additions: 0 },
      ]),
    ).toEqual([
      { path: "access/requests/x/alice.yaml", change: "deleted" },
      { path: "access/requests/x/bob.yaml", change: "added" },
      { path: "c.yaml", change: "added" },
      { path: "d.yaml", change: "modified" },
      { path: "e.yaml", change: "modified" },
    ]);
  });
});

describe("the check run's words", () => {
  const verdict = (over: Partial<FileVerdict>): FileVerdict => ({
    path: "access/requests/x/alice.yaml",
    change: "added",
    kind: "request",
    valid: true,
    errors: [],
    tier: "t",
    approvals_required: 0,
    approvers: [],
    approved_by: [],
    requester: "alice",
    resource: "x",
    expires_at: null,
    break_glass: false,
    reasons: [],
    ...over,
  });

  it("escapes what a request file could smuggle into the summary table", () => {
    expect(cell("a | b <img src=x>\nnext")).toBe("a \\| b &lt;img src=x&gt; next");
  });

  it("fits GitHub's 65,535-character summary, saying how many rows were cut", () => {
    const files = Array.from({ length: 3000 }, (_, i) => verdict({ path: `access/requests/x/user${i}.yaml`, reasons: ["r".repeat(200)] }));
    const result: CheckResult = { ok: true, auto_merge: true, approved: true, reasons: ["ok"], files };
    const summary = renderSummary(result, ["header"], ["footer"]);
    expect(summary.length).toBeLessThanOrEqual(TEXT_LIMIT);
    expect(summary).toMatch(/… and \d+ more file\(s\), cut to fit GitHub's summary limit/);
    expect(summary.endsWith("footer")).toBe(true);
  });

  it("says who is still needed while waiting, and never success for a PR it will not merge", () => {
    const waiting: CheckResult = { ok: true, auto_merge: false, approved: false, reasons: [], files: [verdict({ approvals_required: 2, approvers: ["@acme/dba", "@acme/security"], approved_by: ["bob"] })] };
    expect(verdictOf(waiting, false)).toEqual({ state: { status: "in_progress" }, title: "Waiting for 1 approval(s) from @acme/dba, @acme/security" });
    const mixed: CheckResult = { ok: true, auto_merge: false, approved: false, reasons: [], files: [verdict({}), verdict({ path: "access/policy.yaml", kind: "config", requester: null })] };
    expect(verdictOf(mixed, false).state).toEqual({ status: "completed", conclusion: "neutral" });
  });
});

describe("labels", () => {
  it("adds the tiers present and removes gitgrant's own labels that no longer apply, leaving others alone", () => {
    const result = evaluateChange({ config, changes: [{ path: "access/requests/staging-deploy/alice.yaml", change: "added", text: REQUESTS.selfService }], author: "alice", now: NOW });
    expect(labelChanges(config, result, ["access:escalated", "bug", "access:break-glass", "access:self-service"])).toEqual({ add: [], remove: ["access:escalated", "access:break-glass"] });
  });
});

describe("revoke reasons", () => {
  it("reads the Revoke-reason line of a PR body, and only a known reason", () => {
    expect(statedRevokeReason("Offboarding Dave.\n\nRevoke: access/requests/x/dave.yaml\nRevoke-reason: offboarding\n")).toBe("offboarding");
    expect(statedRevokeReason("Revoke-reason: because")).toBeNull();
    expect(statedRevokeReason("no reason given")).toBeNull();
  });
});

describe("GraphQL reads", () => {
  it("pass paths as variables, never as query text", () => {
    const q = blobQuery(['c:access/requests/x/a"b.yaml']);
    expect(q.variables).toEqual({ f0: 'c:access/requests/x/a"b.yaml' });
    expect(q.query).not.toContain("a\"b");
    expect(q.query).toContain("f0: object(expression: $f0) { ...gitgrantBlob }");
  });
});

describe("app.yml", () => {
  it("subscribes to exactly the events the handlers listen to", () => {
    const manifest = parse(readFileSync(join(import.meta.dirname, "../../app.yml"), "utf8"));
    const events = new Set<string>();
    const fake = { on: (names: string | string[]) => [names].flat().forEach((n) => events.add(n.split(".")[0]!)) };
    for (const register of HANDLERS) register(fake as never, { now: () => NOW });
    expect([...events].sort()).toEqual([...manifest.default_events].sort());
    expect(manifest.default_permissions).toMatchObject({ checks: "write", contents: "write", pull_requests: "write", issues: "write", metadata: "read" });
    expect(manifest.public).toBe(false);
  });
});
