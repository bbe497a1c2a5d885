// The config (catalog, policy, identities, CODEOWNERS) as it was at each point of history.
// Version 0 is "nothing yet"; every commit that changes a config file makes the next version.
// A grant is judged with the version of its commit's parent, as the app judged it.
import { CODEOWNERS_LOCATIONS } from "./codeowners.js";
import { CONFIG_FILES, loadConfig, type AccessConfig, type ConfigTexts } from "./config.js";
import type { ProviderRules } from "./provider-rules.js";
import { Slot } from "./slot.js";

export const CONFIG_PATHS: readonly string[] = [CONFIG_FILES.catalog, CONFIG_FILES.policy, CONFIG_FILES.identities, ...CODEOWNERS_LOCATIONS];

export class ConfigVersions {
  private readonly texts: Array<Slot<ConfigTexts>> = [Slot.of(textsOf(new Map()))];
  private readonly maps: Array<Promise<Map<string, string | null>>> = [Promise.resolve(new Map())];
  private readonly loaded = new Map<number, AccessConfig | null>();

  constructor(private readonly providers: ProviderRules) {}

  get latest(): number {
    return this.texts.length - 1;
  }

  /** A commit changes some config files: a new version, the latest plus those texts. */
  next(changes: Array<[string, Slot<string | null> | null]>): void {
    const prev = this.maps[this.latest]!;
    const map = (async () => {
      const m = new Map(await prev);
      for (const [path, text] of changes) {
        if (text) await text.wait();
        m.set(path, text === null ? null : text.get());
      }
      return m;
    })();
    this.maps.push(map);
    this.texts.push(Slot.from(map.then(textsOf)));
  }

  isReady(v: number): boolean {
    return this.texts[v]!.done;
  }

  async ready(v: number): Promise<void> {
    await this.texts[v]!.wait();
  }

  /** The loaded config of a ready version; null before there is a catalog. */
  configOf(v: number): AccessConfig | null {
    if (!this.loaded.has(v)) {
      const t = this.texts[v]!.get();
      this.loaded.set(v, t.catalog === null ? null : loadConfig(t, this.providers));
    }
    return this.loaded.get(v)!;
  }
}

function textsOf(map: Map<string, string | null>): ConfigTexts {
  const text = (p: string) => map.get(p) ?? null;
  const codeowners: Record<string, string | null> = {};
  for (const p of CODEOWNERS_LOCATIONS) codeowners[p] = text(p);
  return { catalog: text(CONFIG_FILES.catalog), policy: text(CONFIG_FILES.policy), identities: text(CONFIG_FILES.identities), codeowners };
}
