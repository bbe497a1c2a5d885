// .env.example is the one list of the environment gitgrant reads: every variable the source
// reads (process.env.X, env.X, io.env.X, env["X"]) is in it, and it names none that nothing reads.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

/** Read by Probot itself (its run and setup code), not by gitgrant's source. */
const READ_BY_PROBOT = ["PRIVATE_KEY", "PRIVATE_KEY_PATH", "HOST", "PORT", "LOG_LEVEL", "LOG_FORMAT", "WEBHOOK_PROXY_URL", "GH_ORG"];

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

async function readsInSource(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of await sources(join(ROOT, "src"))) {
    const text = await readFile(file, "utf8");
    // A read, not an assignment (env.GIT_AUTHOR_DATE = ... prepares a child's environment).
    for (const m of text.matchAll(/\b(?:process\.env|env)(?:\.([A-Z][A-Z0-9_]+)(?![A-Z0-9_])|\[["']([A-Z][A-Z0-9_]+)["']\])(?!\s*=[^=])/g)) names.add(m[1] ?? m[2]!);
  }
  return names;
}

describe(".env.example", () => {
  it("lists every variable the code reads, and only those (or Probot's own)", async () => {
    const listed = new Set([...(await readFile(join(ROOT, ".env.example"), "utf8")).matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    const read = await readsInSource();
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((n) => !listed.has(n)).sort()).toEqual([]);
    expect([...listed].filter((n) => !read.has(n) && !READ_BY_PROBOT.includes(n)).sort()).toEqual([]);
  });
});
