// What the receipt stores check notes commits against: settings.evidence in policy.yaml and
// the public keys under access/trust/, read from the tree being applied (as the audit reads
// them), once per store.
import type { AccessRepo } from "../git/types.js";
import { loadConfigAt } from "../git/load.js";
import type { ReceiptTrustSettings } from "../git/notes.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { readFile } from "node:fs/promises";
import { GITHUB_WEB_FLOW_KEY_FILE, TRUST_DIR } from "./audit.js";

export function receiptTrustAt(repo: Pick<AccessRepo, "readFile" | "readFiles" | "listFiles">, ref: string): () => Promise<ReceiptTrustSettings> {
  let loaded: Promise<ReceiptTrustSettings> | undefined;
  return () =>
    (loaded ??= (async () => {
      const config = await loadConfigAt(repo, ref, PROVIDER_RULES);
      // A config that does not load names no trusted identity: every receipt is then ignored.
      const evidence = config.problems.length ? undefined : config.policy.settings.evidence;
      // No identity to check against: the keys could prove nothing, so they are not read.
      if (!evidence?.app_bot && !evidence?.sweep_identity) return { evidence, keys: [] };
      const paths = (await repo.listFiles(ref, TRUST_DIR)).filter((p) => p.endsWith(".asc"));
      const texts = await Promise.all(paths.map((p) => repo.readFile(ref, p)));
      const keys = paths.map((path, i) => ({ path, text: texts[i] ?? "" }));
      // The app's notes commits are signed by GitHub, like its merges: its published web-flow
      // key is trusted for commits authored by the app bot only, as the audit does.
      if (evidence?.app_bot) keys.push({ path: "GitHub's web-flow key (shipped with gitgrant)", text: await readFile(GITHUB_WEB_FLOW_KEY_FILE, "utf8") });
      return { evidence, keys };
    })());
}
