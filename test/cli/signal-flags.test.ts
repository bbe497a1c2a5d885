// The CLI's signal flags come from the context declaration: each declared signal with a
// flag is an option, flags and --signals give the same Signals, and the app's reproducing
// line is made of the same flags.
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONTEXT, type ContextDeclaration } from "../../src/core/context-declaration.js";
import { signalOptions, signalsFrom } from "../../src/cli/signals.js";
import { UsageError } from "../../src/cli/io.js";
import { checkSignalsFile, flagArgs, signalFlags, signalsFromFlags } from "../../src/signals/flags.js";
import { cli } from "../helpers/cli.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";

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

  it("round-trip the PagerDuty and Entra signals too (the check run's line for them)", () => {
    const signals = {
      requesters: { alice: { oncall: { now: true, level: 1, ends_at: new Date("2026-11-30T18:00:00Z"), policies: ["payments-primary"] }, signin: { mfa_within_minutes: 12, risky: null } } },
      incident: { open: true, count: 1, ids: ["PT4KHLK", "1234"] },
    };
    const args = flagArgs(signals);
    expect(args).toEqual(["--oncall alice", "--oncall-level alice=1", "--oncall-until alice=2026-11-30T18:00:00Z", "--mfa-minutes alice=12", "--incident", "--incident-id PT4KHLK", "--incident-id 1234"]);
    const program = signalOptions(new Command("check").exitOverride());
    program.parse(args.flatMap((a) => a.split(" ")), { from: "user" });
    expect(signalsFromFlags(program.opts())).toEqual({
      requesters: { alice: { oncall: { now: true, level: 1, ends_at: new Date("2026-11-30T18:00:00Z") }, signin: { mfa_within_minutes: 12 } } },
      incident: { open: true, count: 1, ids: ["PT4KHLK", "1234"] },
    });
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

describe("gitgrant check with the on-call, incident and MFA signals", () => {
  // The example organisation's own policy (access/ at the repository root): its on-call tier.
  const ROOT = join(import.meta.dirname, "../..");
  let repo: TestRepo;
  let base: string;
  beforeEach(async () => {
    repo = await makeRepo();
    const files: Record<string, string> = {};
    for (const f of ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS"]) files[f] = readFileSync(join(ROOT, f), "utf8");
    await repo.writeAll(files);
    base = await repo.commit("base config", { date: "2026-11-30T08:00:00Z" });
    await repo.write("access/requests/gcp-prod-viewer/alice.yaml", "reason: Investigate INC-1234, checkout latency on payments\nduration: 2h\nticket: INC-1234\n");
    await repo.commit("request", { author: "alice" });
  });
  afterEach(cleanupRepos);
  const check = (...args: string[]) => cli(["check", "--repo", repo.dir, "--base", base, "--now", "2026-11-30T10:00:00Z", "--author", "alice", "--format", "json", ...args]);

  it("auto-approves alice on call at level 1 for the incident she names, with MFA 12 minutes ago, from flags or from the file", async () => {
    const flags = await check("--oncall-level", "alice=1", "--oncall-until", "alice=2026-11-30T18:00:00Z", "--incident-id", "INC-1234", "--mfa-minutes", "alice=12");
    expect(flags.code).toBe(0);
    const verdict = flags.json<any>().files[0];
    expect(verdict).toMatchObject({ tier: "on-call", approvals_required: 0 });
    expect(verdict.reasons).toContain("signals read: INC-1234 is among the open incidents; on call; at escalation level 1; MFA 12 minute(s) ago");

    await repo.write("signals.json", JSON.stringify({ requesters: { alice: { oncall: { now: true, level: 1, ends_at: "2026-11-30T18:00:00Z" }, signin: { mfa_within_minutes: 12 } } }, incident: { open: true, ids: ["1234"] } }));
    const file = await check("--signals", `${repo.dir}/signals.json`);
    expect(file.json<any>().files[0]).toMatchObject({ tier: "on-call", approvals_required: 0 });
  });

  it("without the MFA signal the condition cannot be decided and a code owner is needed", async () => {
    const r = await check("--oncall-level", "alice=1", "--incident-id", "INC-1234");
    const verdict = r.json<any>().files[0];
    expect(verdict.approvals_required).toBe(1);
    expect(verdict.reasons).toContain("auto_approve_if cannot be decided because signin.mfa_within_minutes is not known, so it does not apply");
  });
});
