// The "to add a signal source" recipe (notes/signals.md, README), followed step by step with
// a throwaway source: a badge service that says each requester's badge level.
import { PROVIDER_RULES } from "../../src/providers/index.js";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { signalOptions } from "../../src/cli/signals.js";
import { loadConfig } from "../../src/core/config.js";
import { CONTEXT, type ContextDeclaration } from "../../src/core/context-declaration.js";
import { evaluateChange, type EvaluateInput } from "../../src/core/evaluate.js";
import { flagArgs } from "../../src/signals/flags.js";
import { gatherSignals } from "../../src/signals/gather.js";
import { planSignals } from "../../src/signals/plan.js";
import { SOURCES, registryProblems } from "../../src/signals/registry.js";
import type { SignalSource } from "../../src/signals/types.js";
import { BASE_FILES, NOW, REQUESTS } from "../helpers/app.js";

// Step 1: declare the fields.
const DECL = {
  ...CONTEXT,
  badge: {
    per: "requester",
    fields: {
      level: {
        type: "int",
        description: "the requester's badge level",
        signal: { cautious: 0, flag: { name: "badge-level", arg: "login=level", help: "the login's badge level (repeatable)" }, words: (v: number) => `badge level ${v}` },
      },
    },
  },
} as const satisfies ContextDeclaration;

// Step 2: the source.
function badgeSource(levels: Record<string, number> | Error, calls: string[][]): SignalSource {
  return {
    name: "badge service",
    fills: ["badge.level"],
    async fetch(ask) {
      calls.push(ask.logins);
      if (levels instanceof Error) throw levels;
      return { signals: { requesters: Object.fromEntries(ask.logins.map((l) => [l, { badge: { level: levels[l] ?? 0 } }])) } as never };
    },
  };
}

// Step 3: one line in the registry.
const registry = (source: SignalSource) => [...SOURCES, source];

function configReading(condition: string) {
  const policy = BASE_FILES["access/policy.yaml"]!.replace(/auto_approve_if: ".*"/, `auto_approve_if: ${JSON.stringify(condition)}`);
  return loadConfig({ catalog: BASE_FILES["access/catalog.yaml"]!, policy, identities: BASE_FILES["access/identities.yaml"]!, codeowners: { ".github/CODEOWNERS": BASE_FILES[".github/CODEOWNERS"] } }, PROVIDER_RULES, DECL);
}

async function judge(condition: string, source: SignalSource) {
  const config = configReading(condition);
  expect(config.problems).toEqual([]);
  const input: EvaluateInput = { config, changes: [{ path: "access/requests/gcp-prod-viewer/alice.yaml", change: "added", text: REQUESTS.conditional }], author: "alice", now: NOW };
  const plan = planSignals(config, evaluateChange(input), "alice");
  const gathered = await gatherSignals(plan, { config, now: NOW }, { env: {} }, registry(source));
  input.signals = gathered.signals;
  return { gathered, file: evaluateChange(input).files[0]! };
}

describe("a signal source added by the recipe", () => {
  it("is known to conditions (and a misspelt field is a policy error)", () => {
    expect(configReading("badge.level >= 3").problems).toEqual([]);
    expect(configReading("badge.levle >= 3").problems[0]!.message).toMatch(/auto_approve_if is not a valid condition/);
  });

  it("is asked when a condition reads it, and its answer decides, in words", async () => {
    const calls: string[][] = [];
    const { gathered, file } = await judge("badge.level >= 3", badgeSource({ alice: 4 }, calls));
    expect(calls).toEqual([["alice"]]);
    expect(gathered.asked).toEqual(["badge service"]);
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("signals read: badge level 4");
  });

  it("is not asked when no condition reads it", async () => {
    const calls: string[][] = [];
    const { file } = await judge("request.for_self && request.duration_hours <= 4.0", badgeSource({ alice: 4 }, calls));
    expect(calls).toEqual([]);
    expect(file.approvals_required).toBe(0);
  });

  it("failing, gives its cautious value and says why", async () => {
    const { gathered, file } = await judge("badge.level >= 3", badgeSource(new Error("badge service unreachable"), []));
    expect(gathered.notes).toEqual(["could not ask badge service (badge service unreachable); treated as badge level 0"]);
    expect(file.approvals_required).toBe(1);
    expect(file.reasons).toContain("signals read: badge.level not known (badge service: badge service unreachable), treated as badge level 0");
  });

  it("is a CLI flag and part of the reproducing line, and the registry agrees with the declaration", () => {
    expect(signalOptions(new Command("check"), DECL).options.map((o) => o.flags)).toContain("--badge-level <login=level>");
    expect(flagArgs({ requesters: { alice: { badge: { level: 4 } } } } as never, DECL)).toEqual(["--badge-level alice=4"]);
    expect(registryProblems(DECL, registry(badgeSource({}, [])))).toEqual([]);
    expect(registryProblems(DECL, SOURCES)).toEqual(["badge.level is declared as a signal but no source fills it"]);
  });
});
