// gitgrant init: start an access repository of your own (config, CODEOWNERS, workflows on
// the gitgrant action pinned to this version, schemas, editor settings, a README).
import type { Command } from "commander";
import { resolve } from "node:path";
import { scaffold } from "../../operations/scaffold.js";
import { EXIT, UsageError, parseFormat, type Io } from "../io.js";
import { options } from "../options.js";
import { ACTION_REPOSITORY, VERSION } from "../../operations/package-root.js";

interface InitFlags {
  empty?: boolean;
  force?: boolean;
  org: string;
  action?: string;
  format?: string;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const ACTION_REF = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?@[A-Za-z0-9_.\/-]+$/;

export async function runInit(dir: string | undefined, flags: InitFlags, io: Io): Promise<{ code: number; written: string[]; existing: string[] }> {
  const format = parseFormat(flags.format);
  if (!LOGIN.test(flags.org)) throw new UsageError(`--org "${flags.org}" is not a GitHub organisation name`);
  const action = flags.action ?? `${ACTION_REPOSITORY}@v${VERSION}`;
  if (!ACTION_REF.test(action)) throw new UsageError(`--action "${action}" is not owner/repo@ref (a tag, or better a full commit SHA)`);
  const root = resolve(io.cwd, dir ?? ".");
  const r = await scaffold(root, { empty: flags.empty, force: flags.force, org: flags.org, action, version: VERSION });
  if (format === "json") {
    io.out(JSON.stringify({ ok: r.written.length > 0, dir: root, action, written: r.written, existing: r.existing }, null, 2));
  } else if (!r.written.length) {
    io.err(`gitgrant init: ${root} already has ${r.existing.length} of the files it would write; nothing was written:`);
    for (const p of r.existing) io.err(`  ${p}`);
    io.err("Move them away, or run again with --force to overwrite them.");
  } else {
    io.out(`Wrote ${r.written.length} files to ${root}${r.existing.length ? ` (overwrote ${r.existing.length})` : ""}:`);
    for (const p of r.written) io.out(`  ${p}`);
    io.out(
      [
        "",
        "Next:",
        "  1. Edit access/catalog.yaml, policy.yaml, identities.yaml and .github/CODEOWNERS for your organisation.",
        "  2. npx gitgrant validate            (checks the config and any request files)",
        "  3. Commit, push, install the gitgrant GitHub App, and follow \"Set up your organisation\" in gitgrant's README",
        "     (required check, environment \"gitgrant\" for the workflows' secrets); `gitgrant doctor` checks it.",
        `The workflows use ${action}; pin it to a full commit SHA once you have reviewed that release.`,
      ].join("\n"),
    );
  }
  return { code: r.written.length ? EXIT.ok : EXIT.usage, written: r.written, existing: r.existing };
}

export function registerInit(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("init")
    .description(
      "Scaffold a new access repository in DIR (default: here): access/ (an example catalog, policy and identities, or --empty), " +
        ".github/CODEOWNERS, workflows on the gitgrant action pinned to this version, the JSON Schemas, .vscode/settings.json and a README " +
        "for requesters. Refuses to overwrite existing files (it lists them) unless --force.",
    )
    .argument("[dir]", "where to write (created if missing)")
    .option("--empty", "empty catalog and identities and a plain policy instead of the example")
    .option("--force", "overwrite files that exist")
    .option("--org <name>", "the GitHub organisation the config names (teams, targets)", "acme")
    .option("--action <owner/repo@ref>", "the gitgrant action the workflows use (default: this version's release)");
  options
    .format(cmd)
    .action(async (dir: string | undefined, flags: InitFlags) => done((await runInit(dir, flags, io)).code));
}
