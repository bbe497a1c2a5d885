// AWS IAM, two ways. `group`: IAM group membership (AWS cannot expire it; the sweep does).
// `assume-role`: an inline user policy allowing sts:AssumeRole on the role only while
// aws:CurrentTime is before the expiry and only with the grantee as source identity, so AWS
// itself refuses new sessions on time; and a deny on the role (aws-iam-sessions.ts) that ends
// the grantee's sessions issued before the expiry at the expiry, or at once on an early revoke.
import {
  AddUserToGroupCommand,
  DeleteUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  type IAMClientConfig,
} from "@aws-sdk/client-iam";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { configError, credentialProblem, configLatch, invalidTarget, kindOf, serviceCodeOf, targetString, toProviderError } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";
import { isoSeconds } from "../core/time.js";
import { DEFAULT_REVOKE_MARGIN_MS, SESSIONS_POLICY, findDeny, mergeSessions, revokeDeny, sameDeny, sessionSid, type SessionDeny } from "./aws-iam-sessions.js";
import { readRole, readSessions, trustProblem, writeSessions, type RoleFacts } from "./aws-iam-role.js";
import { formatDuration } from "../core/duration.js";

export interface AwsIamOptions {
  /** A ready client; otherwise one is made on first use from the default credential chain. */
  client?: IAMClient;
  /** Passed to the IAMClient made here (tests give static credentials). */
  clientConfig?: IAMClientConfig;
  /** Where AWS_REGION / AWS_DEFAULT_REGION are read; default process.env. */
  env?: Record<string, string | undefined>;
  retry?: RetryOptions;
  /** Clock for the start condition, the early-revoke cutoff and pruning the role's deny. */
  now?: () => Date;
  /** How long after an early revoke the grantee's new sessions are still denied (IAM propagation); default 5 min. */
  revokeMarginMs?: number;
}

type RoleTarget = { mode: "assume-role"; roleArn: string; partition: string; account: string; roleName: string; endSessions: boolean };
type AwsTarget = { mode: "group"; group: string } | RoleTarget;

const NAME = /^[\w+=,.@-]{1,128}$/;
const USER = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]+$/;

// IAM is global per partition; its endpoint is the partition's (iam.amazonaws.com,
// iam.cn-north-1.amazonaws.com.cn, iam.us-gov.amazonaws.com), reached through a region of it.
const PARTITION_REGIONS: Record<string, string> = { aws: "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1" };

/** The partition a region belongs to (aws-iso* regions are not told apart: AWS_REGION is taken as given there). */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-iso")) return "aws-iso";
  return "aws";
}

/** IAM's own limit on all inline policies of one user together, white space not counted. */
export const USER_INLINE_POLICY_LIMIT = 2048;
const policySize = (document: string) => document.replace(/\s/g, "").length;
/** AWS's bounds on a source identity (2 to 64 of [\w+=,.@-]); an IAM user name can be shorter. */
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

export const AWS_CREDENTIAL_HINT =
  "In GitHub Actions, the workflow's \"AWS credentials (GitHub OIDC)\" step (aws-actions/configure-aws-credentials with " +
  "role-to-assume from the repository variable GITGRANT_AWS_ROLE_ARN, and permissions: id-token: write); elsewhere " +
  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance or task role";
export const STATEMENT_SID = "GitgrantJustInTime";

export function checkAwsTarget(resource: Resource): AwsTarget {
  const mode = resource.target?.mode;
  if (mode === "group") return { mode, group: targetString(resource, "group", "an IAM group name", NAME) };
  if (mode === "assume-role") {
    const roleArn = targetString(resource, "role_arn", "an IAM role ARN, e.g. arn:aws:iam::123456789012:role/name", ROLE_ARN);
    const end = resource.target.end_sessions;
    if (end !== undefined && typeof end !== "boolean") throw invalidTarget(resource.id, `has end_sessions ${JSON.stringify(end)}, which is not true or false`);
    const [, partition, account] = ROLE_ARN.exec(roleArn)!;
    return { mode, roleArn, partition: partition!, account: account!, roleName: roleArn.slice(roleArn.lastIndexOf("/") + 1), endSessions: end !== false };
  }
  throw invalidTarget(resource.id, 'needs mode: group (with group) or mode: assume-role (with role_arn)');
}

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

async function absentIsUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (kindOf(err) === "not_found") return undefined;
    throw err;
  }
}

function checkUser(ref: GrantRef): string {
  if (!USER.test(ref.principal)) throw invalidTarget(ref.resource.id, `cannot be granted to "${ref.principal}": not an IAM user name`);
  return ref.principal;
}

/** Only assume-role grants carry an aws:CurrentTime condition; a group membership has no end. */
const nativeExpiry = (resource: Resource) => resource.target?.mode === "assume-role";

function missing(what: string): ProviderError {
  return new ProviderError("config", what, { code: "NoSuchEntity" });
}

/** AWS says which is missing: "The user with name bob cannot be found." vs "The user policy with name ...". */
function missingUser(err: unknown, user: string): unknown {
  if (kindOf(err) === "not_found" && /\buser with name\b/i.test((err as Error).message)) {
    return missing(`IAM user ${user} does not exist (${(err as Error).message}); fix identities.yaml`);
  }
  return err;
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

export function createAwsIamProvider(options: AwsIamOptions = {}): Provider {
  const env = options.env ?? process.env;
  const clients = new Map<string, IAMClient>();
  const now = options.now ?? (() => new Date());
  const retry = (action: string) => ({ ...options.retry, action });
  const latch = configLatch();
  const revokeMarginMs = options.revokeMarginMs ?? DEFAULT_REVOKE_MARGIN_MS;
  // Set by each operation before its calls; operations of one provider run one after another
  // (apply, sweep and reconcile are sequential), so one variable is enough.
  // The region of the call: AWS_REGION when it is in the target's partition, else the
  // partition's own; a region of another partition than the role's is a setup mistake.
  let region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  const regionFor = (target: AwsTarget): string => {
    const wanted = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (target.mode === "group") return wanted ?? "us-east-1";
    if (wanted && partitionOfRegion(wanted) === target.partition) return wanted;
    if (wanted && PARTITION_REGIONS[partitionOfRegion(wanted)] && PARTITION_REGIONS[target.partition]) {
      throw configError("aws-iam", `AWS_REGION ${wanted} is in partition ${partitionOfRegion(wanted)}, but ${target.roleArn} is in ${target.partition}`, `Set AWS_REGION to a region of ${target.partition} (e.g. ${PARTITION_REGIONS[target.partition]})`);
    }
    const own = PARTITION_REGIONS[target.partition];
    if (!own) throw configError("aws-iam", `no default region is known for partition ${target.partition}`, "Set AWS_REGION to a region of that partition");
    return own;
  };
  // SDK retries are off (maxAttempts 1): withRetry is the single, testable retry loop.
  const iam = () => {
    if (options.client) return options.client;
    let made = clients.get(region);
    if (!made) clients.set(region, (made = new IAMClient({ region, maxAttempts: 1, ...options.clientConfig })));
    return made;
  };
  const asCredential = (error: ProviderError) =>
    (error.cause as { code?: string } | undefined)?.code === "NoSuchEntity"
      ? undefined
      : error.message.startsWith("aws-iam:")
        ? error
        : configError("aws-iam", `no usable AWS credentials (${credentialProblem(error)})`, AWS_CREDENTIAL_HINT);
  /** One operation in the target's region, under the credential latch. */
  const guarded = <T>(target: AwsTarget, fn: () => Promise<T>): Promise<T> =>
    latch.run(async () => {
      region = regionFor(target);
      return fn();
    }, asCredential);

  /** Re-throw AWS's NoSuchEntity for a user or group as the setup problem it is. */
  async function entity<T>(call: () => Promise<T>, what: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (serviceCodeOf(err) === "NoSuchEntity" || serviceCodeOf(err) === "NoSuchEntityException") {
        throw missing(`${what} does not exist in IAM (${(err as Error).message}); fix identities.yaml or the catalog's target`);
      }
      throw err;
    }
  }

  async function groupsOf(user: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await entity(() => iam().send(new ListGroupsForUserCommand({ UserName: user, Marker: marker })), `IAM user ${user}`);
      names.push(...(page.Groups ?? []).map((g) => g.GroupName ?? ""));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return names;
  }

  async function grantGroup(grant: Grant, user: string, group: string): Promise<ProviderOutcome> {
    if ((await groupsOf(user)).includes(group)) {
      return { status: "unchanged", detail: `${user} is already in IAM group ${group}` };
    }
    await entity(() => iam().send(new AddUserToGroupCommand({ GroupName: group, UserName: user })), `IAM group ${group}`);
    return { status: "granted", detail: `added ${user} to IAM group ${group} (AWS does not expire it; the sweep revokes it)` };
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
        const error = toProviderError(err, `end ${user}'s sessions on ${target.roleArn}`);
        if (error.retryable) throw error;
        // Still take away what allows new sessions, then fail loudly: live ones may remain.
        sessionsFailure = error;
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

  async function listRole(resource: Resource, roleArn: string, principals?: string[]): Promise<ExistingGrant[]> {
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
    return found.flatMap(({ user, document }) => {
      const policy = readGitgrantPolicy(document);
      if (!policy || policy.roleArn !== roleArn) return [];
      return [{ resourceId: resource.id, principal: user, expiresAt: policy.expiresAt, managedByGitgrant: true }];
    });
  }

  return {
    name: "aws-iam",
    nativeExpiry,
    checkTarget: (resource) => void checkAwsTarget(resource),

    async grant(grant) {
      const target = checkAwsTarget(grant.resource);
      const user = checkUser(grant);
      if (target.mode === "group") {
        return guarded(target, () => withRetry(() => grantGroup(grant, user, target.group), retry(`add ${user} to IAM group ${target.group}`)));
      }
      return guarded(target, () => withRetry(() => grantRole(grant, user, target), retry(`allow ${user} to assume ${target.roleArn}`)));
    },

    async revoke(ref) {
      const target = checkAwsTarget(ref.resource);
      const user = checkUser(ref);
      if (target.mode === "group") {
        return guarded(target, () => withRetry(async (): Promise<ProviderOutcome> => {
          // A missing user or group is a setup problem, never "not in the group".
          if (!(await groupsOf(user)).includes(target.group)) {
            await entity(() => iam().send(new GetGroupCommand({ GroupName: target.group, MaxItems: 1 })), `IAM group ${target.group}`);
            return { status: "unchanged", detail: `${user} is not in IAM group ${target.group}` };
          }
          const removed = await absentIsUndefined(() => iam().send(new RemoveUserFromGroupCommand({ GroupName: target.group, UserName: user })));
          return removed
            ? { status: "revoked", detail: `removed ${user} from IAM group ${target.group}` }
            : { status: "unchanged", detail: `${user} is not in IAM group ${target.group}` };
        }, retry(`remove ${user} from IAM group ${target.group}`)));
      }
      return guarded(target, () => withRetry(() => revokeRole(ref, user, target), retry(`delete policy ${policyName(ref)} of ${user}`)));
    },

    async list(resource, principals) {
      const target = checkAwsTarget(resource);
      if (target.mode === "assume-role") {
        return guarded(target, () => withRetry(() => listRole(resource, target.roleArn, principals), retry(`list gitgrant policies for ${target.roleArn}`)));
      }
      const users = await guarded(target, () => withRetry(async () => {
        const names: string[] = [];
        let marker: string | undefined;
        do {
          const page = await iam().send(new GetGroupCommand({ GroupName: target.group, Marker: marker }));
          names.push(...(page.Users ?? []).map((u) => u.UserName ?? ""));
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
        return names;
      }, retry(`list members of IAM group ${target.group}`)));
      const wanted = principals && new Set(principals);
      // IAM keeps no record of who added a member, so none is claimed as gitgrant's own.
      return users
        .filter((user) => !wanted || wanted.has(user))
        .map((user) => ({ resourceId: resource.id, principal: user, managedByGitgrant: false }));
    },
  };
}

export const descriptor = defineProvider({
  name: "aws-iam",
  identity: { key: "aws", schema: { type: "string", description: "IAM user name." } },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["mode"],
    properties: {
      mode: { enum: ["group", "assume-role"] },
      group: { type: "string", minLength: 1 },
      role_arn: { type: "string", pattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/.+$", description: "The partition (aws, aws-cn, aws-us-gov) picks the IAM endpoint." },
      end_sessions: {
        type: "boolean",
        description: "assume-role: end the grantee's live sessions at expiry and on revoke with a deny on the role (default true; needs the role in gitgrant's account and sts:SetSourceIdentity in its trust policy).",
      },
    },
    if: { properties: { mode: { const: "group" } } },
    then: { required: ["group"] },
    else: { required: ["role_arn"] },
  },
  checkTarget: (resource) => void checkAwsTarget(resource),
  nativeExpiry,
  create: (own: AwsIamOptions | undefined, shared) => createAwsIamProvider({ env: shared.env, ...own, retry: own?.retry ?? shared.retry }),
});
