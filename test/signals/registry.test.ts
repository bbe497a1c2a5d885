import { describe, expect, it } from "vitest";
import { CONTEXT, signalFields } from "../../src/core/context-declaration.js";
import { SOURCES, registryProblems } from "../../src/signals/registry.js";

describe("the signal registry and the context declaration", () => {
  it("agree: every declared signal is filled by exactly one source, and no source fills an undeclared one", () => {
    expect(registryProblems()).toEqual([]);
    expect(new Set(SOURCES.flatMap((s) => s.fills))).toEqual(new Set(signalFields(CONTEXT).map((f) => f.path)));
  });

  it("a field no source fills, or two fill, or nobody declared, is named", () => {
    const [teams, ...rest] = SOURCES;
    expect(registryProblems(CONTEXT, rest)).toEqual(["requester.teams is declared as a signal but no source fills it"]);
    expect(registryProblems(CONTEXT, [...SOURCES, teams!])).toEqual(["requester.teams is filled by GitHub teams and GitHub teams"]);
    expect(registryProblems(CONTEXT, [...SOURCES, { name: "x", fills: ["requester.shoe_size"], fetch: async () => ({}) }])).toEqual(["x fills requester.shoe_size, which is not a declared signal"]);
  });
});
