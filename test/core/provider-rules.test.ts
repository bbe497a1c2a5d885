// The core's side of the provider registry: it builds schema parts from rules it is handed
// and runs their target checks, failing closed when a check itself breaks.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { withProviderParts, type ProviderRule } from "../../src/core/provider-rules.js";
import { SIGNAL_IDENTITY_KEYS } from "../../src/core/context-declaration.js";

const rule = (name: string, over: Partial<ProviderRule> = {}): ProviderRule => ({
  name,
  identity: { key: name, schema: { type: "string" } },
  targetSchema: { type: "object" },
  targetProblem: () => null,
  ...over,
});

const texts = (provider: string) => ({
  catalog: `resources:\n  box:\n    sensitivity: low\n    max_duration: 1h\n    provider: ${provider}\n    target: { size: 3 }\n`,
  policy: "tiers:\n  - name: all\n    match: {}\n    approvals: 1\n",
  identities: "users:\n  alice:\n    one: a\n",
  codeowners: { ".github/CODEOWNERS": "* @acme/security\n" },
});

describe("provider rules in the core", () => {
  it("a target check that throws is a config problem at the target, never a crash or a pass", () => {
    const broken = rule("one", { targetProblem: () => { throw new TypeError("size.toFixed is not a function"); } });
    const config = loadConfig(texts("one"), [broken]);
    expect(config.problems).toEqual([
      { path: "access/catalog.yaml", line: 6, column: 13, message: "one resource box: the one target check failed: size.toFixed is not a function" },
    ]);
  });

  it("a name the rules do not have is refused by the schema built from them", () => {
    const config = loadConfig(texts("two"), [rule("one")]);
    expect(config.problems.map((p) => p.message)).toEqual(['"resources.box.provider" must be one of: one.']);
  });

  it("two providers may share an identity key only if they agree on its form", () => {
    const base = { properties: { users: { additionalProperties: { properties: {} } } } };
    const same = withProviderParts("identities", base, [rule("a", { identity: { key: "k", schema: { type: "string" } } }), rule("b", { identity: { key: "k", schema: { type: "string" } } })]);
    // The signal sources' identity keys (PagerDuty's user) sit beside the providers'.
    expect(same).toEqual({ properties: { users: { additionalProperties: { properties: { k: { type: "string" }, ...SIGNAL_IDENTITY_KEYS } } } } });
    expect(() =>
      withProviderParts("identities", base, [rule("a", { identity: { key: "k", schema: { type: "string" } } }), rule("b", { identity: { key: "k", schema: { type: "number" } } })]),
    ).toThrow('providers disagree on the schema of identity key "k" (b differs)');
  });

  it("a base schema without the place for provider parts is a loud error", () => {
    expect(() => withProviderParts("policy", { properties: {} }, [rule("a")])).toThrow("schemas/policy.schema.json has no properties.tiers.items.properties.match.properties.providers.items");
  });
});
