// Run the gitgrant command in-process and capture what it prints.
import { main } from "../../src/cli/index.js";

export interface CliRun {
  code: number;
  out: string;
  err: string;
  json<T = unknown>(): T;
}

export async function cli(args: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await main(args, {
    out: (t) => (out += t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => (err += t.endsWith("\n") ? t : `${t}\n`),
    cwd,
    env,
  });
  return { code, out, err, json: () => JSON.parse(out) };
}
