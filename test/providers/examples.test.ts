// The repository's own example organisation has a resource for every provider, and
// `gitgrant plan` on it shows a grant through each (dry run: no credentials needed).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PROVIDER_NAMES } from "../../src/providers/index.js";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";

const ROOT = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
afterAll(cleanupRepos);

describe("the example organisation", () => {
  it("plans one grant through every provider", async () => {
    const catalog = parse(read("access/catalog.yaml")) as { resources: Record<string, { provider: string }> };
    // One resource per provider, each requested by alice, who has an identity in all of them.
    const picked = new Map<string, string>();
    for (const [id, r] of Object.entries(catalog.resources)) if (!picked.has(r.provider)) picked.set(r.provider, id);
    expect([...picked.keys()].sort()).toEqual([...PROVIDER_NAMES]);

    const repo = await makeRepo();
    await repo.writeAll(Object.fromEntries(["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS"].map((p) => [p, read(p)])));
    const base = await repo.commit("the example organisation", { date: "2026-03-02T08:00:00Z" });
    for (const id of picked.values()) await repo.write(`access/requests/${id}/alice.yaml`, "reason: Investigate INC-1234 with the on-call team\nduration: 1h\n");
    const head = await repo.commit("requests", { author: "alice", date: "2026-03-02T10:00:00Z" });

    const r = await cli(["plan", "--repo", repo.dir, "--base", base, "--head", head, "--now", "2026-03-02T10:05:00Z", "--format", "json"], repo.dir, {});
    const out = r.json<{ ok: boolean; results: Array<{ provider: string; resource: string; status: string; detail: string }>; skipped: unknown[] }>();
    expect(out.skipped).toEqual([]);
    expect(out.results.map((a) => [a.provider, a.resource, a.status]).sort()).toEqual([...picked].map(([p, id]) => [p, id, "planned"]).sort());
    expect(r.code).toBe(0);
  });
});
