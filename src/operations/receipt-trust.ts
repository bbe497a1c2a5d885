// What the receipt stores check notes commits against: settings.evidence in policy.yaml and
// the public keys under access/trust/, read from the tree being applied (as the audit reads
// them), once per store; the app's own bot by default.
import type { AccessRepo } from "../git/types.js";
import { loadConfigAt } from "../git/load.js";
import type { ReceiptTrustSettings } from "../git/notes.js";
import { PROVIDER_RULES } from "../providers/index.js";
import { readFile } from "node:fs/promises";
import { GITHUB_WEB_FLOW_KEY_FILE, TRUST_DIR } from "./audit.js";

export interface ReceiptTrustDefaults {
  /**
   * The app's own bot login ("<slug>[bot]"), trusted as app_bot when settings.evidence names
   * none: GitHub signs the app's notes commits and nobody else can author one as its bot, so
   * the app needs no configuration to believe its own receipts. In a clone, $GITGRANT_APP_BOT.
   */
  appBot?: () => Promise<string | undefined>;
  /**
   * Read the public keys (default true). A store over GitHub's API judges notes commits by
   * GitHub's own `verification`, never by these keys: it skips a whole-tree read per store.
   */
  readKeys?: boolean;
}

export function receiptTrustAt(repo: Pick<AccessRepo, "readFile" | "readFiles" | "listFiles">, ref: string, defaults: ReceiptTrustDefaults = {}): () => Promise<ReceiptTrustSettings> {
  let loaded: Promise<ReceiptTrustSettings> | undefined;
  return () =>
    (loaded ??= (async () => {
      const config = await loadConfigAt(repo, ref, PROVIDER_RULES);
      // A config that does not load names no trusted identity: every receipt is then ignored.
      const configured = config.problems.length ? undefined : config.policy.settings.evidence;
      // A failed look-up of the app's login leaves only what the policy names (fail closed).
      const bot = configured?.app_bot || config.problems.length ? undefined : await defaults.appBot?.().catch(() => undefined);
      const evidence = bot ? { ...configured, app_bot: bot } : configured;
      // No identity to check against: the keys could prove nothing, so they are not read.
      if ((!evidence?.app_bot && !evidence?.sweep_identity) || defaults.readKeys === false) return { evidence, keys: [] };
      const paths = (await repo.listFiles(ref, TRUST_DIR)).filter((p) => p.endsWith(".asc"));
      const texts = await Promise.all(paths.map((p) => repo.readFile(ref, p)));
      const keys = paths.map((path, i) => ({ path, text: texts[i] ?? "" }));
      // The app's notes commits are signed by GitHub, like its merges: its published web-flow
      // key is trusted for commits authored by the app bot only, as the audit does.
      if (evidence?.app_bot) keys.push({ path: "GitHub's web-flow key (shipped with gitgrant)", text: await readFile(GITHUB_WEB_FLOW_KEY_FILE, "utf8") });
      return { evidence, keys };
    })());
}
