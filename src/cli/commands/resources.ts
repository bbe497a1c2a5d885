// gitgrant resources: what can be requested, and what asking for it means.
import type { Command } from "commander";
import { resolve } from "node:path";
import { loadConfigAt } from "../../git/load.js";
import { LocalGitRepo } from "../../git/local.js";
import { WorkingTree } from "../../git/worktree.js";
import { defaultBranch } from "../../git/write.js";
import { PROVIDER_RULES } from "../../providers/index.js";
import { resourceRows, type ResourceRow } from "../../operations/resources.js";
import { EXIT, parseFormat, table, type Io } from "../io.js";
import { options } from "../options.js";

interface ResourcesFlags {
  repo: string;
  branch?: string;
  format?: string;
  worktree?: boolean;
}

export async function runResources(flags: ResourcesFlags, io: Io): Promise<{ code: number; rows: ResourceRow[] }> {
  const format = parseFormat(flags.format);
  const dir = resolve(io.cwd, flags.repo);
  // The rules that will judge a request are the default branch's, not whatever is checked out.
  const config = flags.worktree ? await loadConfigAt(new WorkingTree(dir), "WORKTREE", PROVIDER_RULES) : await loadConfigAt(new LocalGitRepo(dir), flags.branch ?? (await defaultBranch(dir)), PROVIDER_RULES);
  for (const p of config.problems) io.err(`warning: ${p.path}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  const rows = resourceRows(config);
  if (format === "json") io.out(JSON.stringify(rows, null, 2));
  else if (!rows.length) io.out("The catalog lists no resources.");
  else {
    io.out(
      table(
        ["RESOURCE", "SENSITIVITY", "PROVIDER", "MAX", "A SHORT REQUEST", "APPROVED BY", "DESCRIPTION"],
        rows.map((r) => [r.id, r.sensitivity, r.provider, r.max_duration, r.tier ? `${r.short}: ${r.tier}${r.approvals ? ` (${r.approvals} approval${r.approvals > 1 ? "s" : ""})` : " (self-service)"}` : `${r.short}: refused`, r.approvers.join(" ") || "nobody", r.description]),
      ),
    );
  }
  return { code: config.problems.length ? EXIT.findings : EXIT.ok, rows };
}

export function registerResources(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("resources")
    .description("List what can be requested: id, description, sensitivity, provider, longest allowed, the tier a short request falls in, and who approves it (CODEOWNERS), from the default branch.")
    .option("--worktree", "read the files on disk instead of the default branch");
  options.format(options.branch(options.repo(cmd, io))).action(async (flags: ResourcesFlags) => done((await runResources(flags, io)).code));
}
