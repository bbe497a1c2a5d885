// The rules that judge requests: catalog, policy, identities and CODEOWNERS, always
// taken from the base of a change. Any problem in them fails closed: every request
// in the change is refused with the config problem as its reason.
import { parseCodeowners, pickCodeowners, type Codeowners } from "./codeowners.js";
import { DurationError, parseDuration } from "./duration.js";
import { compileCondition, type CompiledCondition } from "./condition.js";
import { ruleFor, type ProviderRules } from "./provider-rules.js";
import { CONTEXT, type ContextDeclaration } from "./context-declaration.js";
import { schemaErrors } from "./schema.js";
import type { Catalog, FileError, Identities, Policy, PolicySettings, Resource } from "./types.js";
import { MAX_CONFIG_BYTES, parseYaml, type ParsedYaml } from "./yaml.js";
import { dict, hasOwn } from "./own.js";

export const ACCESS_DIR = "access";
export const REQUESTS_DIR = `${ACCESS_DIR}/requests`;
export const CONFIG_FILES = {
  catalog: `${ACCESS_DIR}/catalog.yaml`,
  policy: `${ACCESS_DIR}/policy.yaml`,
  identities: `${ACCESS_DIR}/identities.yaml`,
} as const;

export const DEFAULT_SETTINGS: PolicySettings = {
  timezone: "UTC",
  pending_ttl: "7d",
  incident_label: "incident",
  standing_threshold: "7d",
  conditional_start_leeway: "15m",
  risk_weights: {
    "sensitivity.low": 0,
    "sensitivity.medium": 20,
    "sensitivity.high": 40,
    "sensitivity.critical": 60,
    per_hour: 2,
    max_duration_points: 20,
    outside_collaborator: 20,
    off_hours: 10,
    no_ticket: 10,
    break_glass: 30,
    for_someone_else: 15,
    per_active_grant: 5,
  },
};

export interface ConfigProblem extends FileError {
  path: string;
}

export interface AccessConfig {
  catalog: Catalog;
  policy: Policy;
  identities: Identities;
  codeowners: Codeowners;
  codeownersPath: string | null;
  /** The providers this config was judged against (identity keys come from here). */
  providers: ProviderRules;
  /** Compiled auto_approve_if per tier name. */
  conditions: Map<string, CompiledCondition>;
  /** Empty when the config is usable. */
  problems: ConfigProblem[];
  /** The context conditions were checked against (CONTEXT unless a test declares more). */
  context?: ContextDeclaration;
}

export interface ConfigTexts {
  catalog: string | null;
  policy: string | null;
  identities: string | null;
  /** Text of each CODEOWNERS location that exists, by path. */
  codeowners: Record<string, string | null | undefined>;
}

function load(path: string, text: string | null, schema: "catalog" | "policy" | "identities", rules: ProviderRules, problems: ConfigProblem[]): ParsedYaml | null {
  if (text === null) {
    problems.push({ path, message: `${path} is missing on the base branch; gitgrant refuses every request until it exists.` });
    return null;
  }
  const parsed = parseYaml(text, { maxBytes: MAX_CONFIG_BYTES, what: path });
  const errors = parsed.errors.length ? parsed.errors : schemaErrors(schema, parsed, rules);
  for (const e of errors) problems.push({ path, ...e });
  return errors.length ? null : parsed;
}

/** `providers` are the registry's rules (src/providers: PROVIDER_RULES); the core cannot import them. */
export function loadConfig(texts: ConfigTexts, providers: ProviderRules, context: ContextDeclaration = CONTEXT): AccessConfig {
  const problems: ConfigProblem[] = [];
  const catalogDoc = load(CONFIG_FILES.catalog, texts.catalog, "catalog", providers, problems);
  const policyDoc = load(CONFIG_FILES.policy, texts.policy, "policy", providers, problems);
  const identitiesDoc = load(CONFIG_FILES.identities, texts.identities, "identities", providers, problems);

  // Prototype-free, so a resource id or login such as "constructor" is found only if listed.
  const resources = dict<Resource>();
  if (catalogDoc) {
    const raw = (catalogDoc.value as { resources: Record<string, Omit<Resource, "id">> }).resources;
    for (const [id, r] of Object.entries(raw)) {
      resources[id] = { id, ...r };
      checkDuration(r.max_duration, CONFIG_FILES.catalog, catalogDoc, ["resources", id, "max_duration"], problems);
      checkTarget(resources[id], providers, catalogDoc, problems);
    }
  }

  const conditions = new Map<string, CompiledCondition>();
  let policy: Policy = { tiers: [], settings: DEFAULT_SETTINGS };
  if (policyDoc) {
    const raw = policyDoc.value as unknown as Policy & { settings?: Partial<PolicySettings> };
    policy = {
      tiers: raw.tiers,
      settings: {
        ...DEFAULT_SETTINGS,
        ...raw.settings,
        risk_weights: { ...DEFAULT_SETTINGS.risk_weights, ...raw.settings?.risk_weights },
      },
    };
    const seen = new Set<string>();
    policy.tiers.forEach((tier, i) => {
      const at = (key: string) => policyDoc.locate(["tiers", i, key]);
      if (seen.has(tier.name)) problems.push({ path: CONFIG_FILES.policy, message: `Tier name "${tier.name}" is used twice.`, ...at("name") });
      seen.add(tier.name);
      for (const key of ["max_duration", "break_glass_max_duration"] as const) {
        checkDuration(tier[key], CONFIG_FILES.policy, policyDoc, ["tiers", i, key], problems);
      }
      checkDuration(tier.match.max_duration, CONFIG_FILES.policy, policyDoc, ["tiers", i, "match", "max_duration"], problems);
      for (const id of tier.match.resources ?? []) {
        if (catalogDoc && !hasOwn(resources, id)) {
          problems.push({ path: CONFIG_FILES.policy, message: `Tier "${tier.name}" names resource "${id}", which is not in the catalog.`, ...at("match") });
        }
      }
      if (tier.auto_approve_if) {
        const c = compileCondition(tier.auto_approve_if, context);
        if ("error" in c) {
          problems.push({ path: CONFIG_FILES.policy, message: `Tier "${tier.name}": auto_approve_if is not a valid condition: ${c.error}`, ...at("auto_approve_if") });
        } else conditions.set(tier.name, c);
      }
    });
    if (!isTimeZone(policy.settings.timezone)) {
      problems.push({ path: CONFIG_FILES.policy, message: `settings.timezone "${policy.settings.timezone}" is not an IANA time zone (e.g. Europe/Berlin).`, ...policyDoc.locate(["settings", "timezone"]) });
    }
    checkDuration(policy.settings.pending_ttl, CONFIG_FILES.policy, policyDoc, ["settings", "pending_ttl"], problems);
    checkDuration(policy.settings.standing_threshold, CONFIG_FILES.policy, policyDoc, ["settings", "standing_threshold"], problems);
    checkDuration(policy.settings.conditional_start_leeway, CONFIG_FILES.policy, policyDoc, ["settings", "conditional_start_leeway"], problems);
    checkDuration(policy.settings.signin_lookback, CONFIG_FILES.policy, policyDoc, ["settings", "signin_lookback"], problems);
  }

  const users = dict<Identities["users"][string]>();
  if (identitiesDoc) {
    const raw = (identitiesDoc.value as unknown as Identities).users;
    for (const [login, identity] of Object.entries(raw)) {
      const key = login.toLowerCase();
      if (hasOwn(users, key)) problems.push({ path: CONFIG_FILES.identities, message: `Login "${login}" is listed twice (logins compare case-insensitively).`, ...identitiesDoc.locate(["users", login], "key") });
      users[key] = identity;
    }
  }

  const picked = pickCodeowners((p) => texts.codeowners[p]);
  const codeowners = parseCodeowners(picked?.text ?? "");
  if (!picked) problems.push({ path: ".github/CODEOWNERS", message: "No CODEOWNERS file on the base branch (.github/, root or docs/); nobody could approve requests." });
  // GitHub skips an invalid line, which can silently hand a folder to a broader owner;
  // gitgrant refuses to judge until the line is fixed.
  for (const e of codeowners.errors) problems.push({ path: picked!.path, line: e.line, column: 1, message: `${e.message} (GitHub skips this line; gitgrant refuses to judge until it is fixed)` });

  return {
    catalog: { resources },
    policy,
    identities: { users },
    codeowners,
    codeownersPath: picked?.path ?? null,
    providers,
    conditions,
    problems,
    ...(context !== CONTEXT ? { context } : {}),
  };
}

function checkDuration(value: string | undefined, path: string, doc: ParsedYaml, at: Array<string | number>, problems: ConfigProblem[]) {
  if (value === undefined) return;
  try {
    parseDuration(value);
  } catch (e) {
    if (e instanceof DurationError) problems.push({ path, message: e.message, ...doc.locate(at) });
    else throw e;
  }
}

// The schema checks a target's shape; the provider's own check knows more (an ARN's form, a
// GUID, exactly one of project/folder/organization), so it runs here, where every entry
// point (validate, check, the app, the audit) loads the config.
function checkTarget(resource: Resource, rules: ProviderRules, doc: ParsedYaml, problems: ConfigProblem[]) {
  const rule = ruleFor(rules, resource.provider);
  let problem: string | null;
  try {
    problem = rule ? rule.targetProblem(resource) : `provider "${resource.provider}" is not known`;
  } catch (e) {
    // A check that breaks proves nothing about the target: fail closed, saying so.
    problem = `${resource.id}: the ${resource.provider} target check failed: ${(e as Error).message}`;
  }
  if (problem) problems.push({ path: CONFIG_FILES.catalog, message: `${resource.provider} resource ${problem}`, ...doc.locate(["resources", resource.id, "target"]) });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
