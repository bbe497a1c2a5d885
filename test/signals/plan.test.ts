import { PROVIDER_RULES } from "../../src/providers/index.js";
import { parse } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";
import { readPaths } from "../../src/core/condition-reads.js";
import { compileCondition } from "../../src/core/condition.js";
import { loadConfig } from "../../src/core/config.js";
import { evaluateChange } from "../../src/core/evaluate.js";
import { gatherSignals } from "../../src/signals/gather.js";
import { GraphqlBatch } from "../../src/signals/github.js";
import { planSignals } from "../../src/signals/plan.js";
import { BASE_FILES, NOW, REQUESTS } from "../helpers/app.js";

const config = loadConfig({
  catalog: BASE_FILES["access/catalog.yaml"]!,
  policy: BASE_FILES["access/policy.yaml"]!,
  identities: BASE_FILES["access/identities.yaml"]!,
  codeowners: { ".github/CODEOWNERS": BASE_FILES[".github/CODEOWNERS"] },
}, PROVIDER_RULES);

const reads = (src: string) => {
  const c = compileCondition(src);
  if ("error" in c) throw new Error(c.error);
  return [...c.reads].sort();
};

describe("what a condition reads, from its type-checked AST", () => {
  it("is the fields it selects, not words in its text", () => {
    expect(reads("requester.teams.exists(t, t == 'incident') && request.duration_hours <= 2.0")).toEqual(["request.duration_hours", "requester.teams"]);
    expect(reads("request.ticket == 'risk.score' || request.has_ticket")).toEqual(["request.has_ticket", "request.ticket"]);
  });

  it("sees through macros: a macro variable named like a context group reads nothing", () => {
    expect(reads("requester.teams.exists(incident, incident == 'acme/oncall')")).toEqual(["requester.teams"]);
    expect(reads("[1, 2].all(x, x < risk.score)")).toEqual(["risk.score"]);
  });

  it("a whole group passed along, or indexed by name, is read as such", () => {
    expect(reads("requester['org_member']")).toEqual(["requester.org_member"]);
    const roots = new Set(["requester", "incident"]);
    expect([...readPaths(parse("f(requester) && incident.open").ast, roots)].sort()).toEqual(["incident.open", "requester.*"]);
    expect([...readPaths(parse("requester[k] && cel.bind(incident, 1, incident > 0)").ast, roots)].sort()).toEqual(["requester.*"]);
  });
});

describe("which signals a change needs", () => {
  const judge = (path: string, text: string, author = "alice") => evaluateChange({ config, changes: [{ path, change: "added", text }], author, now: NOW });

  it("none for a self-service request: its tier has no condition", () => {
    const plan = planSignals(config, judge("access/requests/staging-deploy/alice.yaml", REQUESTS.selfService), "alice");
    expect(plan).toEqual({ paths: new Set(), logins: [], refs: [] });
  });

  it("everything the conditional tier's auto_approve_if reads (teams, incident, and risk: membership and active grants)", () => {
    const plan = planSignals(config, judge("access/requests/gcp-prod-viewer/alice.yaml", REQUESTS.conditional), "alice");
    expect(plan.logins).toEqual(["alice"]);
    expect([...plan.paths].filter((p) => /^(requester|incident)\./.test(p)).sort()).toEqual([
      "incident.open",
      "requester.active_grants",
      "requester.org_member",
      "requester.outside_collaborator",
      "requester.teams",
    ]);
  });

  it("none for someone else's request: it is never self-service, whatever the condition says", () => {
    const plan = planSignals(config, judge("access/requests/gcp-prod-viewer/alice.yaml", REQUESTS.conditional, "bob"), "bob");
    expect(plan.logins).toEqual([]);
  });

  it("a personal account has no teams or members: no call, the cautious defaults", async () => {
    const plan = { paths: new Set(["requester.teams", "requester.org_member"]), logins: ["alice"], refs: [] };
    const github = { api: {} as never, where: { owner: "alice", repo: "access" }, org: null, baseSha: "b", listFiles: async () => [], batch: new GraphqlBatch({} as never) };
    const out = await gatherSignals(plan, { config, now: NOW }, { github, env: {} });
    expect(out.signals).toEqual({ requesters: { alice: { org_member: false } } });
    expect(out.notes).toEqual([]);
  });
});
