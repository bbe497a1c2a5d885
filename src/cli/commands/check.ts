// gitgrant check: judge base..head of a local clone exactly as the app judges a PR.
import type { Command } from "commander";
import { evaluateChange, type CheckResult } from "../../core/evaluate.js";
import { LocalGitRepo } from "../../git/local.js";
import { loadConfigAt, readChanges, requestFilesAt } from "../../git/load.js";
import { PROVIDER_RULES } from "../../providers/index.js";
import { EXIT, parseFormat, parseNow, type Io } from "../io.js";
import { renderVerdict, verdictJson } from "../render.js";
import { approvalsFrom, collect, signalOptions, signalsFrom, type SignalFlags } from "../signals.js";
import { options } from "../options.js";

interface CheckFlags extends SignalFlags {
  repo: string;
  base: string;
  head: string;
  author?: string;
  now?: string;
  format?: string;
  revokePr?: boolean;
}

export async function runCheck(flags: CheckFlags, io: Io): Promise<{ code: number; result: CheckResult }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const repo = new LocalGitRepo(flags.repo);
  const [base, head] = await Promise.all([repo.resolve(flags.base), repo.resolve(flags.head)]);
  // The change is what the head adds since it forked from the base (a PR's "files changed"),
  // while the rules are the base's own, as the app reads them.
  const forkPoint = (await repo.mergeBase(base, head)) ?? base;
  const [config, changes, baseRequestFiles] = await Promise.all([
    loadConfigAt(repo, base, PROVIDER_RULES),
    repo.changedFiles(forkPoint, head),
    requestFilesAt(repo, base),
  ]);
  const signals = signalsFrom(flags);
  const result = evaluateChange({
    config,
    changes: await readChanges(repo, head, changes),
    author: flags.author,
    now,
    signals,
    baseRequestFiles,
    revokePr: flags.revokePr,
    approvals: approvalsFrom(flags, signals, flags.author),
  });
  if (!flags.author) result.reasons.push("No --author given: each request is judged as its requester's own.");
  io.out(format === "json" ? verdictJson(result) : renderVerdict(result));
  return { code: result.ok ? EXIT.ok : EXIT.findings, result };
}

export function registerCheck(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("check")
    .description("Judge the access requests changed between two refs, as the GitHub App judges a pull request.");
  options.repo(cmd, io)
    .requiredOption("--base <ref>", "the base of the change (config, policy and CODEOWNERS are read here)")
    .option("--head <ref>", "the head of the change", "HEAD")
    .option("--author <login>", "the pull request's author (default: each file's requester)");
  options.format(options.now(cmd))
    .option("--approved-by <login>", "count an approval on the head from this login (repeatable)", collect)
    .option("--committer <login>", "this login pushed to the change, so cannot approve it (repeatable)", collect)
    .option("--revoke-pr", "treat the change as gitgrant's own revoke PR");
  signalOptions(cmd).action(async (flags: CheckFlags) => done((await runCheck(flags, io)).code));
}
