// Judge a whole change (a PR, or base..head on a clone): one verdict per file and one for
// the change. The app and `gitgrant check` both call this; they differ only in where the
// texts and signals come from.
import { judgeApprovals, type ApprovalInput } from "./approvals.js";
import { ownersOf } from "./codeowners.js";
import type { AccessConfig } from "./config.js";
import { buildContext, type Signals } from "./context.js";
import { decideTier } from "./decide.js";
import { classifyPath, isConfigPath } from "./paths.js";
import { checkRequest } from "./request.js";
import { isoSeconds } from "./time.js";
import { REGULAR_MODES, modeWords, type ChangeKind, type FileError } from "./types.js";
import { ACCESS_DIR } from "./config.js";

export { isoSeconds };

export const MAX_FILES_PER_CHANGE = 3000;

export interface ChangedFile {
  path: string;
  change: ChangeKind;
  /** The git mode at head, when known (see FileChange.mode). */
  mode?: string;
  /** Text at head; null for a deleted file. */
  text: string | null;
}

export interface EvaluateInput {
  config: AccessConfig;
  changes: ChangedFile[];
  /**
   * The PR author (or --author); logins compare case-insensitively. Absent (local
   * validation of files at rest): each request is judged as its requester's own.
   */
  author?: string;
  now: Date;
  signals?: Signals;
  /** Request files on the base branch, to count each person's active grants. */
  baseRequestFiles?: string[];
  /** The app's own revoke PR (sweep, bulk revoke): deletions are self-service. */
  revokePr?: boolean;
  /** GitHub lists at most 3,000 files of a PR; validation of files at rest passes Infinity. */
  maxFiles?: number;
  /** Reviews so far; without them no approval is counted. */
  approvals?: ApprovalInput;
}

export interface FileVerdict {
  path: string;
  change: ChangeKind;
  kind: "request" | "config" | "other";
  valid: boolean;
  errors: FileError[];
  tier: string | null;
  approvals_required: number;
  approvers: string[];
  approved_by: string[];
  requester: string | null;
  resource: string | null;
  expires_at: string | null;
  break_glass: boolean;
  reasons: string[];
}

export interface CheckResult {
  ok: boolean;
  /** True when the app may merge now without any human (every file self-service). */
  auto_merge: boolean;
  /** True when every file is valid and its approvals are met (the app merges). */
  approved: boolean;
  reasons: string[];
  files: FileVerdict[];
}

export function evaluateChange(input: EvaluateInput): CheckResult {
  const { config } = input;
  const reasons: string[] = [];
  const maxFiles = input.maxFiles ?? MAX_FILES_PER_CHANGE;
  if (input.changes.length > maxFiles) {
    return {
      ok: false,
      auto_merge: false,
      approved: false,
      reasons: [`This change touches ${input.changes.length} files; gitgrant judges at most ${maxFiles}. Split it into smaller pull requests.`],
      files: [],
    };
  }
  const configBroken = config.problems.length > 0;
  if (configBroken) {
    reasons.push(`The access configuration on the base branch is broken, so every request is refused until it is fixed:`);
    for (const p of config.problems) reasons.push(`${p.path}${p.line ? `:${p.line}:${p.column ?? 1}` : ""}: ${p.message}`);
  }
  const activeByLogin = new Map<string, number>();
  const onBase = new Set(input.baseRequestFiles ?? []);
  for (const f of onBase) {
    // Only the login matters here: .../<resource>/<login>.yaml
    const m = /^access\/requests\/[^/]+\/([^/]+)\.yaml$/.exec(f);
    if (m) {
      const login = m[1]!.toLowerCase();
      activeByLogin.set(login, (activeByLogin.get(login) ?? 0) + 1);
    }
  }

  const twins = caseTwins(onBase, input.changes);
  const files = input.changes.map((change) => {
    try {
      const v = judgeFile(input, change, configBroken, activeByLogin, onBase);
      const others = change.change === "deleted" ? undefined : twins.get(change.path);
      if (others) {
        v.errors.push({
          message: `${others.join(" and ")} is also a request for the same person and resource (logins and folders compare case-insensitively); keep one file per person and resource.`,
          line: 1,
          column: 1,
        });
        v.valid = false;
      }
      return v;
    } catch (e) {
      // One file's surprise must not hide the verdict on the others; fail this one closed.
      return { ...blank(change, "request"), errors: [{ message: `gitgrant could not judge this file: ${(e as Error).message}` }] };
    }
  });

  const ok = !configBroken && files.every((f) => f.valid);
  const onlyRequests = files.length > 0 && files.every((f) => f.kind === "request");
  const author = input.author?.toLowerCase();
  const allSelf = files.every((f) => f.approvals_required === 0 && (f.change === "deleted" || author === undefined || f.requester?.toLowerCase() === author));
  const approved = ok && onlyRequests && files.every((f) => f.approvals_required <= f.approved_by.length);
  const auto_merge = ok && onlyRequests && allSelf;

  if (files.length === 0) reasons.push("No files changed.");
  if (!ok && !configBroken) reasons.push(`${files.filter((f) => !f.valid).length} of ${files.length} file(s) are invalid; nothing is merged until every file is valid.`);
  const others = files.filter((f) => f.kind !== "request");
  if (others.length) reasons.push(`Changes files that are not access requests (${others.map((f) => f.path).join(", ")}): they need normal review and the app never merges them.`);
  if (auto_merge) reasons.push("Every file is self-service: merged at once.");
  else if (approved) reasons.push("Every file has the approvals its tier needs.");
  else if (ok && onlyRequests) reasons.push("Waiting for code-owner approval.");
  return { ok, auto_merge, approved, reasons, files };
}

const REQUEST_FILE = /^access\/requests\/([^/]+)\/([^/]+)\.yaml$/i;

/**
 * For each request path the change adds or edits, the other paths that name the same person
 * and resource up to case (bob.yaml beside BOB.yaml) on the branch after the merge.
 */
function caseTwins(onBase: Set<string>, changes: ChangedFile[]): Map<string, string[]> {
  const after = new Set(onBase);
  for (const c of changes) {
    if (c.change === "deleted") after.delete(c.path);
    else after.add(c.path);
  }
  const byKey = new Map<string, string[]>();
  for (const path of after) {
    const m = REQUEST_FILE.exec(path);
    if (!m) continue;
    const key = `${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}`;
    const list = byKey.get(key);
    if (list) list.push(path);
    else byKey.set(key, [path]);
  }
  const twins = new Map<string, string[]>();
  for (const c of changes) {
    if (c.change === "deleted") continue;
    const m = REQUEST_FILE.exec(c.path);
    const same = m ? byKey.get(`${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}`) : undefined;
    if (same && same.length > 1) twins.set(c.path, same.filter((p) => p !== c.path).sort());
  }
  return twins;
}

function blank(change: ChangedFile, kind: FileVerdict["kind"]): FileVerdict {
  return {
    path: change.path,
    change: change.change,
    kind,
    valid: false,
    errors: [],
    tier: null,
    approvals_required: 0,
    approvers: [],
    approved_by: [],
    requester: null,
    resource: null,
    expires_at: null,
    break_glass: false,
    reasons: [],
  };
}

function judgeFile(input: EvaluateInput, change: ChangedFile, configBroken: boolean, activeByLogin: Map<string, number>, onBase: Set<string>): FileVerdict {
  const { config } = input;
  const where = classifyPath(change.path);
  if (change.change !== "deleted" && change.mode !== undefined && !REGULAR_MODES.has(change.mode) && change.path.startsWith(`${ACCESS_DIR}/`)) {
    // A link can point anywhere (another person's file, outside the repository) and a
    // submodule holds anything: gitgrant judges only what is written here, as it is written.
    const v = blank(change, where.kind === "other" ? "config" : "request");
    v.errors.push({ message: `${change.path} is ${modeWords(change.mode)}; only regular files are allowed under ${ACCESS_DIR}/.` });
    v.approvers = ownersOf(config.codeowners, change.path).owners;
    return v;
  }
  if (where.kind === "other") {
    const v = blank(change, isConfigPath(change.path) ? "config" : "other");
    v.valid = true;
    v.reasons.push(`${change.path} is not an access request; it needs normal review and is never merged by the app`);
    v.approvers = ownersOf(config.codeowners, change.path).owners;
    return v;
  }
  const v = blank(change, "request");
  if (where.kind === "bad-request-path") {
    if (change.change === "deleted") {
      v.valid = true;
      v.reasons.push("removes a file that is not a request");
      v.approvals_required = 1;
      v.approvers = ownersOf(config.codeowners, change.path).owners;
      return finishApprovals(input, v);
    }
    v.errors.push({ message: where.message, line: 1, column: 1 });
    return v;
  }
  const { parsed: p } = where;
  v.requester = p.loginAsWritten;
  v.resource = p.resourceId;
  v.approvers = ownersOf(config.codeowners, change.path).owners;
  if (configBroken) {
    v.errors.push({ message: "The access configuration on the base branch is broken (see the summary); no request can be judged until it is fixed." });
    return v;
  }

  if (change.change === "deleted") {
    const own = input.author === undefined || p.login === input.author.toLowerCase();
    v.valid = true;
    v.tier = "revoke";
    if (input.revokePr) {
      v.reasons.push("gitgrant's own revoke: always self-service");
    } else if (own) {
      v.reasons.push(`${p.loginAsWritten} gives up their own access: always self-service`);
    } else {
      v.approvals_required = 1;
      v.reasons.push(`removes ${p.loginAsWritten}'s access on behalf of someone else: needs 1 code-owner approval`);
    }
    return finishApprovals(input, v);
  }

  const checked = checkRequest(config, p, change.text ?? "", input.now);
  v.errors.push(...checked.errors);
  if (checked.expiresAt) v.expires_at = isoSeconds(checked.expiresAt);
  if (checked.request && checked.resource && checked.durationMs !== null) {
    const ctx = buildContext({
      login: p.login,
      author: input.author ?? p.login,
      resource: checked.resource,
      durationMs: checked.durationMs,
      ticket: checked.request.ticket ?? checked.request.incident,
      breakGlass: checked.request.break_glass === true,
      change: change.change,
      now: input.now,
      settings: config.policy.settings,
      signals: input.signals ?? {},
      // Other grants the person holds; a file being edited is not counted against itself.
      activeGrants: (activeByLogin.get(p.login) ?? 0) - (onBase.has(change.path) ? 1 : 0),
    }, config.context);
    const at = (field: string) => checked.parsed?.locate([field]) ?? { line: 1, column: 1 };
    const startsInMs = checked.startsAt ? Math.max(0, checked.startsAt.getTime() - input.now.getTime()) : 0;
    const decision = decideTier(config, checked.resource, checked.request, checked.durationMs, ctx, at, startsInMs);
    v.errors.push(...decision.errors);
    v.tier = decision.tier?.name ?? null;
    v.approvals_required = decision.approvalsRequired;
    v.break_glass = decision.breakGlass;
    v.reasons.push(...decision.reasons);
    if (change.change === "modified") v.reasons.unshift("edits an existing request: judged again as a new one, and the window restarts when it lands");
  }
  if (v.approvals_required > 0 && v.approvers.length === 0) {
    v.errors.push({ message: `Nobody owns ${change.path} in CODEOWNERS, so nobody can approve it; the security team must add an owner for access/requests/${p.resourceId}/.` });
  }
  v.valid = v.errors.length === 0;
  return finishApprovals(input, v);
}

function finishApprovals(input: EvaluateInput, v: FileVerdict): FileVerdict {
  if (v.approvals_required === 0 || !input.approvals) return v;
  const judged = judgeApprovals(input.approvals, {
    requester: v.requester ?? "",
    owners: v.approvers,
    required: v.approvals_required,
    path: v.path,
  });
  v.approved_by = judged.blockedBy.length ? [] : judged.approvedBy;
  v.reasons.push(...judged.notes);
  if (judged.blockedBy.length) v.reasons.push(`changes requested by ${judged.blockedBy.join(", ")}: blocked until they approve or their review is dismissed`);
  else if (!judged.satisfied) v.reasons.push(`${judged.approvedBy.length} of ${v.approvals_required} approval(s) so far; still needed from ${v.approvers.join(", ")}`);
  else v.reasons.push(`approved by ${judged.approvedBy.join(", ")}`);
  return v;
}

