// A new access repository from this package's templates: the common files (workflows on
// the gitgrant action, editor settings, a README for requesters), the example or empty
// access/ config, and the JSON Schemas. Nothing that exists is overwritten unless asked.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { parse } from "yaml";
import type { Catalog } from "../core/types.js";
import { PACKAGE_ROOT } from "./package-root.js";
import { FORM_PATH, requestFormYaml } from "./request-form.js";

export interface ScaffoldOptions {
  /** Empty catalog and identities, a plain policy: no example resources. */
  empty?: boolean;
  /** The GitHub organisation the example names (teams in CODEOWNERS, targets). */
  org: string;
  /** `owner/repo@ref` of the gitgrant action the workflows use. */
  action: string;
  version: string;
  /** Where the templates and schemas are; default this package. */
  source?: string;
}

export interface ScaffoldFile {
  path: string;
  text: string;
}

/** Template file names that cannot be shipped under their real name in an npm package. */
const RENAMED: Record<string, string> = { gitignore: ".gitignore" };

async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(root, full)));
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join("/"));
  }
  return out.sort();
}

/** Every file `init` writes, with its final text (placeholders filled). */
export async function scaffoldFiles(options: ScaffoldOptions): Promise<ScaffoldFile[]> {
  const source = options.source ?? PACKAGE_ROOT;
  const fill = (text: string) =>
    text.replaceAll("__GITGRANT_ACTION__", options.action).replaceAll("__GITGRANT_VERSION__", options.version).replaceAll("__ORG__", options.org);
  const files = new Map<string, string>();
  for (const variant of ["common", options.empty ? "empty" : "example"]) {
    const root = join(source, "templates", variant);
    for (const path of await walk(root)) {
      const name = path.split("/").pop()!;
      const target = name in RENAMED ? path.replace(/[^/]+$/, RENAMED[name]!) : path;
      files.set(target, fill(await readFile(join(root, path), "utf8")));
    }
  }
  // The request form, from the catalog just filled in (as `gitgrant forms` writes it).
  const catalog = parse(files.get("access/catalog.yaml") ?? "resources: {}") as { resources?: Catalog["resources"] | null } | null;
  files.set(FORM_PATH, requestFormYaml({ resources: catalog?.resources ?? {} }));
  for (const name of (await readdir(join(source, "schemas"))).filter((f) => f.endsWith(".schema.json")).sort()) {
    files.set(`schemas/${name}`, await readFile(join(source, "schemas", name), "utf8"));
  }
  return [...files].map(([path, text]) => ({ path, text })).sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface ScaffoldResult {
  written: string[];
  /** Files that exist and were left alone (nothing is written when any exists, unless forced). */
  existing: string[];
}

export async function scaffold(dir: string, options: ScaffoldOptions & { force?: boolean }): Promise<ScaffoldResult> {
  const files = await scaffoldFiles(options);
  const existing: string[] = [];
  for (const f of files) if (await exists(join(dir, f.path))) existing.push(f.path);
  // All or nothing: a half-written repository is harder to reason about than none.
  if (existing.length && !options.force) return { written: [], existing };
  for (const f of files) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.text, "utf8");
  }
  await mkdir(join(dir, "access", "requests"), { recursive: true });
  return { written: files.map((f) => f.path), existing };
}
