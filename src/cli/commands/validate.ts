// gitgrant validate: every request file under access/ (or the given paths), as they are on
// disk now, against the config on disk. For writing a request before opening a PR.
import type { Command } from "commander";
import { relative, resolve, sep } from "node:path";
import { ACCESS_DIR, REQUESTS_DIR } from "../../core/config.js";
import { evaluateChange, type CheckResult } from "../../core/evaluate.js";
import { loadConfigAt, readChanges } from "../../git/load.js";
import { WorkingTree } from "../../git/worktree.js";
import { PROVIDER_RULES } from "../../providers/index.js";
import { EXIT, UsageError, parseFormat, parseNow, type Io } from "../io.js";
import { renderVerdict, verdictJson } from "../render.js";
import { signalOptions, signalsFrom, type SignalFlags } from "../signals.js";
import { options } from "../options.js";

interface ValidateFlags extends SignalFlags {
  repo: string;
  now?: string;
  format?: string;
}

export async function runValidate(paths: string[], flags: ValidateFlags, io: Io): Promise<{ code: number; result: CheckResult }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const root = resolve(io.cwd, flags.repo);
  const tree = new WorkingTree(root);
  const config = await loadConfigAt(tree, "WORKTREE", PROVIDER_RULES);
  const entries = await tree.listEntries("WORKTREE", REQUESTS_DIR);
  const all = entries.map((e) => e.path);
  const modes = new Map(entries.map((e) => [e.path, e.mode]));
  // Links and other non-regular entries anywhere under access/ are reported, never skipped.
  const strays = (await tree.listEntries("WORKTREE", ACCESS_DIR)).filter((e) => e.mode !== "100644" && !modes.has(e.path));
  for (const e of strays) {
    all.push(e.path);
    modes.set(e.path, e.mode);
  }
  all.sort();
  let selected = all;
  if (paths.length) {
    const wanted = paths.map((p) => relative(root, resolve(io.cwd, p)).split(sep).join("/"));
    for (const w of wanted) if (w.startsWith("..")) throw new UsageError(`${w} is outside the repository ${root}`);
    selected = all.filter((f) => wanted.some((w) => f === w || f.startsWith(`${w}/`) || w === "" || w === "."));
    const missing = wanted.filter((w) => !all.some((f) => f === w || f.startsWith(`${w}/`)) && w !== "" && w !== "." && !REQUESTS_DIR.startsWith(w));
    for (const m of missing) io.err(`warning: ${m} has no request files`);
  }
  const changes = await readChanges(tree, "WORKTREE", selected.map((path) => ({ path, change: "added" as const, mode: modes.get(path) })));
  const result = evaluateChange({ config, changes, now, signals: signalsFrom(flags), baseRequestFiles: all, maxFiles: Infinity });
  // Files at rest are not a pull request: say what was found, not what a merge would do.
  const valid = result.files.filter((f) => f.valid).length;
  const byTier = new Map<string, number>();
  for (const f of result.files) if (f.valid && f.tier) byTier.set(f.tier, (byTier.get(f.tier) ?? 0) + 1);
  result.reasons = [
    ...result.reasons.filter((r) => !/merged|approval|No files changed/.test(r)),
    `${valid} of ${result.files.length} request file(s) valid${byTier.size ? ` (${[...byTier].map(([t, n]) => `${t}: ${n}`).join(", ")})` : ""}.`,
  ];
  io.out(format === "json" ? verdictJson(result) : renderVerdict(result));
  return { code: result.ok ? EXIT.ok : EXIT.findings, result };
}

export function registerValidate(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("validate")
    .description("Validate request files on disk (default: all of access/requests) against the catalog, identities and policy on disk.")
    .argument("[paths...]", "request files or folders");
  options.format(options.now(options.repo(cmd, io, "the access repository", ".")));
  signalOptions(cmd).action(async (paths: string[], flags: ValidateFlags) => done((await runValidate(paths, flags, io)).code));
}
