// The Dockerfile cannot be built here (no Docker): its content is linted instead, for what
// the image promises: current Node LTS, production dependencies only, not root, a health
// check on the app's endpoint, no secret in the image or the build context.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HEALTH_PATH } from "../../src/app/health.js";

const ROOT = join(import.meta.dirname, "../..");

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with continuation lines joined and comments dropped, as Docker reads them. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

describe("Dockerfile", async () => {
  const all = instructions(await readFile(join(ROOT, "Dockerfile"), "utf8"));
  const stages = all.reduce<Instruction[][]>((acc, i) => (i.op === "FROM" ? [...acc, [i]] : (acc.at(-1)!.push(i), acc)), []);
  const final = stages.at(-1)!;

  it("builds on Node 24 (the current LTS) in every stage", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0]!.args).toMatch(/^node:24[-.\w]*(\s+AS\s+\w+)?$/i);
  });

  it("installs production dependencies only in the image it runs, without running package scripts", () => {
    const installs = final.filter((i) => i.op === "RUN" && /npm (ci|install)/.test(i.args));
    expect(installs).toHaveLength(1);
    expect(installs[0]!.args).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(final.some((i) => i.op === "COPY" && /\bsrc\b|node_modules/.test(i.args) && !/--from=/.test(i.args))).toBe(false);
  });

  it("runs as a non-root user, Probot serving the built app on 0.0.0.0 in production mode", () => {
    const user = [...final].reverse().find((i) => i.op === "USER");
    expect(user?.args).toBe("node");
    expect(final.indexOf(user!)).toBeLessThan(final.findIndex((i) => i.op === "CMD"));
    expect(final.find((i) => i.op === "ENV")!.args).toMatch(/NODE_ENV=production/);
    expect(final.find((i) => i.op === "ENV")!.args).toMatch(/HOST=0\.0\.0\.0/);
    expect(JSON.parse(final.find((i) => i.op === "CMD")!.args)).toEqual(["node_modules/.bin/probot", "run", "./dist/app/index.js"]);
  });

  it("checks health on the app's own endpoint", () => {
    const health = final.find((i) => i.op === "HEALTHCHECK")!;
    expect(health.args).toContain(HEALTH_PATH);
    expect(health.args).toMatch(/CMD \[/);
  });

  it("puts no secret in the image and keeps .env and keys out of the build context", async () => {
    for (const i of all) {
      expect(i.op).not.toBe("ADD");
      if (i.op === "ENV" || i.op === "ARG") expect(i.args).not.toMatch(/SECRET|PRIVATE_KEY|TOKEN|PASSWORD/i);
    }
    const ignore = (await readFile(join(ROOT, ".dockerignore"), "utf8")).split("\n");
    for (const p of [".env", "*.pem", "node_modules/", ".git/"]) expect(ignore).toContain(p);
  });
});
