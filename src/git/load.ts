// Gathering what the core judges, from any AccessRepo: config at the base, changed
// request texts at the head. The app and the CLI both come through here.
import { CODEOWNERS_LOCATIONS } from "../core/codeowners.js";
import { CONFIG_FILES, REQUESTS_DIR, loadConfig, type AccessConfig } from "../core/config.js";
import type { ChangedFile } from "../core/evaluate.js";
import type { ProviderRules } from "../core/provider-rules.js";
import { REGULAR_MODES, type FileChange } from "../core/types.js";
import type { AccessRepo } from "./types.js";

/**
 * What loading needs of a repository: reading files (a WorkingTree reads them from disk).
 * A reader that knows the config files' blob ids at `ref` may hand back a config it parsed
 * before from the same blobs (`parsedConfig`): the app keeps one per blob id set, so a large
 * catalog is parsed once per version, not once per webhook delivery.
 */
export type FileReader = Pick<AccessRepo, "readFile" | "readFiles"> & {
  parsedConfig?(ref: string, providers: ProviderRules, parse: () => AccessConfig): AccessConfig;
};

/** Catalog, policy, identities and CODEOWNERS as they are at `ref` (always the base of a change),
 *  judged against the providers' rules (PROVIDER_RULES from src/providers). */
export async function loadConfigAt(repo: FileReader, ref: string, providers: ProviderRules): Promise<AccessConfig> {
  const [catalog, policy, identities, ...owners] = await Promise.all([
    repo.readFile(ref, CONFIG_FILES.catalog),
    repo.readFile(ref, CONFIG_FILES.policy),
    repo.readFile(ref, CONFIG_FILES.identities),
    ...CODEOWNERS_LOCATIONS.map((p) => repo.readFile(ref, p)),
  ]);
  const codeowners: Record<string, string | null> = {};
  CODEOWNERS_LOCATIONS.forEach((p, i) => (codeowners[p] = owners[i] ?? null));
  const parse = () => loadConfig({ catalog, policy, identities, codeowners }, providers);
  return repo.parsedConfig ? repo.parsedConfig(ref, providers, parse) : parse();
}

/** The head text of each changed request file (null for deletions). */
export async function readChanges(repo: FileReader, head: string, changes: FileChange[]): Promise<ChangedFile[]> {
  // A symlink or submodule is refused unread (its "text" could be another file's).
  const wanted = changes.filter((c) => c.change !== "deleted" && c.path.startsWith(`${REQUESTS_DIR}/`) && (c.mode === undefined || REGULAR_MODES.has(c.mode))).map((c) => c.path);
  const texts = repo.readFiles
    ? await repo.readFiles(head, wanted)
    : new Map(await Promise.all(wanted.map(async (p) => [p, await repo.readFile(head, p)] as const)));
  return changes.map((c) => ({ ...c, text: c.change === "deleted" ? null : (texts.get(c.path) ?? "") }));
}

export async function requestFilesAt(repo: AccessRepo, ref: string): Promise<string[]> {
  return repo.listFiles(ref, REQUESTS_DIR);
}
