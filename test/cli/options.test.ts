// The CLI's shared options (--repo, --branch, --github, --local, --ledger, --format, --now)
// are declared once, in src/cli/options.ts, and every command uses that declaration.
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/index.js";
import { SHARED_FLAGS, isShared } from "../../src/cli/options.js";
import { cli } from "../helpers/cli.js";

const io = { out() {}, err() {}, cwd: "/work/here", env: {} };

describe("shared options", () => {
  const program = buildProgram(io, () => {});

  it("every command's copy of a shared option comes from options.ts", () => {
    const seen = new Set<string>();
    for (const cmd of program.commands) {
      for (const option of cmd.options) {
        if (!(SHARED_FLAGS as readonly string[]).includes(option.long ?? "")) continue;
        seen.add(option.long!);
        expect(isShared(option), `${cmd.name()} ${option.long} is declared outside src/cli/options.ts`).toBe(true);
      }
    }
    // Each shared flag is used somewhere: a dead declaration would go unnoticed otherwise.
    expect([...seen].sort()).toEqual([...SHARED_FLAGS].sort());
  });

  it("one spelling and default for each: --repo defaults to the working directory, --format to table", () => {
    const spelled = new Map<string, Set<string>>();
    for (const cmd of program.commands) {
      for (const o of cmd.options) {
        if (!(SHARED_FLAGS as readonly string[]).includes(o.long ?? "")) continue;
        (spelled.get(o.long!) ?? spelled.set(o.long!, new Set()).get(o.long!)!).add(o.flags);
        if (o.long === "--format") expect(o.defaultValue).toBe("table");
        if (o.long === "--repo" && cmd.name() !== "validate") expect(o.defaultValue).toBe("/work/here");
      }
    }
    for (const [flag, forms] of spelled) expect([...forms], flag).toHaveLength(1);
  });

  // Commander wraps long lines; compare with runs of spaces and line breaks made one space.
  const flat = (text: string) => text.replace(/\s+/g, " ");

  it("--help of sweep, revoke, reconcile and validate shows the shared options with their words", async () => {
    const sweep = await cli(["sweep", "--help"], "/work/here");
    expect(sweep.code).toBe(0);
    for (const line of [
      '--repo <dir> the access repository (a clone with full history: fetch-depth 0) (default: "/work/here")',
      "--branch <name> the default branch (default: origin/HEAD, else the current branch)",
      "--now <time> sweep as at this time (ISO 8601), default now; also dates local revoke commits",
      '--format <format> table or json (default: "table")',
      "--github <owner/repo> open PRs on this repository (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)",
      "--local commit on local branches even when a GitHub token is set",
      "--ledger <path> the local provider's ledger file (default $GITGRANT_LEDGER, else .gitgrant/ledger.json)",
    ]) {
      expect(flat(sweep.out)).toContain(line);
    }
    expect(flat((await cli(["revoke", "--help"])).out)).toContain("--now <time> date of the local revoke commit (ISO 8601), default now");
    expect(flat((await cli(["reconcile", "--help"])).out)).toContain("--local never call GitHub for the report, even when a token is set");
    expect(flat((await cli(["validate", "--help"])).out)).toContain('--repo <dir> the access repository (default: ".")');
  });
});
