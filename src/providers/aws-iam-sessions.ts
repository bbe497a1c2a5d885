// Ending live AWS role sessions, the pure part: the deny gitgrant keeps on a role (one inline
// policy, one statement per grantee and resource) and the trust-policy check it depends on.
//
// A role session is not revocable as such; what AWS documents ("Revoke IAM role temporary
// security credentials") is a deny on the role for tokens issued before a time
// (aws:TokenIssueTime), evaluated on every request the session makes. The console's version
// denies everyone's sessions; gitgrant's is keyed on the session's source identity as well
// (aws:SourceIdentity, which the grant makes every gitgrant session carry, and which AWS keeps
// unchanged for the whole session and across role chaining), so other people's sessions on a
// shared role survive.
//
// Two forms of one grantee's statement:
// - at expiry (written by the grant, before the user policy that allows AssumeRole): deny
//   every session of source identity X issued before the expiry, from the expiry on
//   (aws:CurrentTime), so AWS itself ends them at the second, as it refuses new ones;
// - now (written by an early revoke): deny every session of X issued before the cutoff, at
//   once; the cutoff is a little after the revoke so that a session opened while the user
//   policy's deletion propagates is caught too.
import { createHash } from "node:crypto";
import { isoSeconds } from "../core/time.js";

/** The role inline policy gitgrant owns; nothing else is written to the role. */
export const SESSIONS_POLICY = "gitgrant-end-sessions";
/** IAM's limit on all inline policies of one role together, white space not counted. */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;
/** The longest session AssumeRole can issue (MaxSessionDuration is at most 12 h). A statement
 *  whose cutoff is older than this can deny nothing that still exists, so it is pruned. The
 *  role's current MaxSessionDuration is not used: it may have been lowered after a longer
 *  session was issued. */
export const LONGEST_SESSION_MS = 12 * 3600_000;
/** How long after an early revoke sessions are still denied: IAM changes take effect
 *  "within a few minutes", and until the user policy's deletion has, AssumeRole may succeed. */
export const DEFAULT_REVOKE_MARGIN_MS = 5 * 60_000;

export interface SessionStatement {
  Sid: string;
  Effect: "Deny";
  Action: "*";
  Resource: "*";
  Condition: {
    StringEquals: { "aws:SourceIdentity": string };
    DateLessThan: { "aws:TokenIssueTime": string };
    DateGreaterThanEquals?: { "aws:CurrentTime": string };
  };
}

/** One grantee's statement as gitgrant reads it back. */
export type SessionDeny =
  | { form: "at-expiry"; sourceIdentity: string; expiresAt: Date }
  | { form: "now"; sourceIdentity: string; cutoff: Date };

export const policySize = (document: string) => document.replace(/\s/g, "").length;

/** The statement id for one grant: readable where IAM allows (letters and digits only), and
 *  hashed so that "prod-db"/"proddb" or two principals never share one. */
export function sessionSid(resourceId: string, principal: string): string {
  const alnum = (s: string) => s.replace(/[^A-Za-z0-9]/g, "");
  const hash = createHash("sha256").update(`${resourceId}\u0000${principal.toLowerCase()}`).digest("hex").slice(0, 10);
  return `Gitgrant${alnum(resourceId).slice(0, 24)}${alnum(principal.toLowerCase()).slice(0, 24)}${hash}`;
}

export function sessionStatement(sid: string, deny: SessionDeny): SessionStatement {
  const statement: SessionStatement = {
    Sid: sid,
    Effect: "Deny",
    Action: "*",
    Resource: "*",
    Condition: {
      StringEquals: { "aws:SourceIdentity": deny.sourceIdentity },
      DateLessThan: { "aws:TokenIssueTime": isoSeconds(deny.form === "at-expiry" ? deny.expiresAt : deny.cutoff) },
    },
  };
  if (deny.form === "at-expiry") statement.Condition.DateGreaterThanEquals = { "aws:CurrentTime": isoSeconds(deny.expiresAt) };
  return statement;
}

function readDeny(statement: unknown): SessionDeny | undefined {
  const s = statement as Partial<SessionStatement> | null;
  const identity = s?.Condition?.StringEquals?.["aws:SourceIdentity"];
  const issued = s?.Condition?.DateLessThan?.["aws:TokenIssueTime"];
  if (s?.Effect !== "Deny" || typeof identity !== "string" || typeof issued !== "string" || Number.isNaN(Date.parse(issued))) return undefined;
  const from = s.Condition?.DateGreaterThanEquals?.["aws:CurrentTime"];
  if (typeof from === "string") return { form: "at-expiry", sourceIdentity: identity, expiresAt: new Date(issued) };
  return { form: "now", sourceIdentity: identity, cutoff: new Date(issued) };
}

/** The statements of gitgrant's role policy (IAM returns documents URL-encoded). */
export function parseSessionsPolicy(document: string | undefined): unknown[] {
  if (!document) return [];
  try {
    const parsed = JSON.parse(decodeURIComponent(document)) as { Statement?: unknown };
    if (Array.isArray(parsed.Statement)) return parsed.Statement;
    return parsed.Statement ? [parsed.Statement] : [];
  } catch {
    return [];
  }
}

/** The grantee's statement in the policy, if there is one. */
export function findDeny(statements: unknown[], sid: string): SessionDeny | undefined {
  const own = statements.find((s) => (s as { Sid?: unknown } | null)?.Sid === sid);
  return own === undefined ? undefined : readDeny(own);
}

/** The newest token time a statement still denies: past it plus the longest session, it is inert. */
const cutoffOf = (deny: SessionDeny) => (deny.form === "at-expiry" ? deny.expiresAt : deny.cutoff);

/**
 * The policy with `sid` set to `wanted` (or left out when undefined), every statement of
 * gitgrant's that can no longer deny a live session dropped, in Sid order so the same state
 * always gives the same document. Statements gitgrant cannot read are kept: it never drops
 * what it does not understand.
 */
export function mergeSessions(statements: unknown[], sid: string, wanted: SessionDeny | undefined, now: Date): { document: string; statements: number; pruned: number } {
  let pruned = 0;
  const kept = statements.filter((s) => {
    if ((s as { Sid?: unknown } | null)?.Sid === sid) return false;
    const deny = readDeny(s);
    if (deny && cutoffOf(deny).getTime() + LONGEST_SESSION_MS <= now.getTime()) {
      pruned++;
      return false;
    }
    return true;
  });
  if (wanted) kept.push(sessionStatement(sid, wanted));
  kept.sort((a, b) => {
    const x = String((a as { Sid?: unknown }).Sid ?? "");
    const y = String((b as { Sid?: unknown }).Sid ?? "");
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { document: JSON.stringify({ Version: "2012-10-17", Statement: kept }), statements: kept.length, pruned };
}

const sameTime = (a: Date, b: Date) => isoSeconds(a) === isoSeconds(b);
export function sameDeny(a: SessionDeny | undefined, b: SessionDeny | undefined): boolean {
  if (!a || !b) return a === b;
  return a.form === b.form && a.sourceIdentity === b.sourceIdentity && sameTime(cutoffOf(a), cutoffOf(b));
}

/**
 * What an early or expiry revoke leaves on the role for this grantee, or undefined to leave
 * it as it is. `allowLive`: gitgrant's user policy is still there, so AssumeRole may still
 * succeed until its deletion takes effect.
 */
export function revokeDeny(existing: SessionDeny | undefined, sourceIdentity: string, allowLive: boolean, now: Date, marginMs: number): SessionDeny | undefined {
  // After the expiry the at-expiry statement already denies every session gitgrant allowed,
  // and aws:CurrentTime stops new ones without any propagation delay.
  if (existing?.form === "at-expiry" && existing.expiresAt.getTime() <= now.getTime()) return undefined;
  // An earlier revoke finished: nothing of gitgrant's can issue a session since.
  if (existing?.form === "now" && !allowLive) return undefined;
  // Nothing to end: no statement and nothing allowing sessions (never granted here, or
  // ended more than a session's lifetime ago and pruned).
  if (!existing && !allowLive) return undefined;
  const wanted = new Date(now.getTime() + marginMs);
  const cutoff = existing?.form === "now" && existing.cutoff > wanted ? existing.cutoff : wanted;
  return { form: "now", sourceIdentity, cutoff };
}

// IAM's wildcards in Action: * any run of characters, ? one; service and action names ignore case.
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(action);
}
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

/**
 * Whether a role's trust policy lets anyone set a source identity when assuming it. Without
 * an Allow for sts:SetSourceIdentity, AssumeRole with a SourceIdentity fails, and the grant
 * (which requires one) would be unusable. Principals and conditions are not judged here: the
 * trust policy already decides who may assume the role at all.
 */
export function trustAllowsSourceIdentity(trustDocument: string | undefined): boolean {
  if (!trustDocument) return false;
  let statements: unknown[];
  try {
    const parsed = JSON.parse(decodeURIComponent(trustDocument)) as { Statement?: unknown };
    statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  } catch {
    return false;
  }
  const wanted = "sts:SetSourceIdentity";
  return statements.some((raw) => {
    const s = raw as { Effect?: unknown; Action?: unknown; NotAction?: unknown } | null;
    if (s?.Effect !== "Allow") return false;
    if (s.Action !== undefined) return list(s.Action).some((p) => actionMatches(p, wanted));
    return s.NotAction !== undefined && !list(s.NotAction).some((p) => actionMatches(p, wanted));
  });
}

/** The statement a trust policy needs, for error messages and the README. */
export function trustStatementHint(partition: string, account: string): string {
  return `{"Effect":"Allow","Principal":{"AWS":"arn:${partition}:iam::${account}:root"},"Action":["sts:AssumeRole","sts:SetSourceIdentity"]}`;
}
