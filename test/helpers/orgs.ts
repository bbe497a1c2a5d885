// The example organisations the tests use, each kept once as files under
// test/fixtures/orgs/<name>/ (see the README there for which tests use which and why they
// differ), laid out as an access repository's own files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILES, loadConfig, type AccessConfig, type ConfigTexts } from "../../src/core/config.js";
import { PROVIDER_RULES } from "../../src/providers/index.js";
import { makeRepo, type TestRepo } from "./gitrepo.js";

export type OrgName = "core" | "app" | "apply" | "audit" | "lifecycle";

const ROOT = join(import.meta.dirname, "../fixtures/orgs");
const CODEOWNERS_PATH = ".github/CODEOWNERS";

export interface Org {
  catalog: string;
  policy: string;
  identities: string;
  codeowners: string;
  /** The four files at their repository paths, for writing into a real git repo. */
  files(): Record<string, string>;
  /** The config loaded as the base of a change; an override replaces one text (null: no CODEOWNERS). */
  config(overrides?: Partial<Omit<ConfigTexts, "codeowners">> & { codeowners?: string | null }): AccessConfig;
}

const loaded = new Map<OrgName, Org>();

export function org(name: OrgName): Org {
  const known = loaded.get(name);
  if (known) return known;
  const read = (path: string) => readFileSync(join(ROOT, name, path), "utf8");
  const texts = {
    catalog: read(CONFIG_FILES.catalog),
    policy: read(CONFIG_FILES.policy),
    identities: read(CONFIG_FILES.identities),
    codeowners: read(CODEOWNERS_PATH),
  };
  const o: Org = {
    ...texts,
    files: () => ({
      [CONFIG_FILES.catalog]: texts.catalog,
      [CONFIG_FILES.policy]: texts.policy,
      [CONFIG_FILES.identities]: texts.identities,
      [CODEOWNERS_PATH]: texts.codeowners,
    }),
    config: (overrides = {}) => {
      const codeowners = overrides.codeowners === undefined ? texts.codeowners : overrides.codeowners;
      return loadConfig(
        {
          catalog: overrides.catalog === undefined ? texts.catalog : overrides.catalog,
          policy: overrides.policy === undefined ? texts.policy : overrides.policy,
          identities: overrides.identities === undefined ? texts.identities : overrides.identities,
          codeowners: { [CODEOWNERS_PATH]: codeowners },
        },
        PROVIDER_RULES,
      );
    },
  };
  loaded.set(name, o);
  return o;
}

/** A request file's text with a reason long enough for every policy here. */
export function request(duration: string, extra = "", reason = "Deploy the hotfix for INC-1201 and verify it"): string {
  return `reason: ${reason}\nduration: ${duration}\n${extra}`;
}

/** The reason the apply and provider tests use. */
export const REPLICA_REASON = "Investigate INC-1234, slow queries on the replica";

/** A repo whose main has an organisation's config (committed at 2026-03-01T09:00:00Z) and no requests. */
export async function accessRepo(name: OrgName = "lifecycle"): Promise<TestRepo> {
  const repo = await makeRepo();
  await repo.writeAll(org(name).files());
  await repo.commit("config", { date: "2026-03-01T09:00:00Z" });
  return repo;
}

export const at = (iso: string) => new Date(iso);

/** A request as the apply tests write it (the reason the provider tests use too). */
export function replicaRequest(duration: string, extra = ""): string {
  return request(duration, extra, REPLICA_REASON);
}
