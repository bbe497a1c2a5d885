// gitgrant request RESOURCE --for 2h --reason "...": the request file, judged locally by the
// same core as the app, committed on a new branch, pushed and opened as a pull request (with
// GITHUB_TOKEN), or the compare URL to open it. The verdict printed is the one the app gives.
import type { Command } from "commander";
import { resolve } from "node:path";
import { DurationError, parseDuration } from "../../core/duration.js";
import { defaultBranch, git } from "../../git/write.js";
import { gitHubFromEnv } from "../../github/client.js";
import { RequestInputError, localRequest, type LocalRequestResult } from "../../operations/request-local.js";
import { EXIT, UsageError, parseFormat, parseNow, type Io } from "../io.js";
import { options } from "../options.js";
import { githubFrom } from "../repository.js";

export interface RequestFlags {
  repo: string;
  branch?: string;
  for?: string;
  reason?: string;
  ticket?: string;
  start?: string;
  user?: string;
  remote?: string;
  push?: boolean;
  dryRun?: boolean;
  now?: string;
  format?: string;
  github?: string;
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** Who asks: --user, $GITGRANT_USER, else the user the token belongs to (GET /user). */
export async function requesterLogin(flags: { user?: string }, io: Io): Promise<string> {
  const given = flags.user ?? io.env.GITGRANT_USER;
  if (given) {
    if (!LOGIN.test(given)) throw new UsageError(`"${given}" is not a GitHub login`);
    return given;
  }
  const api = await gitHubFromEnv(io.env).catch(() => null);
  if (api) {
    try {
      const { data } = await api.rest.users.getAuthenticated();
      if (data.login) return data.login;
    } catch {
      // An App's installation token has no user: fall through to the usage error.
    }
  }
  throw new UsageError("say who you are with --user LOGIN (or GITGRANT_USER), or set GITHUB_TOKEN to a token of yours");
}

export async function runRequest(resource: string, flags: RequestFlags, io: Io, mode: "request" | "extend"): Promise<{ code: number; result: LocalRequestResult }> {
  const format = parseFormat(flags.format);
  const now = parseNow(flags.now);
  if (!flags.for) throw new UsageError("--for is required: how long, e.g. 2h");
  try {
    parseDuration(flags.for);
  } catch (e) {
    if (e instanceof DurationError) throw new UsageError(`--for: ${e.message}`);
    throw e;
  }
  const startsAt = flags.start ? parseNow(flags.start) : undefined;
  const dir = resolve(io.cwd, flags.repo);
  const login = await requesterLogin(flags, io);
  const branch = flags.branch ?? (await defaultBranch(dir));
  const remote = flags.push === false ? null : (flags.remote ?? ((await git(dir, ["remote"], { allowFailure: true })).stdout.split("\n").includes("origin") ? "origin" : null));
  const target = remote ? await githubFrom(io, { github: flags.github }) : null;
  let result: LocalRequestResult;
  try {
    result = await localRequest({ dir, branch, login, resource, duration: flags.for, reason: flags.reason, ticket: flags.ticket, startsAt, now, mode, remote, github: target, dryRun: flags.dryRun });
  } catch (e) {
    if (e instanceof RequestInputError) throw new UsageError(e.message);
    throw e;
  }
  if (format === "json") io.out(JSON.stringify(result, null, 2));
  else io.out(render(result, mode));
  for (const p of result.problems) io.err(`error: ${p}`);
  return { code: result.ok && !result.problems.length ? EXIT.ok : EXIT.findings, result };
}

/** The verdict as the app will give it, then where the request went. */
export function render(r: LocalRequestResult, mode: "request" | "extend"): string {
  const v = r.verdict;
  const out = [`${mode === "extend" ? "Extend" : "Request"} ${v.resource} for ${v.requester}: ${r.path}`, ""];
  if (!r.ok) {
    out.push("Refused, nothing was committed:");
    for (const e of v.errors) out.push(`  - ${e.message}`);
    return out.join("\n");
  }
  const needs = v.approvals_required ? `waits for ${v.approvals_required} approval${v.approvals_required > 1 ? "s" : ""} from ${v.approvers.join(" or ")}` : "is self-service: the app merges it at once";
  out.push(`Verdict: tier ${v.tier}; ${needs}.`);
  if (v.expires_at) out.push(`If merged now it would last until ${v.expires_at.replace(".000Z", "Z")} (the window starts when it lands).`);
  for (const reason of v.reasons) out.push(`  - ${reason}`);
  out.push("");
  if (!r.branch) out.push("Dry run: nothing was committed.");
  else if (r.pr) out.push(`Opened pull request #${r.pr.number}: ${r.pr.url}`);
  else if (r.compareUrl) out.push(`Pushed ${r.branch}. Open the pull request: ${r.compareUrl}`);
  else if (r.pushed) out.push(`Pushed ${r.branch}; open a pull request from it.`);
  else out.push(`Committed on the local branch ${r.branch} (${r.commit!.slice(0, 7)}); push it and open a pull request.`);
  return out.join("\n");
}

export function requestCommand(program: Command, io: Io, name: "request" | "extend", description: string): Command {
  const cmd = program
    .command(name)
    .description(description)
    .argument("<resource>", "the resource id (gitgrant resources lists them)")
    .option("--for <duration>", name === "extend" ? "the new length, from when the edit lands (e.g. 1h)" : "how long, from when it is granted (e.g. 2h)")
    .option("--reason <text>", name === "extend" ? "a new reason (default: the one in your file)" : "why you need it, in a sentence")
    .option("--ticket <ref>", "a ticket or incident reference")
    .option("--start <time>", "start later (ISO 8601): becomes starts_at")
    .option("--remote <name>", "the remote to push to (default origin, when there is one)")
    .option("--no-push", "commit on a local branch only")
    .option("--dry-run", "judge it and print the verdict; commit nothing");
  options.requester(cmd);
  options.github(options.format(options.now(options.branch(options.repo(cmd, io)), "judge as at this time (ISO 8601), default now")), { github: "open the pull request on this repository (default $GITHUB_REPOSITORY; needs GITHUB_TOKEN)" });
  return cmd;
}

export function registerRequest(program: Command, io: Io, done: (code: number) => void): void {
  requestCommand(
    program,
    io,
    "request",
    "Ask for access: writes access/requests/<resource>/<you>.yaml, judges it with the same rules as the app (printing its verdict), commits it on a new branch, pushes it and opens the pull request (GITHUB_TOKEN), or prints the URL to open it.",
  ).action(async (resource: string, flags: RequestFlags) => done((await runRequest(resource, flags, io, "request")).code));
}
