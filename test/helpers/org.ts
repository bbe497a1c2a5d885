// The small test organisation in test/fixtures/org, loaded as the base config of a change.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type AccessConfig, type ConfigTexts } from "../../src/core/config.js";
import { PROVIDER_RULES } from "../../src/providers/index.js";

const dir = join(import.meta.dirname, "../fixtures/org");
export const orgTexts = {
  catalog: readFileSync(join(dir, "catalog.yaml"), "utf8"),
  policy: readFileSync(join(dir, "policy.yaml"), "utf8"),
  identities: readFileSync(join(dir, "identities.yaml"), "utf8"),
  codeowners: readFileSync(join(dir, "CODEOWNERS"), "utf8"),
};

export function orgConfig(overrides: Partial<Omit<ConfigTexts, "codeowners">> & { codeowners?: string | null } = {}): AccessConfig {
  const codeowners = overrides.codeowners === undefined ? orgTexts.codeowners : overrides.codeowners;
  return loadConfig({
    catalog: overrides.catalog === undefined ? orgTexts.catalog : overrides.catalog,
    policy: overrides.policy === undefined ? orgTexts.policy : overrides.policy,
    identities: overrides.identities === undefined ? orgTexts.identities : overrides.identities,
    codeowners: { ".github/CODEOWNERS": codeowners },
  }, PROVIDER_RULES);
}

/** Files of a base access repository, for writing into a real git repo. */
export function orgFiles(): Record<string, string> {
  return {
    "access/catalog.yaml": orgTexts.catalog,
    "access/policy.yaml": orgTexts.policy,
    "access/identities.yaml": orgTexts.identities,
    ".github/CODEOWNERS": orgTexts.codeowners,
  };
}
