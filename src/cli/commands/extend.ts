// gitgrant extend RESOURCE --for 1h: edit your own file on the default branch the same way as
// gitgrant request (an edit is a new request: judged again, its window restarts when it lands).
import type { Command } from "commander";
import type { Io } from "../io.js";
import { requestCommand, runRequest, type RequestFlags } from "./request.js";

export function registerExtend(program: Command, io: Io, done: (code: number) => void): void {
  requestCommand(
    program,
    io,
    "extend",
    "Extend your own access: edits access/requests/<resource>/<you>.yaml on the default branch with a new duration (keeping its reason unless --reason), judged like a new request, on a new branch and pull request like gitgrant request.",
  ).action(async (resource: string, flags: RequestFlags) => done((await runRequest(resource, flags, io, "extend")).code));
}
