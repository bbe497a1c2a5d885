// aws-iam's assume-role mode: an inline user policy allowing sts:AssumeRole on the role only
// while aws:CurrentTime is before the expiry, and (unless end_sessions is off) only with the
// grantee as source identity; plus gitgrant's deny on the role (aws-iam-sessions.ts), written
// before the user policy, that ends the grantee's sessions at the expiry or at an early revoke.
// The inline policy's name and content are gitgrant's marker: access the user has through any
// other policy or group is never read as gitgrant's, and never touched.
import {
  DeleteUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetUserPolicyCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { formatDuration } from "../core/duration.js";
import { isoSeconds } from "../core/time.js";
import { kindOf, toProviderError } from "./errors.js";
import { ProviderError, type ExistingGrant, type ProviderOutcome } from "./types.js";
import { SESSIONS_POLICY, findDeny, mergeSessions, policySize, revokeDeny, sameDeny, sessionSid, type SessionDeny } from "./aws-iam-sessions.js";
import { absentIsUndefined, missing, readRole, readSessions, trustProblem, writeSessions, type RoleFacts } from "./aws-iam-role.js";

export type RoleTarget = { mode: "assume-role"; roleArn: string; partition: string; account: string; roleName: string; endSessions: boolean };

/** IAM's own limit on all inline policies of one user together, white space not counted. */
export const USER_INLINE_POLICY_LIMIT = 2048;
/** AWS's bounds on a source identity (2 to 64 of [\w+=,.@-]); an IAM user name can be shorter. */
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

export const STATEMENT_SID = "GitgrantJustInTime";

/** The inline policy's name: derived from the request alone, so revoke needs no state. */
export function policyName(ref: Pick<GrantRef, "login"> & { resource: { id: string } }): string {
  return `gitgrant-${ref.resource.id}-${ref.login.toLowerCase()}`.replace(/[^\w+=,.@-]/g, "-").slice(0, 128);
}

// IAM compares aws:CurrentTime at second precision; dropping the milliseconds can only
// end access earlier, never later.

/** The policy document for an assume-role grant. The start is written only while it is
 *  still ahead (a past start adds nothing and would make every later read differ). With a
 *  `sourceIdentity`, AssumeRole is allowed only when the session is given that source
 *  identity (sts:SetSourceIdentity is needed to set it), which is what the role's deny keys on. */
export function assumeRolePolicy(roleArn: string, startsAt: Date, expiresAt: Date, now: Date, sourceIdentity?: string): string {
  const condition: Record<string, Record<string, string>> = {};
  if (startsAt.getTime() > now.getTime()) condition.DateGreaterThan = { "aws:CurrentTime": isoSeconds(startsAt) };
  condition.DateLessThan = { "aws:CurrentTime": isoSeconds(expiresAt) };
  if (sourceIdentity) condition.StringEquals = { "sts:SourceIdentity": sourceIdentity };
  const action = sourceIdentity ? ["sts:AssumeRole", "sts:SetSourceIdentity"] : "sts:AssumeRole";
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: STATEMENT_SID, Effect: "Allow", Action: action, Resource: roleArn, Condition: condition }],
  });
}

/** What an inline policy written by gitgrant says, or undefined if it is not one of ours. */
export function readGitgrantPolicy(document: string): { roleArn: string; expiresAt?: Date } | undefined {
  try {
    // IAM returns policy documents URL-encoded (RFC 3986).
    const parsed = JSON.parse(decodeURIComponent(document)) as { Statement?: unknown };
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    const ours = statements.find((s) => (s as { Sid?: unknown })?.Sid === STATEMENT_SID) as
      | { Resource?: unknown; Condition?: { DateLessThan?: Record<string, unknown> } }
      | undefined;
    if (!ours || typeof ours.Resource !== "string") return undefined;
    const until = ours.Condition?.DateLessThan?.["aws:CurrentTime"];
    const expiresAt = typeof until === "string" && !Number.isNaN(Date.parse(until)) ? new Date(until) : undefined;
    return { roleArn: ours.Resource, expiresAt };
  } catch {
    return undefined;
  }
}

// Key order is not meaning: compare documents by content.
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
const sameDocument = (a: string, b: string) => {
  try {
    return canonical(JSON.parse(decodeURIComponent(a))) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
};

/** AWS says which is missing: "The user with name bob cannot be found." vs "The user policy with name ...". */
function missingUser(err: unknown, user: string): unknown {
  if (kindOf(err) === "not_found" && /\buser with name\b/i.test((err as Error).message)) {
    return missing(`IAM user ${user} does not exist (${(err as Error).message}); fix identities.yaml`);
  }
  return err;
}

function foreignPolicy(resourceId: string, user: string, name: string): ProviderError {
  return new ProviderError(
    "invalid",
    `${resourceId}: ${user} already has an inline policy named ${name} that gitgrant did not write (it has no ${STATEMENT_SID} statement); ` +
      "gitgrant will not overwrite it. Rename or remove that policy",
  );
}

/** What a revoke says about the grantee's live sessions. */
function revokeSentence(deny: SessionDeny | undefined, user: string, written: boolean): string {
  if (!deny) return "";
  const where = `(role policy ${SESSIONS_POLICY})`;
  if (deny.form === "at-expiry") {
    return `; sessions of source identity ${user} issued before ${isoSeconds(deny.expiresAt)} have been denied every action since then ${where}`;
  }
  const when = written ? "as soon as IAM applies the change, usually within seconds" : "since an earlier revoke";
  return `; sessions of source identity ${user} issued before ${isoSeconds(deny.cutoff)} are denied every action ${where}, ${when}`;
}

/** What the grant says about live sessions: how they end, and what the role's maximum session would otherwise allow. */
function sessionsSentence(target: RoleTarget, role: RoleFacts | undefined, grant: Grant, user: string, at: Date): string {
  const until = isoSeconds(grant.expiresAt);
  if (!target.endSessions || !role) {
    return `; sessions opened before then are not ended (end_sessions is off): each lasts until its own end, up to the role's maximum session duration (1 to 12 h) past ${until}`;
  }
  const maxMs = role.maxSessionSeconds * 1000;
  const windowMs = grant.expiresAt.getTime() - Math.max(grant.startsAt.getTime(), at.getTime());
  const longer = maxMs > windowMs ? `, longer than the ${formatDuration(windowMs)} window` : "";
  return (
    `; every session must carry source identity ${user}, and those opened before ${until} are denied every action from then on ` +
    `by the role policy ${SESSIONS_POLICY} (the role allows sessions of up to ${formatDuration(maxMs)}${longer}: without the deny, ` +
    `one opened just before the end would last until ${isoSeconds(new Date(grant.expiresAt.getTime() + maxMs))})`
  );
}


export interface AssumeRoleContext {
  iam: () => IAMClient;
  now: () => Date;
  /** How long after an early revoke the grantee's sessions are still denied. */
  revokeMarginMs: number;
  /** Re-throws IAM's NoSuchEntity for a user or group as the setup problem it is. */
  entity: <T>(call: () => Promise<T>, what: string) => Promise<T>;
}

/** The calls of one assume-role grant, revoke and list; retries and the credential latch are the caller's. */
export function assumeRoleMode({ iam, now, revokeMarginMs, entity }: AssumeRoleContext) {
  async function grantRole(grant: Grant, user: string, target: RoleTarget): Promise<ProviderOutcome> {
    const { roleArn } = target;
    const name = policyName(grant);
    const at = now();
    const until = isoSeconds(grant.expiresAt);
    let role: RoleFacts | undefined;
    let sessions: unknown[] = [];
    const sid = sessionSid(grant.resource.id, user);
    const wanted: SessionDeny = { form: "at-expiry", sourceIdentity: user, expiresAt: grant.expiresAt };
    if (target.endSessions) {
      if (!SOURCE_IDENTITY.test(user)) {
        throw new ProviderError("invalid", `${grant.resource.id}: ${user} cannot be a source identity (AWS needs 2 to 64 characters), so gitgrant cannot end its sessions; set end_sessions: false on the resource`);
      }
      role = await readRole(iam(), target);
      if (!role.trustAllowsSourceIdentity) throw trustProblem(target, user);
      sessions = await readSessions(iam(), target.roleName);
    }
    const document = assumeRolePolicy(roleArn, grant.startsAt, grant.expiresAt, at, target.endSessions ? user : undefined);
    const existing = await absentIsUndefined(() => iam().send(new GetUserPolicyCommand({ UserName: user, PolicyName: name })));
    if (existing?.PolicyDocument && !readGitgrantPolicy(existing.PolicyDocument)) throw foreignPolicy(grant.resource.id, user, name);
    const policyInPlace = Boolean(existing?.PolicyDocument && sameDocument(existing.PolicyDocument, document));
    const denyInPlace = !target.endSessions || sameDeny(findDeny(sessions, sid), wanted);
    const sessionsNote = sessionsSentence(target, role, grant, user, at);
    if (policyInPlace && denyInPlace) {
      // The policy of this name, with this window, is gitgrant's marker: what is there is its own.
      return { status: "unchanged", detail: `${user} may already assume ${roleArn} until ${until} (policy ${name})${sessionsNote}`, found: "own", principal: user };
    }
    if (!policyInPlace) await checkInlineSize(user, name, document);
    // The deny goes first: no session is allowed that nothing would end.
    if (!denyInPlace) {
      const merged = mergeSessions(sessions, sid, wanted, at);
      await writeSessions(iam(), target.roleName, merged.document, merged.statements);
    }
    if (!policyInPlace) await iam().send(new PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: document }));
    const verb = policyInPlace ? "restored the session deny: " : existing ? "changed " : "allowed ";
    return { status: "granted", detail: `${verb}${user} to assume ${roleArn} until ${until}, enforced by AWS (policy ${name})${sessionsNote}`, principal: user };
  }

  async function revokeRole(ref: GrantRef, user: string, target: RoleTarget): Promise<ProviderOutcome> {
    const name = policyName(ref);
    const at = now();
    const existing = await absentIsUndefined(async () => {
      try {
        return await iam().send(new GetUserPolicyCommand({ UserName: user, PolicyName: name }));
      } catch (err) {
        throw missingUser(err, user);
      }
    });
    // Someone else's policy under gitgrant's name is not gitgrant's to delete, nor are its sessions.
    if (existing?.PolicyDocument && !readGitgrantPolicy(existing.PolicyDocument)) {
      return { status: "kept", detail: `${user}'s inline policy ${name} was not written by gitgrant (it has no ${STATEMENT_SID} statement): left in place, with its sessions`, principal: user };
    }
    let sessionsNote = target.endSessions ? "" : "; sessions already opened last until their own end (end_sessions is off)";
    let sessionsFailure: ProviderError | undefined;
    let denyWritten = false;
    if (target.endSessions) {
      try {
        await readRole(iam(), target);
        const sid = sessionSid(ref.resource.id, user);
        const sessions = await readSessions(iam(), target.roleName);
        const current = findDeny(sessions, sid);
        const wanted = revokeDeny(current, user, existing !== undefined, at, revokeMarginMs);
        // A retry after a partial revoke finds its own deny already there: written once.
        if (wanted && !sameDeny(wanted, current)) {
          const merged = mergeSessions(sessions, sid, wanted, at);
          await writeSessions(iam(), target.roleName, merged.document, merged.statements);
          denyWritten = true;
        }
        sessionsNote = revokeSentence(wanted ?? current, user, denyWritten);
      } catch (err) {
        // Still take away what allows new sessions, then fail loudly: live ones may remain. A
        // passing fault (throttled, 5xx) is tried again by the retry loop, which then finds
        // the user policy gone and writes the deny alone.
        sessionsFailure = toProviderError(err, `end ${user}'s sessions on ${target.roleArn}`);
      }
    }
    let deleted = false;
    if (existing) {
      try {
        await iam().send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: name }));
        deleted = true;
      } catch (err) {
        if (kindOf(err) !== "not_found") throw err;
      }
    }
    const policyWords = deleted ? `deleted policy ${name}: ${user} may no longer assume ${target.roleArn}` : `${user} has no policy ${name}`;
    if (sessionsFailure) {
      throw new ProviderError(sessionsFailure.kind, `${policyWords}, but ${user}'s live sessions on it were not ended: ${sessionsFailure.message}`, sessionsFailure.cause);
    }
    return { status: deleted || denyWritten ? "revoked" : "unchanged", detail: `${policyWords}${sessionsNote}`, principal: user };
  }

  /** IAM refuses a user's inline policies over 2,048 characters in all: say so before PutUserPolicy, with what fits. */
  async function checkInlineSize(user: string, name: string, document: string): Promise<void> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await entity(() => iam().send(new ListUserPoliciesCommand({ UserName: user, Marker: marker })), `IAM user ${user}`);
      names.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    let others = 0;
    let ours = 0;
    let gitgrantCount = 0;
    for (const other of names.filter((n) => n !== name)) {
      const policy = await absentIsUndefined(() => iam().send(new GetUserPolicyCommand({ UserName: user, PolicyName: other })));
      const size = policy?.PolicyDocument ? policySize(decodeURIComponent(policy.PolicyDocument)) : 0;
      if (policy?.PolicyDocument && readGitgrantPolicy(policy.PolicyDocument)) {
        ours += size;
        gitgrantCount++;
      } else others += size;
    }
    const mine = policySize(document);
    const total = others + ours + mine;
    if (total <= USER_INLINE_POLICY_LIMIT) return;
    const fit = Math.max(0, Math.floor((USER_INLINE_POLICY_LIMIT - others) / mine));
    throw new ProviderError(
      "invalid",
      `${user}'s inline policies would total ${total} characters, over IAM's ${USER_INLINE_POLICY_LIMIT} per user ` +
        `(${others} in policies not written by gitgrant, ${ours} in ${gitgrantCount} other gitgrant grant(s), ${mine} in this one): ` +
        `at most ${fit} concurrent assume-role grant(s) of this size fit for ${user}. Revoke one, or use mode: group for this resource`,
      { code: "LimitExceeded" },
    );
  }

  async function listRole(resource: Resource, target: RoleTarget, principals?: string[]): Promise<ExistingGrant[]> {
    const { roleArn } = target;
    const prefix = `gitgrant-${resource.id}-`;
    const found: Array<{ user: string; document: string }> = [];
    if (principals) {
      for (const user of principals) {
        const names: string[] = [];
        let marker: string | undefined;
        do {
          const page = await absentIsUndefined(() => iam().send(new ListUserPoliciesCommand({ UserName: user, Marker: marker })));
          names.push(...(page?.PolicyNames ?? []));
          marker = page?.IsTruncated ? page.Marker : undefined;
        } while (marker);
        for (const name of names.filter((n) => n.startsWith(prefix))) {
          const policy = await absentIsUndefined(() => iam().send(new GetUserPolicyCommand({ UserName: user, PolicyName: name })));
          if (policy?.PolicyDocument) found.push({ user, document: policy.PolicyDocument });
        }
      }
    } else {
      // Everyone: one paginated account-wide read instead of a call per user.
      let marker: string | undefined;
      do {
        const page = await iam().send(new GetAccountAuthorizationDetailsCommand({ Filter: ["User"], Marker: marker }));
        for (const detail of page.UserDetailList ?? []) {
          for (const policy of detail.UserPolicyList ?? []) {
            if (policy.PolicyName?.startsWith(prefix) && policy.PolicyDocument && detail.UserName) {
              found.push({ user: detail.UserName, document: policy.PolicyDocument });
            }
          }
        }
        marker = page.IsTruncated ? page.Marker : undefined;
      } while (marker);
    }
    // The role check keeps "gitgrant-prod-" from claiming resource prod-db's policies.
    const grants: ExistingGrant[] = found.flatMap(({ user, document }) => {
      const policy = readGitgrantPolicy(document);
      if (!policy || policy.roleArn !== roleArn) return [];
      return [{ resourceId: resource.id, principal: user, expiresAt: policy.expiresAt, managedByGitgrant: true }];
    });
    if (target.endSessions) grants.push(...(await unfinishedDenies(resource, target, grants, principals)));
    return grants;
  }

  /**
   * A grantee whose user policy is gone but whose deny still waits for the expiry: a revoke
   * that deleted the policy and then failed to end the sessions (throttled, denied, a full
   * role). Listed as gitgrant's, so convergence revokes it again and finishes the job.
   */
  async function unfinishedDenies(resource: Resource, target: RoleTarget, listed: ExistingGrant[], principals?: string[]): Promise<ExistingGrant[]> {
    const have = new Set(listed.map((g) => g.principal.toLowerCase()));
    const wanted = principals && new Set(principals.map((p) => p.toLowerCase()));
    const at = now().getTime();
    return (await readSessions(iam(), target.roleName)).flatMap((statement) => {
      const sid = (statement as { Sid?: unknown } | null)?.Sid;
      const deny = typeof sid === "string" ? findDeny([statement], sid) : undefined;
      if (deny?.form !== "at-expiry" || deny.expiresAt.getTime() <= at) return [];
      const who = deny.sourceIdentity;
      // The id ties the statement to this resource: another resource on the same role has its own.
      if (sid !== sessionSid(resource.id, who) || have.has(who.toLowerCase()) || (wanted && !wanted.has(who.toLowerCase()))) return [];
      return [{ resourceId: resource.id, principal: who, expiresAt: deny.expiresAt, managedByGitgrant: true }];
    });
  }

  return { grant: grantRole, revoke: revokeRole, list: listRole };
}
