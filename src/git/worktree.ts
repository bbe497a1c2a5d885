// AccessRepo over the files on disk as they are now (uncommitted edits included), for
// `gitgrant validate` while someone is writing a request. The ref argument is ignored.
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { AccessRepo } from "./types.js";

export class WorkingTree implements Pick<AccessRepo, "readFile" | "listFiles"> {
  constructor(readonly dir: string) {}

  async readFile(_ref: string, path: string): Promise<string | null> {
    try {
      // Synchronous on purpose: thousands of tiny files read several times faster this
      // way than through the thread pool, and the CLI has nothing else to do meanwhile.
      return readFileSync(join(this.dir, path), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR") return null;
      throw e;
    }
  }

  async listFiles(ref: string, folder: string): Promise<string[]> {
    return (await this.listEntries(ref, folder)).filter((e) => e.mode === "100644").map((e) => e.path);
  }

  /**
   * Every entry under a folder that is not a folder: regular files as "100644", symbolic
   * links as "120000", anything else (a socket, a device) as "other", so that `validate`
   * can report what is not a regular file instead of skipping it.
   */
  async listEntries(_ref: string, folder: string): Promise<Array<{ path: string; mode: string }>> {
    const root = join(this.dir, folder);
    let entries: Array<{ path: string; mode: string }>;
    try {
      const prefix = `${this.dir}${sep}`;
      entries = [];
      for (const d of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (d.isDirectory()) continue;
        const mode = d.isFile() ? "100644" : d.isSymbolicLink() ? "120000" : "other";
        const full = `${d.parentPath}${sep}${d.name}`;
        const rel = full.startsWith(prefix) ? full.slice(prefix.length) : relative(this.dir, full);
        entries.push({ path: sep === "/" ? rel : rel.split(sep).join("/"), mode });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
