// Validation throughput: gitgrant validate (parse + schema + catalog + identities + policy +
// CODEOWNERS) over 10,000 request files, beside a bare baseline over the same files:
// read, parse with yaml, one compiled ajv schema.
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { fromDist } from "./dist.js";
import { generateAccessRepo } from "./fixtures.js";

const FILES = 10_000;
const RESOURCES = 50;

export async function run(): Promise<void> {
  // The built code, as `npx gitgrant validate` runs it (tsx adds helpers of its own to every function).
  const { validator } = await fromDist<typeof import("../src/core/schema.js")>("core/schema.js");
  const { runValidate } = await fromDist<typeof import("../src/cli/commands/validate.js")>("cli/commands/validate.js");
  const repo = await generateAccessRepo({ resources: RESOURCES, files: FILES });
  const schema = validator("request");
  const silent = { out: () => {}, err: () => {}, cwd: repo.dir, env: {} };
  const now = "2026-11-29T10:00:00Z";
  try {
    // Warm up both paths once (module loading, JIT), then measure the best of three.
    const baseline = async () => {
      // Read the same way validate does (synchronously), so the comparison is of the work, not the I/O pattern.
      const texts = repo.files.map((f) => readFileSync(join(repo.dir, f), "utf8"));
      return texts.filter((t) => schema(parse(t))).length;
    };
    const ours = async () => (await runValidate([], { repo: ".", now, format: "json" }, silent)).result.files.filter((f) => f.valid).length;
    await baseline();
    await ours();
    const best = async (fn: () => Promise<number>) => {
      let ms = Infinity;
      let valid = 0;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        valid = await fn();
        ms = Math.min(ms, performance.now() - t);
      }
      return { ms, valid };
    };
    const b = await best(baseline);
    const g = await best(ours);
    const rate = (ms: number) => Math.round((FILES / ms) * 1000);
    console.log(`files: ${FILES} across ${RESOURCES} resources`);
    console.log(`baseline (read + yaml.parse + ajv):  ${b.ms.toFixed(0)} ms  ${rate(b.ms)} files/s  (${b.valid} valid)`);
    console.log(`gitgrant validate (full decision):   ${g.ms.toFixed(0)} ms  ${rate(g.ms)} files/s  (${g.valid} valid)`);
    console.log(`ratio gitgrant/baseline: ${(g.ms / b.ms).toFixed(2)}x  (target: under 1000 ms and within 1.5x)`);
  } finally {
    await rm(repo.dir, { recursive: true, force: true });
  }
}
