// The demo's throw-away access repository: a copy of this package's own example
// organisation (access/ config, CODEOWNERS, schemas) in a fresh git repo, and the few git
// steps a person and the app would take (a branch with a request, a squash merge).
// Every git call carries its own identity and date, so the demo runs on a machine with no
// git identity and tells a story whose times are the demo's, not the wall clock's.
import { cp, mkdir, mkdtemp, readdir, realpath, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CODEOWNERS_LOCATIONS } from "../core/codeowners.js";
import { CONFIG_FILES } from "../core/config.js";
import { git } from "../git/write.js";
import { PACKAGE_ROOT } from "./package-root.js";
import { scaffoldFiles } from "./scaffold.js";

export { PACKAGE_ROOT };

const RULES: string[] = [...Object.values(CONFIG_FILES), CODEOWNERS_LOCATIONS[0]];

/**
 * The rules the demo starts from: the access repository at `source`, or, for the npm
 * package (which ships no access/ folder of its own), the example `gitgrant init` writes.
 */
async function copyRules(source: string, dir: string): Promise<void> {
  const hasOwn = await stat(join(source, CONFIG_FILES.catalog)).then(() => true, () => false);
  if (hasOwn) {
    for (const file of RULES) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await cp(join(source, file), join(dir, file));
    }
    return;
  }
  const files = await scaffoldFiles({ org: "acme", action: "gitgrant/gitgrant@demo", version: "demo", source: PACKAGE_ROOT });
  for (const f of files.filter((x) => RULES.includes(x.path))) {
    await mkdir(dirname(join(dir, f.path)), { recursive: true });
    await writeFile(join(dir, f.path), f.text, "utf8");
  }
}

export interface DemoRepo {
  dir: string;
  /** Ledger of the local provider, outside the work tree. */
  ledgerPath: string;
  /** Environment for git: who and when (`at`), and no signing whatever the user's config says. */
  env(who: string, at: Date): NodeJS.ProcessEnv;
  run(args: string[], who: string, at: Date, input?: string): Promise<string>;
}

export async function createDemoRepo(source = PACKAGE_ROOT): Promise<DemoRepo> {
  const root = await realpath(await mkdtemp(join(tmpdir(), "gitgrant-demo-")));
  const dir = join(root, "access-repo");
  await mkdir(dir, { recursive: true });
  await copyRules(source, dir);
  const schemas = (await readdir(join(source, "schemas"))).filter((f) => f.endsWith(".json"));
  await mkdir(join(dir, "schemas"), { recursive: true });
  for (const f of schemas) await cp(join(source, "schemas", f), join(dir, "schemas", f));

  const env = (who: string, at: Date): NodeJS.ProcessEnv => {
    const date = `${Math.floor(at.getTime() / 1000)} +0000`;
    const email = `${who.replace(/[^A-Za-z0-9-]/g, "")}@users.noreply.github.com`;
    return {
      GIT_AUTHOR_NAME: who,
      GIT_AUTHOR_EMAIL: email,
      GIT_COMMITTER_NAME: who,
      GIT_COMMITTER_EMAIL: email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "commit.gpgsign",
      GIT_CONFIG_VALUE_0: "false",
    };
  };
  const run = async (args: string[], who: string, at: Date, input?: string) => {
    if (input === undefined) return (await git(dir, args, { env: env(who, at) })).stdout;
    // A commit message with trailers goes in through a file, never through a shell.
    const file = join(root, "message.txt");
    await writeFile(file, input, "utf8");
    return (await git(dir, [...args, "-F", file], { env: env(who, at) })).stdout;
  };
  await run(["init", "--quiet", "--initial-branch=main"], "gitgrant", new Date(0));
  return { dir, ledgerPath: join(root, "ledger.json"), env, run };
}

/** The folder to remove when the demo is done (the repo's parent, ledger included). */
export function demoRoot(repo: DemoRepo): string {
  return dirname(repo.dir);
}
