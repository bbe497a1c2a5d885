// Benchmarks time the built code in dist/ (what users run), typed by its source in src/.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const DIST = join(import.meta.dirname, "../dist");

export async function fromDist<T>(module: string): Promise<T> {
  const file = join(DIST, module);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first (npm run bench does)`);
  return (await import(pathToFileURL(file).href)) as T;
}
