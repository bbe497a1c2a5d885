// The folder layout as a rule, not a hope: arrows point inwards (app, cli -> operations,
// report -> git, github, providers, signals -> core), the folders' import graph has no
// cycle, and the core reaches nothing outside itself but a few pure packages. Known
// exceptions are listed by name, and fail the test once they are gone.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Higher may import lower or equal; equal ranks are siblings and must not form a cycle. */
const RANK: Record<string, number> = {
  core: 0,
  git: 1,
  github: 1,
  providers: 1,
  signals: 1,
  operations: 2,
  report: 2,
  app: 3,
  cli: 3,
  // The GitHub Action's entry point runs the CLI.
  action: 4,
};

/** What the core may import from outside src: pure libraries, each for a reason. */
const CORE_PACKAGES: Record<string, string> = {
  yaml: "parsing request and config files",
  ajv: "schema validation",
  "ajv-formats": "schema formats",
  "@marcbachmann/cel-js": "policy conditions",
  "@date-fns/tz": "time zones in conditions",
  "date-fns": "durations",
  re2js: "linear-time regular expressions for conditions (no catastrophic backtracking)",
  "node:crypto": "hashing (branch names, event ids): no I/O",
  // DESIGN wants schemas passed in; schema.ts still loads the bundled JSON through require.
  "node:module": "core/schema.ts loads the bundled JSON schemas (to be passed in instead)",
};

/**
 * Known outward imports, each to be removed by the change that fixes it (the test fails when
 * one is no longer there, so this list cannot outlive the problem).
 */
// Empty since the one GitHub client (issue 9, item 2) moved app/api.ts into src/github; a
// new entry names an outward import that must go, and fails once it has.
const KNOWN_OUTWARD: Record<string, string> = {};

interface Edge {
  file: string;
  from: string;
  to: string;
  spec: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

// Static imports and re-exports (`import x from`, `import type`, `export * from`), bare
// side-effect imports and dynamic import("..."): every way a file can reach another.
const SPECIFIERS = [/\b(?:import|export)\s+(?:type\s+)?[^;'"]*?\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];

function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return SPECIFIERS.flatMap((re) => [...code.matchAll(re)].map((m) => m[1]!));
}

const folderOf = (file: string) => relative(SRC, file).split(sep)[0]!;

const describeEdge = (e: Edge) => `${e.file} imports ${e.spec}`;

function graph(): { edges: Edge[]; external: Array<{ file: string; spec: string }> } {
  const edges: Edge[] = [];
  const external: Array<{ file: string; spec: string }> = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      if (!spec.startsWith(".")) {
        external.push({ file: relative(SRC, file), spec });
        continue;
      }
      const target = resolve(dirname(file), spec);
      edges.push({ file: relative(SRC, file), from: folderOf(file), to: relative(SRC, target).startsWith("..") ? "(outside src)" : folderOf(target), spec });
    }
  }
  return { edges, external };
}

/** A cycle in the folder graph as "a -> b -> a", or null. */
function findCycle(edges: Edge[]): string | null {
  const next = new Map<string, Set<string>>();
  for (const e of edges) if (e.from !== e.to) (next.get(e.from) ?? next.set(e.from, new Set()).get(e.from)!).add(e.to);
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): string | null => {
    if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n].join(" -> ");
    if (state.get(n) === "done") return null;
    state.set(n, "open");
    path.push(n);
    for (const m of next.get(n) ?? []) {
      const found = visit(m);
      if (found) return found;
    }
    path.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of next.keys()) {
    const found = visit(n);
    if (found) return found;
  }
  return null;
}

describe("the folders of src/", () => {
  const { edges: all, external } = graph();
  const edges = all.filter((e) => !(describeEdge(e) in KNOWN_OUTWARD));

  it("are read: the graph holds the imports this test is about", () => {
    // A guard against a parser that silently finds nothing.
    expect(edges.some((e) => e.file === join("operations", "sweep.ts") && e.to === "core")).toBe(true);
    expect(edges.some((e) => e.file === join("cli", "commands", "sweep.ts") && e.to === "operations")).toBe(true);
    expect(specifiers('import type { A } from "./a.js";\nexport * from "../b.js";\nconst c = await import("./c.js");\nimport "./d.js";')).toEqual(["./a.js", "../b.js", "./d.js", "./c.js"]);
  });

  it("each have a place in the layers (a new folder must be given one here and in DESIGN)", () => {
    const folders = new Set(sourceFiles(SRC).map(folderOf));
    expect([...folders].filter((f) => !(f in RANK))).toEqual([]);
  });

  it("import only inwards: app and cli -> operations and report -> git, github, providers, signals -> core", () => {
    const outward = edges.filter((e) => e.from !== e.to && !(RANK[e.to]! <= RANK[e.from]!)).map((e) => `${describeEdge(e)} (${e.from} -> ${e.to})`);
    expect(outward).toEqual([]);
    const fixed = Object.keys(KNOWN_OUTWARD).filter((k) => !all.some((e) => describeEdge(e) === k));
    expect(fixed, "these known outward imports are gone: remove them from KNOWN_OUTWARD").toEqual([]);
  });

  it("have no import cycle between them", () => {
    expect(findCycle(edges)).toBeNull();
    expect(findCycle([
      { file: "x", from: "git", to: "github", spec: "" },
      { file: "y", from: "github", to: "git", spec: "" },
    ])).toBe("git -> github -> git");
  });

  it("leave the core pure: it imports nothing from the rest of src and only pure packages", () => {
    expect(all.filter((e) => e.from === "core" && e.to !== "core").map(describeEdge)).toEqual([]);
    expect(external.filter((x) => x.file.startsWith(`core${sep}`) && !(x.spec in CORE_PACKAGES)).map((x) => `${x.file} imports ${x.spec}`)).toEqual([]);
  });
});
