// gitgrant status [--user LOGIN]: what you have (active, pending a starts_at) with the time
// left, and what you asked for in open pull requests (on GitHub, with a token).
import type { Command } from "commander";
import { resolve } from "node:path";
import { defaultBranch } from "../../git/write.js";
import { STATUS_HEADERS, accessStatus, noAccessText, statusCells, type StatusReport } from "../../operations/status.js";
import { EXIT, parseFormat, parseNow, table, type Io } from "../io.js";
import { options } from "../options.js";
import { repositoryFor } from "../repository.js";
import { requesterLogin } from "./request.js";

interface StatusFlags {
  repo: string;
  branch?: string;
  user?: string;
  now?: string;
  format?: string;
  github?: string;
  local?: boolean;
}

export async function runStatus(flags: StatusFlags, io: Io): Promise<{ code: number; report: StatusReport }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  const dir = resolve(io.cwd, flags.repo);
  const login = await requesterLogin(flags, io);
  const { repo } = await repositoryFor(io, flags, dir);
  const report = await accessStatus({ read: repo.read, write: repo.write, ref: flags.branch ?? (await defaultBranch(dir)), login, now });
  if (format === "json") io.out(JSON.stringify(report, null, 2));
  else {
    io.out(report.rows.length ? table(STATUS_HEADERS, report.rows.map(statusCells)) : noAccessText(login));
    if (!report.requestsListed) io.out("(open pull requests are listed with GITHUB_TOKEN and GITHUB_REPOSITORY or --github)");
  }
  for (const u of report.unreadable) io.err(`warning: ${u.path}: ${u.reason}`);
  return { code: EXIT.ok, report };
}

export function registerStatus(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program.command("status").description("What do I have: active and pending access with the time left, and requests in open pull requests (on GitHub), as a table or JSON.");
  options.requester(cmd, "whose access (default $GITGRANT_USER, else the user of GITHUB_TOKEN)");
  options
    .github(options.format(options.now(options.branch(options.repo(cmd, io)), "as at this time (ISO 8601), default now")), { github: "also list open pull requests on this repository (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)", local: "read the clone only, even when a GitHub token is set" })
    .action(async (flags: StatusFlags) => done((await runStatus(flags, io)).code));
}
