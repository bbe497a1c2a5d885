// Conditions run in bounded time: matches() is RE2, patterns RE2 cannot run are refused at
// load (literal) or fail closed (computed), and oversized conditions or inputs fail closed.
import { describe, expect, it } from "vitest";
import { compileCondition, type CompiledCondition } from "../../src/core/condition.js";
import { buildContext, type Signals } from "../../src/core/context.js";
import { evaluateChange } from "../../src/core/evaluate.js";
import { org, type Org } from "../helpers/orgs.js";

const orgTexts = org("core");
const orgConfig = (overrides?: Parameters<Org["config"]>[0]) => orgTexts.config(overrides);

const now = new Date("2026-11-30T10:00:00Z");
const base = orgConfig();
function ctx(ticket: string, signals: Signals = {}) {
  return buildContext({ login: "alice", author: "alice", resource: base.catalog.resources["gcp-viewer"]!, durationMs: 3_600_000, ticket, breakGlass: false, change: "added", now, settings: base.policy.settings, signals, activeGrants: 0 });
}
function compiled(source: string): CompiledCondition {
  const c = compileCondition(source);
  if ("error" in c) throw new Error(c.error);
  return c;
}
function policyWith(condition: string) {
  return orgTexts.policy.replace("auto_approve_if: \"requester.teams.exists(t, t == 'acme/oncall') && incident.open\"", () => `auto_approve_if: ${JSON.stringify(condition)}`);
}

describe("matches() is RE2", () => {
  const catastrophic = "request.ticket.matches('^([A-Z]+-?)+[0-9]+$')";

  it("answers a catastrophic-backtracking pattern on a 40-character ticket (no match)", () => {
    expect(compiled(catastrophic).run(ctx("A".repeat(40) + "!"))).toBe(false);
  });

  it("still matches what the pattern describes", () => {
    expect(compiled(catastrophic).run(ctx("INC-1234"))).toBe(true);
    expect(compiled("request.ticket.matches('INC')").run(ctx("see INC-1"))).toBe(true); // partial, like RE2 find
    expect(compiled("request.ticket.matches('(?i)^inc-[0-9]+$')").run(ctx("INC-7"))).toBe(true);
  });

  it("is used inside comprehensions too", () => {
    const c = compiled("requester.teams.exists(t, t.matches('^acme/on(-?call)+$'))");
    expect(c.run(ctx("", { requesters: { alice: { teams: ["acme/oncall"] } } }))).toBe(true);
    expect(c.run(ctx("", { requesters: { alice: { teams: [`acme/on${"-call".repeat(30)}x`] } } }))).toBe(false);
  });

  it("refuses at policy load a literal pattern RE2 cannot compile, saying why", () => {
    for (const p of ["^(?=INC)", "(a)\\\\1", "a{1001}", "(?<!x)y", "["]) {
      const r = compileCondition(`request.ticket.matches('${p}')`);
      expect(r, p).toHaveProperty("error");
      expect((r as { error: string }).error, p).toMatch(/^matches\(\): .* is not an RE2 regular expression/);
    }
    const cfg = orgConfig({ policy: policyWith("request.ticket.matches('^(?=INC)')") });
    expect(cfg.problems).toHaveLength(1);
    expect(cfg.problems[0]!.message).toMatch(/^Tier "conditional": auto_approve_if is not a valid condition: matches\(\): "\^\(\?=INC\)" is not an RE2 regular expression/);
  });

  it("fails closed, with the reason, on a computed pattern RE2 cannot compile", () => {
    const cfg = orgConfig({ policy: policyWith("request.ticket.matches(request.ticket)") });
    expect(cfg.problems).toEqual([]);
    const f = evaluateChange({
      config: cfg,
      changes: [{ path: "access/requests/gcp-viewer/alice.yaml", change: "added", text: "reason: Look at the production dashboards\nduration: 2h\nticket: \"(?=x)\"\n" }],
      author: "alice",
      now,
    }).files[0]!;
    expect(f).toMatchObject({ valid: true, approvals_required: 1 });
    expect(f.reasons.find((r) => r.startsWith("auto_approve_if failed"))).toMatch(/^auto_approve_if failed to evaluate \(matches\(\): "\(\?=x\)" is not an RE2 regular expression .*\), so it does not apply$/);
  });
});

describe("every condition's cost is bounded", () => {
  it("refuses an expression over the size limit", () => {
    const r = compileCondition(Array.from({ length: 700 }, () => "incident.open").join(" && "));
    expect((r as { error: string }).error).toMatch(/characters; the limit is 4096|maxAstNodes/);
  });

  it("refuses too many AST nodes (the library's own limit)", () => {
    const r = compileCondition(Array.from({ length: 300 }, (_, i) => `1!=${i}`).join("&&"));
    expect((r as { error: string }).error).toBe("Exceeded maxAstNodes (500)");
  });

  it("refuses comprehensions nested more than twice", () => {
    const r = compileCondition("requester.teams.exists(a, requester.teams.exists(b, requester.teams.exists(c, a + b + c == 'x')))");
    expect((r as { error: string }).error).toMatch(/nested at most 2 deep/);
    expect(compileCondition("requester.teams.exists(a, requester.teams.exists(b, a == b))")).not.toHaveProperty("error");
  });

  it("fails closed, with the reason, when an input list is over its bound", () => {
    const cfg = orgConfig();
    const teams = Array.from({ length: 101 }, (_, i) => `acme/team-${i}`).concat("acme/oncall");
    const f = evaluateChange({
      config: cfg,
      changes: [{ path: "access/requests/gcp-viewer/alice.yaml", change: "added", text: "reason: Look at the production dashboards\nduration: 2h\n" }],
      author: "alice",
      now,
      signals: { requesters: { alice: { teams } }, incident: { open: true } },
    }).files[0]!;
    expect(f.approvals_required).toBe(1);
    expect(f.reasons).toContain("auto_approve_if failed to evaluate (requester.teams has 102 entries, over the 100 a condition may read), so it does not apply");
  });
});
