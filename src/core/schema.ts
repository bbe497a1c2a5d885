// JSON Schema validation of the four file kinds, compiled once per process.
// The schemas live in schemas/*.schema.json (editors use them through the
// yaml-language-server comment); they are loaded as modules, not read at run time.
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { withProviderParts, type ProviderRules, type ProviderSchemaName } from "./provider-rules.js";
import type { FileError } from "./types.js";
import type { ParsedYaml } from "./yaml.js";

const require = createRequire(import.meta.url);
// src/core and dist/core are both two levels below the package root.
const load = (name: string) => require(`../../schemas/${name}.schema.json`) as object;

export type SchemaName = "request" | "catalog" | "policy" | "identities";

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);

const compiled = new Map<SchemaName, ValidateFunction>();
// Per set of provider rules: the real registry in production, a larger one in the recipe test.
const composed = new WeakMap<ProviderRules, Map<ProviderSchemaName, ValidateFunction>>();

/** A schema file as it should be for these providers (what `npm run schemas` writes). */
export function providerSchema(name: ProviderSchemaName, rules: ProviderRules): Record<string, unknown> {
  return withProviderParts(name, load(name) as Record<string, unknown>, rules);
}

export function validator(name: "request"): ValidateFunction;
export function validator(name: SchemaName, rules: ProviderRules): ValidateFunction;
export function validator(name: SchemaName, rules?: ProviderRules): ValidateFunction {
  if (name === "request") {
    let v = compiled.get(name);
    if (!v) compiled.set(name, (v = ajv.compile(load(name))));
    return v;
  }
  if (!rules) throw new Error(`validating ${name} needs the provider rules`);
  let byName = composed.get(rules);
  if (!byName) composed.set(rules, (byName = new Map()));
  let v = byName.get(name);
  if (!v) {
    // Validation follows the rules even when the committed file lags behind them. The $id is
    // dropped so that schemas for two rule sets can live in one Ajv.
    const { $id: _id, ...schema } = providerSchema(name, rules);
    byName.set(name, (v = ajv.compile(schema)));
  }
  return v;
}

/** Validate parsed data; errors carry the line/column of the offending key or value. */
export function schemaErrors(name: "request", parsed: ParsedYaml): FileError[];
export function schemaErrors(name: SchemaName, parsed: ParsedYaml, rules: ProviderRules): FileError[];
export function schemaErrors(name: SchemaName, parsed: ParsedYaml, rules?: ProviderRules): FileError[] {
  const validate = name === "request" ? validator(name) : validator(name, rules!);
  if (validate(parsed.value)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "if");
  // anyOf of required fields: one readable message instead of one per branch.
  const anyOfMissing = errors.some((e) => e.keyword === "anyOf" && e.instancePath === "");
  const out: FileError[] = [];
  for (const e of errors) {
    if (anyOfMissing && e.keyword === "required" && e.instancePath === "" && e.schemaPath.startsWith("#/anyOf")) continue;
    const path = e.instancePath.split("/").slice(1).map(unescapePointer);
    const message = describe(name, e, path);
    const pointAtKey = e.keyword === "additionalProperties" || e.keyword === "propertyNames";
    const keyPath = e.keyword === "additionalProperties" ? [...path, String(e.params.additionalProperty)] : path;
    const where = parsed.locate(e.keyword === "propertyNames" ? [...path, String(e.params.propertyName)] : keyPath, pointAtKey ? "key" : "value") ?? { line: 1, column: 1 };
    if (!out.some((o) => o.message === message)) out.push({ message, ...where });
  }
  return out;
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}

function describe(name: SchemaName, e: ErrorObject, path: string[]): string {
  const field = path.length ? `"${path.join(".")}"` : "the file";
  switch (e.keyword) {
    case "additionalProperties": {
      const allowed = name === "request" ? " Allowed fields: reason, duration, expires_at, starts_at, ticket, requester, resource, break_glass, incident, until." : "";
      return `Unknown field "${String(e.params.additionalProperty)}"${path.length ? ` in ${field}` : ""}.${allowed}`;
    }
    case "required":
      return `Missing required field "${String(e.params.missingProperty)}"${path.length ? ` in ${field}` : ""}.`;
    case "anyOf":
      return name === "request" && path.length === 0
        ? `Say how long you need the access: add "duration" (e.g. 2h) or "expires_at" (e.g. 2027-03-31T00:00:00Z).`
        : `${field} does not match any allowed form.`;
    case "minLength":
      return path[0] === "reason" ? `"reason" is too short: say in a sentence why you need the access (at least ${e.params.limit} characters).` : `${field} is too short (at least ${e.params.limit} characters).`;
    case "maxLength":
      return `${field} is too long (at most ${e.params.limit} characters).`;
    case "pattern":
      if (/duration/.test(path[path.length - 1] ?? "")) return `${field} is not a duration; write it like 30m, 2h, 1d or PT2H.`;
      return `${field} has an invalid form.`;
    case "format":
      return `${field} must be a ${e.params.format}, e.g. 2027-03-31T00:00:00Z.`;
    case "enum":
      return `${field} must be one of: ${(e.params.allowedValues as unknown[]).join(", ")}.`;
    case "type":
      return `${field} must be a ${e.params.type}.`;
    case "propertyNames":
      return `"${String(e.params.propertyName)}" is not a valid name here (lower-case letters, digits and dashes).`;
    default:
      return `${field} ${e.message ?? "is invalid"}.`;
  }
}
