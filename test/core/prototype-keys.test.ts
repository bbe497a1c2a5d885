// Names from paths and files must never match what every JavaScript object inherits.
import { describe, expect, it } from "vitest";
import { buildContext } from "../../src/core/context.js";
import { evaluateChange } from "../../src/core/evaluate.js";
import { principalFor } from "../../src/core/request.js";
import { judgeApprovals } from "../../src/core/approvals.js";
import { org, type Org } from "../helpers/orgs.js";

const orgTexts = org("core");
const orgConfig = (overrides?: Parameters<Org["config"]>[0]) => orgTexts.config(overrides);
import { PROTOTYPE_NAMES } from "../helpers/hostile.js";

const now = new Date("2026-11-30T10:00:00Z");
const config = orgConfig();
const reason = "reason: Deploy the release candidate\nduration: 2h\n";

function judgeOne(path: string, author?: string) {
  return evaluateChange({ config, changes: [{ path, change: "added", text: reason }], author, now }).files[0]!;
}

describe("a login named like an inherited property", () => {
  for (const name of PROTOTYPE_NAMES) {
    it(`"${name}" absent from identities.yaml is refused on local and github-team resources`, () => {
      const f = judgeOne(`access/requests/staging/${name}.yaml`, name);
      expect(f.valid).toBe(false);
      expect(f.errors.map((e) => e.message).join(" ")).toMatch(/is not listed in access\/identities\.yaml|is not a GitHub login/);
    });
  }

  it("is judged normally when identities.yaml does list it", () => {
    const cfg = orgConfig({ identities: `${orgTexts.identities}  constructor: { local: ctor }\n` });
    const f = evaluateChange({ config: cfg, changes: [{ path: "access/requests/staging/constructor.yaml", change: "added", text: reason }], author: "constructor", now }).files[0]!;
    expect(f).toMatchObject({ valid: true, tier: "self-service" });
    expect(principalFor(cfg, "constructor", cfg.catalog.resources.staging!)).toBe("ctor");
  });

  it("has no principal through an inherited identity or identity key", () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(principalFor(config, name, config.catalog.resources.staging!)).toBeNull();
      expect(principalFor(config, "alice", { ...config.catalog.resources.staging!, provider: name as never })).toBeNull();
    }
  });
});

describe("a resource id named like an inherited property", () => {
  for (const name of PROTOTYPE_NAMES) {
    it(`"${name}" absent from the catalog is unknown or a bad path`, () => {
      const f = judgeOne(`access/requests/${name}/alice.yaml`, "alice");
      expect(f.valid).toBe(false);
      expect(f.errors.map((e) => e.message).join(" ")).toMatch(/Unknown resource|is not a resource id/);
    });
  }

  it("a tier naming an inherited resource id is a policy problem", () => {
    const cfg = orgConfig({
      policy: "tiers:\n  - name: t\n    match: { resources: [constructor, tostring, valueof] }\n    approvals: 0\n",
    });
    expect(cfg.problems.map((p) => p.message)).toEqual([
      'Tier "t" names resource "constructor", which is not in the catalog.',
      'Tier "t" names resource "tostring", which is not in the catalog.',
      'Tier "t" names resource "valueof", which is not in the catalog.',
    ]);
  });
});

describe("inherited names in signals, approvals and tier names", () => {
  const staging = config.catalog.resources.staging!;
  const ctx = (login: string) =>
    buildContext({ login, author: login, resource: staging, durationMs: 3_600_000, breakGlass: false, change: "added", now, settings: config.policy.settings, signals: { requesters: {} }, activeGrants: 0 });

  it("a requester with no signals gets the cautious defaults, whatever the login", () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(ctx(name).requester).toMatchObject({ teams: [], org_member: false, outside_collaborator: true });
    }
  });

  it("a reviewer named like an inherited property has no teams", () => {
    for (const name of PROTOTYPE_NAMES) {
      const r = judgeApprovals(
        { reviews: [{ login: name, state: "APPROVED" }], excluded: [], teamsOf: {} },
        { requester: "alice", owners: ["@acme/dba"], required: 1, path: "access/requests/prod-db-read/alice.yaml" },
      );
      expect(r.satisfied).toBe(false);
    }
  });

  it("tier names that are inherited property names load and decide like any other", () => {
    const policy = ["tiers:", ...["constructor", "tostring", "valueof"].map((n, i) => `  - name: ${n}\n    match: { sensitivity: [${["low", "medium", "high"][i]}] }\n    approvals: ${i + 1}\n    auto_approve_if: "incident.open"`)].join("\n") + "\n";
    const cfg = orgConfig({ policy });
    expect(cfg.problems).toEqual([]);
    const f = evaluateChange({ config: cfg, changes: [{ path: "access/requests/staging/alice.yaml", change: "added", text: reason }], author: "alice", now }).files[0]!;
    expect(f).toMatchObject({ valid: true, tier: "constructor", approvals_required: 1 });
    expect(f.reasons).toContain("auto_approve_if does not hold: incident.open");
  });
});
