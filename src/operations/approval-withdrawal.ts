// Approval withdrawal: a code owner who approved a merged request takes the approval back
// (`/gitgrant revoke [reason]` on its pull request), and each file of it they own, still on
// the default branch as that pull request left it, gets a revoke change with
// Revoke-reason: approval-withdrawn. Like every rule, ownership is read from CODEOWNERS on
// the base (the default branch now, which the revoke targets), never from the request.
import { REQUESTS_DIR } from "../core/config.js";
import { isOwner, ownersOf } from "../core/codeowners.js";
import { eventCommitMessage, eventPrBody, eventTitle } from "../core/event-texts.js";
import { classifyPath } from "../core/paths.js";
import { revokeBranch } from "../core/revoke-texts.js";
import { loadConfigAt } from "../git/load.js";
import type { Repository } from "../git/types.js";
import { PROVIDER_RULES } from "../providers/index.js";
import type { EventOutcome } from "./event-revokes.js";
import { changeOutcome } from "./revoke.js";

export interface Withdrawal {
  repo: Repository;
  /** The default branch: the files are revoked there, and CODEOWNERS is read there. */
  branch: string;
  pull: {
    number: number;
    /** The commit the pull request landed as. */
    mergeSha: string;
    /** Request files the pull request added or changed. */
    files: string[];
    /** Lower-cased logins whose latest review of it is an approval. */
    approvers: ReadonlySet<string>;
  };
  commenter: string;
  /** Whether a login is in a team ("org/slug"), asked only for owner entries that are teams. */
  memberOf: (login: string, team: string) => Promise<boolean>;
  /** Their words after `/gitgrant revoke`, if any. */
  note?: string;
  dryRun?: boolean;
}

export interface Refusal {
  path: string;
  why: string;
}

/** The revoke changes opened, and the files the commenter may not withdraw, each with why. */
export async function withdrawApproval(w: Withdrawal): Promise<{ revokes: EventOutcome[]; refused: Refusal[] }> {
  const { read } = w.repo;
  const who = w.commenter.toLowerCase();
  const files = w.pull.files.filter((p) => classifyPath(p).kind === "request");
  if (!files.length) return { revokes: [], refused: [{ path: `#${w.pull.number}`, why: `#${w.pull.number} granted no request file` }] };
  if (!w.pull.approvers.has(who)) {
    return { revokes: [], refused: files.map((path) => ({ path, why: `${w.commenter} did not approve #${w.pull.number} (their latest review is not an approval), so there is no approval of theirs to withdraw` })) };
  }
  const sha = await read.resolve(w.branch);
  const [config, blobs] = await Promise.all([loadConfigAt(read, sha, PROVIDER_RULES), read.listBlobs(sha, REQUESTS_DIR)]);
  const onBranch = new Map(blobs.map((b) => [b.path, b.sha]));
  const revokes: EventOutcome[] = [];
  const refused: Refusal[] = [];
  const membership = new Map<string, Promise<boolean>>();
  let baseTree: Promise<string> | undefined;
  for (const path of files) {
    const blob = onBranch.get(path);
    if (!blob) {
      refused.push({ path, why: `${path} is no longer on ${w.branch}: nothing to revoke` });
      continue;
    }
    // A later request for the same file was judged and approved on its own; this approval is not about it.
    const [now, then] = await Promise.all([read.readFile(sha, path), read.readFile(w.pull.mergeSha, path)]);
    if (now !== then) {
      refused.push({ path, why: `${path} has changed on ${w.branch} since #${w.pull.number} (a later request), so #${w.pull.number}'s approval no longer stands behind it` });
      continue;
    }
    const { owners } = ownersOf(config.codeowners, path);
    const teams: string[] = [];
    for (const team of owners.filter((o) => o.startsWith("@") && o.includes("/")).map((o) => o.slice(1).toLowerCase())) {
      if (!membership.has(team)) membership.set(team, w.memberOf(who, team));
      if (await membership.get(team)!) teams.push(team);
    }
    if (!isOwner(owners, who, teams)) {
      refused.push({ path, why: `${w.commenter} is not a code owner of ${path} on ${w.branch} (${owners.length ? `owners: ${owners.join(" ")}` : "no code owner"})` });
      continue;
    }
    baseTree ??= read.treeId(sha);
    const e = { path, reason: "approval-withdrawn" as const, why: `${w.commenter} withdrew their approval of #${w.pull.number}${w.note ? `: ${w.note}` : "."}` };
    const r = await w.repo.write
      .ensureRevoke({
        base: w.branch,
        baseSha: sha,
        baseTree: await baseTree,
        branch: revokeBranch(path),
        files: [{ path, blob }],
        message: eventCommitMessage(e),
        title: eventTitle(e),
        body: eventPrBody(e),
        refresh: "if-stale",
        dryRun: w.dryRun,
      })
      .then(changeOutcome)
      .catch((err: Error) => ({ status: "failed" as const, detail: `could not revoke: ${err.message}` }));
    revokes.push({ path, event: "approval-withdrawn", reason: "approval-withdrawn", ...r });
  }
  return { revokes, refused };
}

/** `/gitgrant revoke` or `/gitgrant revoke <reason>` as the first line of a comment; null otherwise. */
export function parseRevokeCommand(body: string): { note?: string } | null {
  const first = body.trimStart().split(/\r?\n/, 1)[0] ?? "";
  const m = /^\/gitgrant[ \t]+revoke(?:[ \t]+(.*))?$/i.exec(first.trimEnd());
  if (!m) return null;
  const note = m[1]?.trim();
  return note ? { note: note.slice(0, 500) } : {};
}
