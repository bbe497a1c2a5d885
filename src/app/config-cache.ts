// Parsed access configs, kept per process by the blob ids of the files they came from.
// A blob id names exact bytes, so a hit is the same config whatever commit or repository
// it was read at; a 3,000-resource catalog costs its parse (0.65 s of blocked event loop)
// once per version instead of once per delivery. Few entries: a config is a few MB at most,
// and deliveries mostly read the tip of one branch.
import type { AccessConfig } from "../core/config.js";
import type { ProviderRules } from "../core/provider-rules.js";

export class ConfigCache {
  private readonly byRules = new WeakMap<ProviderRules, Map<string, AccessConfig>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity = 16) {}

  /** The config parsed from these blobs (`key` lists their ids), parsing it only on a miss. */
  get(rules: ProviderRules, key: string, parse: () => AccessConfig): AccessConfig {
    let lru = this.byRules.get(rules);
    if (!lru) this.byRules.set(rules, (lru = new Map()));
    const hit = lru.get(key);
    if (hit) {
      this.hits++;
      // Most recently used goes last; the first entry is the one evicted.
      lru.delete(key);
      lru.set(key, hit);
      return hit;
    }
    this.misses++;
    const config = parse();
    lru.set(key, config);
    while (lru.size > this.capacity) lru.delete(lru.keys().next().value as string);
    return config;
  }
}

/** The process's cache: every delivery of every installation shares it. */
export const CONFIGS = new ConfigCache();
