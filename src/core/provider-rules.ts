// What the core knows of the providers. The core imports nothing outside itself, so whoever
// loads a config hands these rules in; src/providers/index.ts builds them from the registry,
// which keeps the provider names, identity keys, target schemas and target checks in one
// place per provider instead of a copied list here.
import type { Resource } from "./types.js";
import { SIGNAL_IDENTITY_KEYS } from "./context-declaration.js";

export type JsonSchema = Record<string, unknown>;

export interface IdentityRule {
  /** The identities.yaml key holding a person's principal, e.g. "aws". Providers may share one. */
  key: string;
  /** JSON Schema of that value (a string with a description, maybe a pattern). */
  schema: JsonSchema;
  /** When the key is left out, the principal is the GitHub login itself. */
  defaultsToLogin?: boolean;
}

export interface ProviderRule {
  name: string;
  identity: IdentityRule;
  /** JSON Schema of the catalog resource's `target` block. */
  targetSchema: JsonSchema;
  /** The target block's problem in words ("<resource>: target needs ..."), or null when usable. */
  targetProblem(resource: Resource): string | null;
}

export type ProviderRules = readonly ProviderRule[];

export function ruleFor(rules: ProviderRules, name: string): ProviderRule | undefined {
  return rules.find((r) => r.name === name);
}

export const providerNames = (rules: ProviderRules): string[] => rules.map((r) => r.name);

/** The schema files whose provider parts come from the rules. */
export type ProviderSchemaName = "catalog" | "identities" | "policy";

type Json = Record<string, unknown>;
// A schema path that must exist in the base file; a missing one is a bug in the file, said loudly.
function at(schema: Json, path: string[], file: string): Json {
  let node: unknown = schema;
  for (const key of path) {
    node = (node as Json | undefined)?.[key];
    if (!node || typeof node !== "object") throw new Error(`schemas/${file}.schema.json has no ${path.join(".")}`);
  }
  return node as Json;
}

/**
 * The base schema with its provider parts replaced from the rules: the provider enums, the
 * catalog's per-provider `if provider then target` blocks and the identities' keys. Applied
 * to an up-to-date file it gives the file back, which is how the schema test proves the
 * committed files agree with the registry.
 */
export function withProviderParts(name: ProviderSchemaName, base: Json, rules: ProviderRules): Json {
  const schema = structuredClone(base);
  const names = providerNames(rules);
  if (name === "catalog") {
    const resource = at(schema, ["properties", "resources", "additionalProperties"], name);
    at(resource, ["properties", "provider"], name).enum = names;
    resource.allOf = rules.map((r) => ({
      if: { properties: { provider: { const: r.name } }, required: ["provider"] },
      then: { properties: { target: r.targetSchema } },
    }));
  } else if (name === "policy") {
    at(schema, ["properties", "tiers", "items", "properties", "match", "properties", "providers", "items"], name).enum = names;
  } else {
    const keys: Json = {};
    for (const r of rules) {
      const seen = keys[r.identity.key];
      // Two providers may read one key (one person, one account) only if they agree on its form.
      if (seen && JSON.stringify(seen) !== JSON.stringify(r.identity.schema)) {
        throw new Error(`providers disagree on the schema of identity key "${r.identity.key}" (${r.name} differs)`);
      }
      keys[r.identity.key] = r.identity.schema;
    }
    // Signal sources read identities too (PagerDuty's user for on-call), beside the providers'.
    at(schema, ["properties", "users", "additionalProperties"], name).properties = { ...keys, ...SIGNAL_IDENTITY_KEYS };
  }
  return schema;
}
