// gitgrant forms: write the request form (.github/ISSUE_TEMPLATE/request-access.yml) from
// the catalog on disk; run again after changing the catalog. init runs it too.
import type { Command } from "commander";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadConfigAt } from "../../git/load.js";
import { WorkingTree } from "../../git/worktree.js";
import { PROVIDER_RULES } from "../../providers/index.js";
import { FORM_PATH, requestFormYaml } from "../../operations/request-form.js";
import { EXIT, parseFormat, type Io } from "../io.js";
import { options } from "../options.js";

interface FormsFlags {
  repo: string;
  check?: boolean;
  format?: string;
}

export async function runForms(flags: FormsFlags, io: Io): Promise<{ code: number; path: string; changed: boolean }> {
  const format = parseFormat(flags.format);
  const dir = resolve(io.cwd, flags.repo);
  const config = await loadConfigAt(new WorkingTree(dir), "WORKTREE", PROVIDER_RULES);
  const path = join(dir, FORM_PATH);
  if (config.problems.length) {
    for (const p of config.problems) io.err(`error: ${p.path}${p.line ? `:${p.line}` : ""}: ${p.message}`);
    io.err(`gitgrant forms: the catalog cannot be read; ${FORM_PATH} was left as it is`);
    return { code: EXIT.findings, path, changed: false };
  }
  const text = requestFormYaml(config.catalog);
  const before = await readFile(path, "utf8").catch(() => null);
  const changed = before !== text;
  const json = (written: boolean) => io.out(JSON.stringify({ path: FORM_PATH, up_to_date: !changed, written, resources: Object.keys(config.catalog.resources).length }));
  if (flags.check) {
    if (format === "json") json(false);
    else io.out(changed ? `${FORM_PATH} is out of date with the catalog; run gitgrant forms` : `${FORM_PATH} is up to date`);
    return { code: changed ? EXIT.findings : EXIT.ok, path, changed };
  }
  if (changed) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, "utf8");
  }
  if (format === "json") json(changed);
  else io.out(`${changed ? "Wrote" : "Up to date:"} ${FORM_PATH} (${Object.keys(config.catalog.resources).length} resources)`);
  return { code: EXIT.ok, path, changed };
}

export function registerForms(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("forms")
    .description(`Write the request form ${FORM_PATH} from access/catalog.yaml: a GitHub issue form (resource, duration, reason, ticket, break-glass) that the app turns into a request pull request.`)
    .option("--check", "only say whether the form matches the catalog (exit 1 when not), for CI");
  options.format(options.repo(cmd, io)).action(async (flags: FormsFlags) => done((await runForms(flags, io)).code));
}
