// Git blob texts kept per process by blob id. A blob id names exact bytes, so a hit is the
// same text whatever repository, commit or delivery read it: the receipts in
// refs/notes/gitgrant are one blob per noted commit, and every push and every expiry timer
// reads all of them; without this each one re-fetched every note. Bounded by bytes and by
// entries, least recently used forgotten first.
import type { BlobTexts } from "../github/notes.js";

export interface BlobCacheOptions {
  /** Most texts kept (default 50,000). */
  maxEntries?: number;
  /** Most UTF-16 code units kept in all (a code unit is 2 bytes in V8's worst case; default 16 Mi, about 32 MB). */
  maxChars?: number;
}

export class BlobCache implements BlobTexts {
  private readonly texts = new Map<string, string>();
  private chars = 0;
  hits = 0;
  misses = 0;
  private readonly maxEntries: number;
  private readonly maxChars: number;

  constructor(options: BlobCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 50_000;
    this.maxChars = options.maxChars ?? 16 * 2 ** 20;
  }

  get size(): number {
    return this.texts.size;
  }

  get(id: string): string | undefined {
    const text = this.texts.get(id);
    if (text === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Most recently used goes last; the first entry is the one forgotten.
    this.texts.delete(id);
    this.texts.set(id, text);
    return text;
  }

  set(id: string, text: string): void {
    // One text larger than the whole budget is not kept: it would evict everything else.
    if (text.length > this.maxChars) return;
    const old = this.texts.get(id);
    if (old !== undefined) {
      this.texts.delete(id);
      this.chars -= old.length;
    }
    this.texts.set(id, text);
    this.chars += text.length;
    while (this.texts.size > this.maxEntries || this.chars > this.maxChars) {
      const [oldest, t] = this.texts.entries().next().value as [string, string];
      this.texts.delete(oldest);
      this.chars -= t.length;
    }
  }
}
