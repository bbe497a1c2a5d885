// "To add a provider", followed to the letter on a copy of src/: write one provider file,
// add one line to registry.ts, and nothing else. The copy's own CLI must then validate the
// new provider's targets and identities, plan its grants and apply them.
import { appendFile, cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";

const ROOT = join(import.meta.dirname, "../..");

// Step 1: the provider's one file. Its grants are JSON lines in the file $NOOP_LOG names.
const NOOP_FILE = `// A throwaway provider made by test/providers/recipe.test.ts.
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { ProviderError, defineProvider, type Provider } from "./types.js";
import { targetString } from "./errors.js";
import type { Resource } from "../core/types.js";

const checkTarget = (resource: Resource) => void targetString(resource, "bucket", "a lower-case bucket name", /^[a-z]+$/);

export const descriptor = defineProvider({
  name: "noop",
  identity: { key: "noop", schema: { type: "string", description: "Name in the noop log." } },
  targetSchema: { type: "object", additionalProperties: false, required: ["bucket"], properties: { bucket: { type: "string" } } },
  checkTarget,
  nativeExpiry: () => true,
  create: (_own: undefined, shared): Provider => {
    const log = () => {
      const file = shared.env.NOOP_LOG;
      if (!file) throw new ProviderError("invalid", "noop needs NOOP_LOG in the environment");
      return file;
    };
    const lines = () => (existsSync(log()) ? readFileSync(log(), "utf8").trim().split("\\n").filter(Boolean).map((l) => JSON.parse(l)) : []);
    return {
      name: "noop",
      nativeExpiry: () => true,
      checkTarget,
      async grant(g) {
        appendFileSync(log(), JSON.stringify({ op: "grant", principal: g.principal, bucket: g.resource.target.bucket, until: g.expiresAt.toISOString() }) + "\\n");
        return { status: "granted", detail: "noop granted " + g.principal };
      },
      async revoke(r) {
        appendFileSync(log(), JSON.stringify({ op: "revoke", principal: r.principal }) + "\\n");
        return { status: "revoked", detail: "noop revoked " + r.principal };
      },
      async list(resource) {
        return lines().filter((l) => l.op === "grant").map((l) => ({ resourceId: resource.id, principal: l.principal, managedByGitgrant: true }));
      },
    };
  },
});
`;

// Step 3: the one registry line.
const REGISTRY_LINE = `export { descriptor as noop } from "./noop.js";\n`;

let copy: string;
let cli: (args: string[], env?: Record<string, string>) => Promise<{ code: number; out: string }>;
let derived: { PROVIDER_NAMES: readonly string[]; providerSchemas(): Record<string, Record<string, unknown>> };

beforeAll(async () => {
  copy = await mkdtemp(join(tmpdir(), "gitgrant-recipe-"));
  await cp(join(ROOT, "src"), join(copy, "src"), { recursive: true });
  await cp(join(ROOT, "schemas"), join(copy, "schemas"), { recursive: true });
  await cp(join(ROOT, "package.json"), join(copy, "package.json")); // the version and the action's home are read from it
  await symlink(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
  await writeFile(join(copy, "src/providers/noop.ts"), NOOP_FILE);
  await appendFile(join(copy, "src/providers/registry.ts"), REGISTRY_LINE);

  const { main } = (await import(join(copy, "src/cli/index.ts"))) as typeof import("../../src/cli/index.js");
  derived = await import(join(copy, "src/providers/index.ts"));
  cli = async (args, env = {}) => {
    let out = "";
    const code = await main(args, { out: (t) => (out += `${t}\n`), err: (t) => (out += `${t}\n`), cwd: copy, env });
    return { code, out };
  };
}, 120_000);
afterAll(async () => {
  await cleanupRepos();
  await rm(copy, { recursive: true, force: true });
});

const catalog = (target: string) => `resources:
  staging-deploy:
    sensitivity: low
    max_duration: 8h
    provider: local
    target: {}
  scratch:
    sensitivity: low
    max_duration: 8h
    provider: noop
    target: ${target}
`;
const CONFIG = {
  "access/policy.yaml": "tiers:\n  - name: self-service\n    match: { sensitivity: [low] }\n    approvals: 0\n",
  "access/identities.yaml": "users:\n  alice:\n    noop: alice-in-noop\n  bob:\n    local: bob\n",
  ".github/CODEOWNERS": "access/requests/ @acme/security\n",
};
const REQUEST = "reason: Clean out the scratch bucket after INC-1234\nduration: 2h\n";

async function repoWith(target: string): Promise<TestRepo> {
  const repo = await makeRepo();
  await repo.writeAll({ ...CONFIG, "access/catalog.yaml": catalog(target) });
  await repo.commit("config", { date: "2026-03-02T08:00:00Z" });
  return repo;
}

describe("adding a provider is one file plus one registry line", () => {
  it("the new provider is in the names and in every schema the registry builds", () => {
    expect(derived.PROVIDER_NAMES).toContain("noop");
    const { catalog: c, identities: i, policy: p } = derived.providerSchemas();
    const resource = (c.properties as any).resources.additionalProperties;
    expect(resource.properties.provider.enum).toContain("noop");
    expect(resource.allOf).toContainEqual({
      if: { properties: { provider: { const: "noop" } }, required: ["provider"] },
      then: { properties: { target: { type: "object", additionalProperties: false, required: ["bucket"], properties: { bucket: { type: "string" } } } } },
    });
    expect((i.properties as any).users.additionalProperties.properties.noop).toEqual({ type: "string", description: "Name in the noop log." });
    expect((p.properties as any).tiers.items.properties.match.properties.providers.items.enum).toContain("noop");
  });

  it("validate checks its target with its schema fragment and its own check, and its identity key", async () => {
    const good = await repoWith("{ bucket: scratch }");
    await good.write("access/requests/scratch/alice.yaml", REQUEST);
    await good.write("access/requests/scratch/bob.yaml", REQUEST);
    const judged = await cli(["validate", "--repo", good.dir, "--format", "json"]);
    const files = JSON.parse(judged.out).files as Array<{ path: string; valid: boolean; errors: Array<{ message: string }> }>;
    expect(files.map((f) => [f.path, f.valid])).toEqual([
      ["access/requests/scratch/alice.yaml", true],
      ["access/requests/scratch/bob.yaml", false],
    ]);
    expect(files[1]!.errors.map((e) => e.message)).toContain(`bob has no "noop" identity in access/identities.yaml, which noop resource "scratch" needs.`);

    const checked = await cli(["validate", "--repo", (await repoWith('{ bucket: "Not OK" }')).dir]);
    expect(checked.code).toBe(1);
    expect(checked.out).toContain(`access/catalog.yaml:11:13: noop resource scratch: target has bucket "Not OK", which is not a lower-case bucket name`);

    const shaped = await cli(["validate", "--repo", (await repoWith("{ bucket: scratch, colour: red }")).dir]);
    expect(shaped.code).toBe(1);
    expect(shaped.out).toContain(`Unknown field "colour" in "resources.scratch.target".`);
  });

  it("plan shows its grant and apply carries it out through the new provider", async () => {
    const repo = await repoWith("{ bucket: scratch }");
    const base = await repo.sha();
    await repo.write("access/requests/scratch/alice.yaml", REQUEST);
    const head = await repo.commit("request scratch", { author: "alice", date: "2026-03-02T10:00:00Z" });
    const log = join(repo.dir, "..", `noop-${Date.now()}.jsonl`);
    const range = ["--repo", repo.dir, "--base", base, "--head", head, "--now", "2026-03-02T10:05:00Z"];

    const planned = await cli(["plan", ...range, "--format", "json"], { NOOP_LOG: log });
    expect(JSON.parse(planned.out).results).toMatchObject([
      { action: "grant", provider: "noop", principal: "alice-in-noop", status: "planned", native_expiry: true, detail: "would grant alice → scratch until 2026-03-02 12:00 UTC (native expiry)" },
    ]);

    const applied = await cli(["apply", ...range, "--format", "json"], { NOOP_LOG: log });
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.out).results).toMatchObject([{ status: "granted", detail: expect.stringContaining("noop granted alice-in-noop") }]);
    expect((await readFile(log, "utf8")).trim().split("\n").map((l) => JSON.parse(l))).toEqual([
      { op: "grant", principal: "alice-in-noop", bucket: "scratch", until: "2026-03-02T12:00:00.000Z" },
    ]);
  });
});
