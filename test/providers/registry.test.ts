// The registry is the one list of providers: the schema files, PROVIDER_NAMES, the rules the
// core validates with and the example catalog must all agree with it.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/core/config.js";
import {
  PROVIDERS,
  PROVIDER_NAMES,
  PROVIDER_RULES,
  TARGET_RULES,
  createProviders,
  descriptorsOf,
  nativeExpiryOf,
  providerSchemas,
} from "../../src/providers/index.js";
import { descriptor as local } from "../../src/providers/local.js";
import { nativeExpiryFrom } from "../../src/operations/apply-providers.js";
import { RecordingProvider } from "../helpers/providers.js";
import { SIGNAL_IDENTITY_KEYS } from "../../src/core/context-declaration.js";

const ROOT = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
type Json = Record<string, any>;

describe("the provider registry", () => {
  it("has exactly one line per provider, and every provider file is on it", () => {
    const lines = read("src/providers/registry.ts").split("\n").filter((l) => l.startsWith("export"));
    const files = lines.map((l) => /^export \{ descriptor as \w+ \} from "\.\/([\w-]+)\.js";$/.exec(l)?.[1]);
    expect(files).not.toContain(undefined);
    // File name = provider name, so `src/providers/<name>.ts` is where a provider lives.
    expect([...files].sort()).toEqual([...PROVIDER_NAMES]);
    const withDescriptor = readdirSync(join(ROOT, "src/providers"))
      .filter((f) => f.endsWith(".ts") && /^export const descriptor\b/m.test(read(`src/providers/${f}`)))
      .map((f) => f.replace(/\.ts$/, ""));
    expect(withDescriptor.sort()).toEqual([...PROVIDER_NAMES]);
  });

  it("refuses two providers of one name", () => {
    expect(() => descriptorsOf([local, { ...local }])).toThrow('two providers are registered as "local"');
  });

  it("the committed schema files are what the registry builds (run `npm run schemas` after adding a provider)", () => {
    for (const [name, schema] of Object.entries(providerSchemas())) {
      expect(JSON.parse(read(`schemas/${name}.schema.json`)), `schemas/${name}.schema.json`).toEqual(schema);
    }
  });

  it("PROVIDER_NAMES, the schemas, the core's rules, the target checks and createProviders name the same providers", () => {
    const files = { catalog: JSON.parse(read("schemas/catalog.schema.json")) as Json, policy: JSON.parse(read("schemas/policy.schema.json")) as Json, identities: JSON.parse(read("schemas/identities.schema.json")) as Json };
    const resource = files.catalog.properties.resources.additionalProperties;
    const names = [...PROVIDER_NAMES];
    expect(resource.properties.provider.enum).toEqual(names);
    expect(resource.allOf.map((b: Json) => b.if.properties.provider.const)).toEqual(names);
    expect(files.policy.properties.tiers.items.properties.match.properties.providers.items.enum).toEqual(names);
    expect(Object.keys(files.identities.properties.users.additionalProperties.properties).sort()).toEqual([...new Set([...PROVIDERS.map((d) => d.identity.key), ...Object.keys(SIGNAL_IDENTITY_KEYS)])].sort());
    expect(PROVIDER_RULES.map((r) => r.name)).toEqual(names);
    expect(Object.keys(TARGET_RULES)).toEqual(names);
    const built = createProviders({ env: {} });
    expect(Object.keys(built)).toEqual(names);
    for (const d of PROVIDERS) {
      expect(built[d.name]!.name).toBe(d.name);
      // Each fragment is the then-branch for its own name, unchanged.
      expect(resource.allOf.find((b: Json) => b.if.properties.provider.const === d.name).then.properties.target).toEqual(d.targetSchema);
    }
  });

  it("every provider has a resource in the example catalog, and the example organisation loads clean", () => {
    const catalog = parse(read("access/catalog.yaml")) as { resources: Record<string, { provider: string }> };
    const used = new Set(Object.values(catalog.resources).map((r) => r.provider));
    for (const name of PROVIDER_NAMES) expect(used.has(name), `access/catalog.yaml has no ${name} resource`).toBe(true);
    const config = loadConfig(
      { catalog: read("access/catalog.yaml"), policy: read("access/policy.yaml"), identities: read("access/identities.yaml"), codeowners: { ".github/CODEOWNERS": read(".github/CODEOWNERS") } },
      PROVIDER_RULES,
    );
    expect(config.problems).toEqual([]);
  });

  it("one native-expiry answer per resource, the same from the descriptor and from a built provider", () => {
    const built = createProviders({ env: {} });
    const catalog = parse(read("access/catalog.yaml")) as { resources: Record<string, { provider: string; target: Record<string, unknown> }> };
    for (const [id, r] of Object.entries(catalog.resources)) {
      const res = { id, sensitivity: "low" as const, max_duration: "1h", ...r };
      expect([id, built[r.provider]!.nativeExpiry(res)]).toEqual([id, nativeExpiryOf(res)]);
    }
    expect(nativeExpiryOf({ id: "x", sensitivity: "low", max_duration: "1h", provider: "gcp-iam", target: {} })).toBe(true);
    expect(nativeExpiryOf({ id: "x", sensitivity: "low", max_duration: "1h", provider: "okta-nope", target: {} })).toBe(false);
  });

  it("the one native-expiry lookup: the given provider's answer, else the registry's", () => {
    const role = { id: "r", sensitivity: "low" as const, max_duration: "1h", provider: "aws-iam", target: { mode: "assume-role", role_arn: "arn:aws:iam::123456789012:role/r" } };
    const group = { ...role, target: { mode: "group", group: "g" } };
    // A fake that says otherwise wins: tests and callers may hand in their own providers.
    expect(nativeExpiryFrom({ "aws-iam": new RecordingProvider("aws-iam", {}, true) })(group)).toBe(true);
    // No providers (the GitHub sweep), or one that cannot be built: the registry still knows.
    expect(nativeExpiryFrom(undefined)(role)).toBe(true);
    expect(nativeExpiryFrom(undefined)(group)).toBe(false);
    expect(nativeExpiryFrom(() => { throw new Error("no AWS credentials"); })(role)).toBe(true);
  });
});
