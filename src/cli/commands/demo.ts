// gitgrant demo: the whole life of one grant in a temporary copy of the example repository,
// through the same code as production: check (the app's verdict), a squash merge with the
// app's trailers, apply (the push handler), the sweep at a later time, the revoke applied.
import type { Command } from "commander";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { applyPlan } from "../../operations/execute.js";
import { planChange } from "../../operations/plan.js";
import { nativeExpiryFrom, providersForApply } from "../../operations/apply-providers.js";
import type { ActionResult } from "../../operations/plan-types.js";
import { evidenceMessage } from "../../core/trailers.js";
import { localRepository } from "../../git/changes.js";
import { LocalGitRepo } from "../../git/local.js";
import { createDemoRepo, demoRoot, PACKAGE_ROOT, type DemoRepo } from "../../operations/demo-repo.js";
import { sweep } from "../../operations/sweep.js";
import { readLedger } from "../../providers/local.js";
import { EXIT, parseFormat, parseNow, type Io } from "../io.js";
import { runCheck } from "./check.js";
import { renderText } from "./plan.js";
import { renderSweep } from "./sweep.js";
import { isoSeconds as iso } from "../../core/time.js";
import { requestPath } from "../../core/paths.js";
import { options } from "../options.js";

const LOGIN = "alice";
const RESOURCE = "staging-deploy";
const PATH = requestPath(RESOURCE, LOGIN);
const REQUEST = "reason: Deploy the hotfix for INC-1201 to staging and verify it\nduration: 2h\nticket: INC-1201\n";
const MINUTE = 60_000;

export class DemoError extends Error {}

const indent = (text: string) => text.replace(/\n+$/, "").split("\n").map((l) => `    ${l}`).join("\n");

/** Capture what a command prints, to show it indented under the demo's step. */
function capture(io: Io): { io: Io; text: () => string } {
  const lines: string[] = [];
  return { io: { ...io, out: (t) => void lines.push(t), err: (t) => void lines.push(t) }, text: () => lines.join("\n") };
}

async function ledgerLines(path: string): Promise<string> {
  const grants = Object.entries((await readLedger(path)).grants);
  if (!grants.length) return "(empty: nobody holds anything)";
  return grants.map(([key, g]) => `${key}: ${g.principal} until ${g.expiresAt}`).join("\n");
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new DemoError(`the demo did not go as expected: ${what}`);
}

async function squash(repo: DemoRepo, branch: string, message: string, at: Date): Promise<string> {
  await repo.run(["merge", "--quiet", "--squash", branch], "gitgrant[bot]", at);
  await repo.run(["commit", "--quiet", "--no-verify"], "gitgrant[bot]", at, message);
  return (await repo.run(["rev-parse", "HEAD"], "gitgrant[bot]", at)).trim();
}

async function applyPush(repo: DemoRepo, before: string, after: string, providers: ReturnType<typeof providersForApply>): Promise<{ text: string; results: ActionResult[] }> {
  const plan = await planChange({ repo: new LocalGitRepo(repo.dir), before, after, nativeExpiry: nativeExpiryFrom(providers) });
  const results = await applyPlan(plan, providers);
  return { text: renderText(plan, results), results };
}

export interface DemoFlags {
  keep?: boolean;
  now?: string;
  format?: string;
  /** Where the example repository is (default: this package). */
  source?: string;
}

export async function runDemo(flags: DemoFlags, io: Io): Promise<{ code: number; dir: string; steps: string[] }> {
  const json = parseFormat(flags.format) === "json";
  const start = new Date(Math.floor(parseNow(flags.now).getTime() / MINUTE) * MINUTE);
  const repo = await createDemoRepo(flags.source ?? PACKAGE_ROOT);
  const steps: string[] = [];
  // People see each step as it happens; machines get them all at the end.
  const say = (text: string) => {
    steps.push(text.trimEnd());
    if (!json) io.out(`${text.trimEnd()}\n\n`);
  };
  try {
    const providers = providersForApply({ env: { GITGRANT_LEDGER: repo.ledgerPath }, local: { ledgerPath: repo.ledgerPath } });
    say(`gitgrant demo: the whole life of one grant, in a temporary access repository\n    ${repo.dir}\n`);

    await repo.run(["add", "--all"], "security-team", start);
    await repo.run(["commit", "--quiet", "--no-verify"], "security-team", start, "The example organisation: catalog, policy, identities, CODEOWNERS, schemas\n");
    const base = (await repo.run(["rev-parse", "HEAD"], "gitgrant", start)).trim();
    say(`1. main holds the rules (access/catalog.yaml, policy.yaml, identities.yaml, .github/CODEOWNERS) and no grants.\n`);

    const branch = `request/${RESOURCE}-${LOGIN}`;
    const opened = new Date(start.getTime() + MINUTE);
    await repo.run(["checkout", "--quiet", "-b", branch], LOGIN, opened);
    await mkdir(dirname(`${repo.dir}/${PATH}`), { recursive: true });
    await writeFile(`${repo.dir}/${PATH}`, REQUEST, "utf8");
    await repo.run(["add", PATH], LOGIN, opened);
    await repo.run(["commit", "--quiet", "--no-verify"], LOGIN, opened, `Request ${RESOURCE} for 2h\n`);
    say(`2. ${LOGIN} opens a pull request (branch ${branch}) adding ${PATH}:\n${indent(REQUEST)}\n`);

    const check = capture(io);
    const verdict = await runCheck({ repo: repo.dir, base: "main", head: branch, author: LOGIN, orgMember: [LOGIN], now: iso(opened), format: "table" }, check.io);
    say(`3. gitgrant check --base main --head ${branch} --author ${LOGIN} --org-member ${LOGIN} (the app's check run):\n${indent(check.text())}\n`);
    expect(verdict.result.auto_merge, "the request should be self-service");

    const merged = new Date(opened.getTime() + MINUTE);
    await repo.run(["checkout", "--quiet", "main"], "gitgrant[bot]", merged);
    const tier = verdict.result.files[0]?.tier ?? "self-service";
    const message = evidenceMessage(`Request ${RESOURCE} for ${LOGIN} (#1)`, "", { grants: [{ path: PATH, requester: LOGIN, tier }], revokes: [], approvedBy: [], pullRequest: 1 });
    const granted = await squash(repo, branch, message, merged);
    say(`4. Self-service, so the app squash-merges it at once (${iso(merged)}), with the evidence in the commit:\n${indent(message)}\n`);

    const applied = await applyPush(repo, base, granted, providers);
    say(`5. gitgrant apply --base ${base.slice(0, 7)} --head ${granted.slice(0, 7)} (the push handler grants it):\n${indent(applied.text)}\n    local ledger:\n${indent(indent(await ledgerLines(repo.ledgerPath)))}\n`);
    expect(applied.results.length === 1 && applied.results[0]!.status === "granted", "apply should grant the request");

    const env = repo.env("gitgrant[bot]", merged);
    const midway = new Date(merged.getTime() + 60 * MINUTE);
    const early = await sweep({ repo: localRepository(repo.dir, { env }), branch: "main", now: midway, providers, dryRun: true, resources: [RESOURCE] });
    say(`6. gitgrant sweep --now ${iso(midway)} (an hour later):\n${indent(renderSweep(early, "main"))}\n`);
    expect(early.revokes.length === 0, "nothing should have expired after an hour");

    const expiry = new Date(merged.getTime() + 120 * MINUTE);
    const due = await sweep({ repo: localRepository(repo.dir, { env: repo.env("gitgrant[bot]", expiry), commitDate: expiry }), branch: "main", now: expiry, providers, resources: [RESOURCE] }); // the demo's one resource: the other providers have no credentials here
    say(`7. gitgrant sweep --now ${iso(expiry)} (the expiry second: convergence ends the access in the ledger at once; on GitHub a revoke PR removes the file):\n${indent(renderSweep(due, "main"))}\n    local ledger:\n${indent(indent(await ledgerLines(repo.ledgerPath)))}\n`);
    expect(due.revokes.length === 1 && due.revokes[0]!.status === "committed", "the sweep should commit one revoke");
    expect(due.converge?.results.length === 1 && due.converge.results[0]!.status === "revoked", "the sweep's convergence should revoke the grant");

    const closed = new Date(expiry.getTime() + MINUTE);
    const revokeMessage = evidenceMessage(`Revoke expired access: ${RESOURCE} for ${LOGIN} (#2)`, "", { grants: [], revokes: [{ path: PATH, reason: "expired" }], approvedBy: [], pullRequest: 2 });
    const revoked = await squash(repo, due.revokes[0]!.branch, revokeMessage, closed);
    const removal = await applyPush(repo, granted, revoked, providers);
    say(`8. The app merges the revoke (its own revoke PR is self-service); gitgrant apply finds it already revoked:\n${indent(removal.text)}\n    local ledger:\n${indent(indent(await ledgerLines(repo.ledgerPath)))}\n`);
    expect(removal.results.length === 1 && removal.results[0]!.status === "unchanged", "apply should find the grant already revoked");
    expect(Object.keys((await readLedger(repo.ledgerPath)).grants).length === 0, "the ledger should be empty");

    const log = await repo.run(["log", "--format=%h %cI %s%n%(trailers:only,unfold)", "main"], "gitgrant", closed);
    say(`9. The evidence, from git alone (git log with trailers):\n${indent(log.replace(/\n\n+/g, "\n"))}\n`);
    say(flags.keep ? `Kept the repository: ${repo.dir} (ledger: ${repo.ledgerPath})` : "Done; the temporary repository is removed (--keep keeps it).");
    if (json) io.out(JSON.stringify({ ok: true, kept: flags.keep ? repo.dir : null, steps }, null, 2));
    return { code: EXIT.ok, dir: repo.dir, steps };
  } finally {
    if (!flags.keep) await rm(demoRoot(repo), { recursive: true, force: true });
  }
}

export function registerDemo(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("demo")
    .description(
      "Take one request through its whole life in a temporary copy of the example repository, with the local ledger as the target: " +
        "request -> check -> merge -> apply (granted) -> sweep at a later time -> revoke merged and applied (ledger empty). " +
        "The same code as production; nothing outside the temporary folder is touched.",
    )
    .option("--keep", "keep the temporary repository and ledger to look at afterwards")
    .option("--from <dir>", "take the rules from this access repository (e.g. one made by gitgrant init) instead of gitgrant's example");
  options.format(options.now(cmd, "when the story starts (ISO 8601), default now"), "table (each step as it happens) or json (all steps at the end)").action(async (flags: DemoFlags & { from?: string }) => done((await runDemo({ ...flags, ...(flags.from ? { source: resolve(io.cwd, flags.from) } : {}) }, io)).code));
}
