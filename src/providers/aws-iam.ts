// AWS IAM, two ways. `group`: IAM group membership (AWS cannot expire it; the sweep does).
// `assume-role`: an inline user policy allowing sts:AssumeRole on the role only while
// aws:CurrentTime is before the expiry, so AWS itself refuses new sessions on time.
import type { IAMClient, IAMClientConfig } from "@aws-sdk/client-iam";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { invalidTarget, kindOf, targetString } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";
import { isoSeconds } from "../core/time.js";

export interface AwsIamOptions {
  /** A ready client; otherwise one is made on first use from the default credential chain. */
  client?: IAMClient;
  /** Passed to the IAMClient made here (tests give static credentials). */
  clientConfig?: IAMClientConfig;
  retry?: RetryOptions;
  /** Clock used only to decide whether a start condition is still worth writing. */
  now?: () => Date;
}

type AwsTarget = { mode: "group"; group: string } | { mode: "assume-role"; roleArn: string };

const NAME = /^[\w+=,.@-]{1,128}$/;
const USER = /^[\w+=,.@-]{1,64}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
export const STATEMENT_SID = "GitgrantJustInTime";

export function checkAwsTarget(resource: Resource): AwsTarget {
  const mode = resource.target?.mode;
  if (mode === "group") return { mode, group: targetString(resource, "group", "an IAM group name", NAME) };
  if (mode === "assume-role") {
    return { mode, roleArn: targetString(resource, "role_arn", "an IAM role ARN, e.g. arn:aws:iam::123456789012:role/name", ROLE_ARN) };
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
 *  still ahead (a past start adds nothing and would make every later read differ). */
export function assumeRolePolicy(roleArn: string, startsAt: Date, expiresAt: Date, now: Date): string {
  const condition: Record<string, Record<string, string>> = {};
  if (startsAt.getTime() > now.getTime()) condition.DateGreaterThan = { "aws:CurrentTime": isoSeconds(startsAt) };
  condition.DateLessThan = { "aws:CurrentTime": isoSeconds(expiresAt) };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: STATEMENT_SID, Effect: "Allow", Action: "sts:AssumeRole", Resource: roleArn, Condition: condition }],
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

export function createAwsIamProvider(options: AwsIamOptions = {}): Provider {
  let client = options.client;
  // SDK retries are off (maxAttempts 1): withRetry is the single, testable retry loop.
  // The SDK is imported on the first call: commands that never reach AWS (validate, check,
  // --version) do not pay for loading it.
  let sdk: Promise<typeof import("@aws-sdk/client-iam")> | undefined;
  const aws = () => (sdk ??= import("@aws-sdk/client-iam"));
  const iam = async () => (client ??= new (await aws()).IAMClient({ region: "us-east-1", maxAttempts: 1, ...options.clientConfig }));
  const now = options.now ?? (() => new Date());
  const retry = (action: string) => ({ ...options.retry, action });

  async function groupsOf(user: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await (await iam()).send(new (await aws()).ListGroupsForUserCommand({ UserName: user, Marker: marker }));
      names.push(...(page.Groups ?? []).map((g) => g.GroupName ?? ""));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return names;
  }

  async function grantGroup(grant: Grant, user: string, group: string): Promise<ProviderOutcome> {
    if ((await groupsOf(user)).includes(group)) {
      return { status: "unchanged", detail: `${user} is already in IAM group ${group}` };
    }
    await (await iam()).send(new (await aws()).AddUserToGroupCommand({ GroupName: group, UserName: user }));
    return { status: "granted", detail: `added ${user} to IAM group ${group} (AWS does not expire it; the sweep revokes it)` };
  }

  async function grantRole(grant: Grant, user: string, roleArn: string): Promise<ProviderOutcome> {
    const name = policyName(grant);
    const document = assumeRolePolicy(roleArn, grant.startsAt, grant.expiresAt, now());
    const until = isoSeconds(grant.expiresAt);
    const existing = await absentIsUndefined(async () => (await iam()).send(new (await aws()).GetUserPolicyCommand({ UserName: user, PolicyName: name })));
    if (existing?.PolicyDocument && sameDocument(existing.PolicyDocument, document)) {
      return { status: "unchanged", detail: `${user} may already assume ${roleArn} until ${until} (policy ${name})` };
    }
    await (await iam()).send(new (await aws()).PutUserPolicyCommand({ UserName: user, PolicyName: name, PolicyDocument: document }));
    const verb = existing ? "changed" : "allowed";
    return { status: "granted", detail: `${verb} ${user} to assume ${roleArn} until ${until}, enforced by AWS (policy ${name})` };
  }

  async function listRole(resource: Resource, roleArn: string, principals?: string[]): Promise<ExistingGrant[]> {
    const prefix = `gitgrant-${resource.id}-`;
    const found: Array<{ user: string; document: string }> = [];
    if (principals) {
      for (const user of principals) {
        const names: string[] = [];
        let marker: string | undefined;
        do {
          const page = await absentIsUndefined(async () => (await iam()).send(new (await aws()).ListUserPoliciesCommand({ UserName: user, Marker: marker })));
          names.push(...(page?.PolicyNames ?? []));
          marker = page?.IsTruncated ? page.Marker : undefined;
        } while (marker);
        for (const name of names.filter((n) => n.startsWith(prefix))) {
          const policy = await absentIsUndefined(async () => (await iam()).send(new (await aws()).GetUserPolicyCommand({ UserName: user, PolicyName: name })));
          if (policy?.PolicyDocument) found.push({ user, document: policy.PolicyDocument });
        }
      }
    } else {
      // Everyone: one paginated account-wide read instead of a call per user.
      let marker: string | undefined;
      do {
        const page = await (await iam()).send(new (await aws()).GetAccountAuthorizationDetailsCommand({ Filter: ["User"], Marker: marker }));
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
        return withRetry(() => grantGroup(grant, user, target.group), retry(`add ${user} to IAM group ${target.group}`));
      }
      return withRetry(() => grantRole(grant, user, target.roleArn), retry(`allow ${user} to assume ${target.roleArn}`));
    },

    async revoke(ref) {
      const target = checkAwsTarget(ref.resource);
      const user = checkUser(ref);
      if (target.mode === "group") {
        return withRetry(async (): Promise<ProviderOutcome> => {
          const removed = await absentIsUndefined(async () => (await iam()).send(new (await aws()).RemoveUserFromGroupCommand({ GroupName: target.group, UserName: user })));
          return removed
            ? { status: "revoked", detail: `removed ${user} from IAM group ${target.group}` }
            : { status: "unchanged", detail: `${user} is not in IAM group ${target.group}` };
        }, retry(`remove ${user} from IAM group ${target.group}`));
      }
      const name = policyName(ref);
      return withRetry(async (): Promise<ProviderOutcome> => {
        const deleted = await absentIsUndefined(async () => (await iam()).send(new (await aws()).DeleteUserPolicyCommand({ UserName: user, PolicyName: name })));
        return deleted
          ? { status: "revoked", detail: `deleted policy ${name}: ${user} may no longer assume ${target.roleArn}` }
          : { status: "unchanged", detail: `${user} has no policy ${name}` };
      }, retry(`delete policy ${name} of ${user}`));
    },

    async list(resource, principals) {
      const target = checkAwsTarget(resource);
      if (target.mode === "assume-role") {
        return withRetry(() => listRole(resource, target.roleArn, principals), retry(`list gitgrant policies for ${target.roleArn}`));
      }
      const users = await withRetry(async () => {
        const names: string[] = [];
        let marker: string | undefined;
        do {
          const page = await (await iam()).send(new (await aws()).GetGroupCommand({ GroupName: target.group, Marker: marker }));
          names.push(...(page.Users ?? []).map((u) => u.UserName ?? ""));
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
        return names;
      }, retry(`list members of IAM group ${target.group}`));
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
      role_arn: { type: "string", pattern: "^arn:aws[a-z-]*:iam::\\d{12}:role/.+$" },
    },
    if: { properties: { mode: { const: "group" } } },
    then: { required: ["group"] },
    else: { required: ["role_arn"] },
  },
  checkTarget: (resource) => void checkAwsTarget(resource),
  nativeExpiry,
  create: (own: AwsIamOptions | undefined, shared) => createAwsIamProvider({ ...own, retry: own?.retry ?? shared.retry }),
});
