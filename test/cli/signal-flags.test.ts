// The CLI's signal flags come from the context declaration: each declared signal with a
// flag is an option, flags and --signals give the same Signals, and the app's reproducing
// line is made of the same flags.
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { CONTEXT, type ContextDeclaration } from "../../src/core/context-declaration.js";
import { signalOptions, signalsFrom } from "../../src/cli/signals.js";
import { UsageError } from "../../src/cli/io.js";
import { checkSignalsFile, flagArgs, signalFlags, signalsFromFlags } from "../../src/signals/flags.js";
import { cli } from "../helpers/cli.js";

const options = (decl: ContextDeclaration = CONTEXT) => signalOptions(new Command("check"), decl).options.map((o) => o.flags);

describe("the signal flags", () => {
  it("are the declared ones, with --signals", () => {
    expect(options()).toEqual(["--signals <file>", ...signalFlags().map((f) => f.option)]);
    expect(options()).toEqual(expect.arrayContaining(["--team <login=org/team>", "--org-member <login>", "--incident"]));
  });

  it("grow with the declaration: one more signal field is one more flag, parsed by its type", () => {
    const decl = {
      ...CONTEXT,
      requester: {
        ...CONTEXT.requester,
        fields: { ...CONTEXT.requester.fields, badge_level: { type: "int", description: "test", signal: { cautious: 0, flag: { name: "badge-level", help: "the login's badge level" } } } },
      },
    } as const satisfies ContextDeclaration;
    expect(options(decl)).toContain("--badge-level <login=value>");
    expect(options(decl).filter((o) => o !== "--badge-level <login=value>")).toEqual(options());
    const program = signalOptions(new Command("check").exitOverride(), decl);
    program.parse(["--badge-level", "alice=3", "--team", "Alice=acme/Oncall"], { from: "user" });
    expect(signalsFromFlags(program.opts(), {}, decl)).toEqual({ requesters: { alice: { badge_level: 3, teams: ["acme/oncall"], org_member: true } } });
    expect(() => signalsFromFlags({ badgeLevel: ["alice=three"] }, {}, decl)).toThrow('--badge-level: "three" is not a whole number');
  });

  it("give what the app's reproducing line says (flags round-trip)", () => {
    const signals = { requesters: { alice: { teams: ["acme/oncall", "acme/platform"], org_member: true }, bob: { org_member: true } }, incident: { open: true, count: 2 } };
    const args = flagArgs(signals);
    expect(args).toEqual(["--team alice=acme/oncall", "--team alice=acme/platform", "--org-member bob", "--incident"]);
    const program = signalOptions(new Command("check").exitOverride());
    program.parse(args.flatMap((a) => a.split(" ")), { from: "user" });
    expect(signalsFromFlags(program.opts())).toEqual({ requesters: { alice: { teams: ["acme/oncall", "acme/platform"], org_member: true }, bob: { org_member: true } }, incident: { open: true, count: 1 } });
  });

  it("refuse a malformed value with the shape expected", () => {
    expect(() => signalsFrom({ team: ["alice"] })).toThrow(UsageError);
    expect(() => signalsFrom({ team: ["alice=oncall"] })).toThrow('--team "alice=oncall" must look like LOGIN=org/team');
  });
});

describe("the --signals file", () => {
  it("is checked against the declaration: a misspelt signal is an error, not a silent default", () => {
    expect(() => checkSignalsFile({ requesters: { alice: { team: ["acme/oncall"] } } })).toThrow(/requesters\.alice\.team is not a signal gitgrant knows \(known: teams, org_member/);
    expect(() => checkSignalsFile({ incident: { open: "yes" } })).toThrow('incident.open: expected bool, got "yes"');
    expect(() => checkSignalsFile({ incidents: { open: true } })).toThrow(/incidents is not a signal group gitgrant knows/);
    expect(() => checkSignalsFile([])).toThrow("expected a JSON object");
    expect(checkSignalsFile({ requesters: { Alice: { teams: ["acme/oncall"] } }, incident: { open: true } })).toEqual({ requesters: { alice: { teams: ["acme/oncall"] } }, incident: { open: true } });
  });

  it("errors from the command line are usage errors (exit 2)", async () => {
    const run = await cli(["check", "--base", "HEAD", "--team", "alice"], process.cwd());
    expect(run.code).toBe(2);
    expect(run.err).toContain('--team "alice" must look like LOGIN=org/team');
  });
});
