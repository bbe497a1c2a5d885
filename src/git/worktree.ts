// AccessRepo over the files on disk as they are now (uncommitted edits included), for
// `gitgrant validate` while someone is writing a request. The ref argument is ignored.
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { AccessRepo } from "./types.js";

export class WorkingTree implements Pick<AccessRepo, "readFile" | "listFiles"> {
  constructor(readonly dir: string) {}

  async readFile(_ref: string, path: string): Promise<string | null> {
    try {
      return await readFile(join(this.dir, path), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR") return null;
      throw e;
    }
  }

  async listFiles(_ref: string, folder: string): Promise<string[]> {
    const root = join(this.dir, folder);
    let entries: string[];
    try {
      entries = (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile())
        .map((d) => relative(this.dir, join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)).split(sep).join("/"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    return entries.sort();
  }
}
