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

  async listFiles(_ref: string, folder: string): Promise<string[]> {
    const root = join(this.dir, folder);
    let entries: string[];
    try {
      const prefix = `${this.dir}${sep}`;
      entries = [];
      for (const d of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (!d.isFile()) continue;
        const full = `${d.parentPath}${sep}${d.name}`;
        const rel = full.startsWith(prefix) ? full.slice(prefix.length) : relative(this.dir, full);
        entries.push(sep === "/" ? rel : rel.split(sep).join("/"));
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    return entries.sort();
  }
}
