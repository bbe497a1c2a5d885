// AWS IAM, two ways. `group`: IAM group membership (AWS cannot expire it; the sweep does).
// `assume-role` (aws-iam-assume-role.ts): an inline user policy allowing sts:AssumeRole on the
// role only while aws:CurrentTime is before the expiry, so AWS itself refuses new sessions on
// time, and a deny on the role that ends the grantee's live sessions at expiry or on revoke.
import {
  AddUserToGroupCommand,
  GetGroupCommand,
  IAMClient,
  ListGroupsForUserCommand,
  RemoveUserFromGroupCommand,
  type IAMClientConfig,
} from "@aws-sdk/client-iam";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { configError, credentialProblem, configLatch, invalidTarget, serviceCodeOf, targetString } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { ProviderError, defineProvider, type Provider, type ProviderOutcome } from "./types.js";
import { DEFAULT_REVOKE_MARGIN_MS } from "./aws-iam-sessions.js";
import { absentIsUndefined, missing } from "./aws-iam-role.js";
import { assumeRoleMode, policyName, type RoleTarget } from "./aws-iam-assume-role.js";

export { STATEMENT_SID, USER_INLINE_POLICY_LIMIT, assumeRolePolicy, policyName, readGitgrantPolicy } from "./aws-iam-assume-role.js";

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

export const AWS_CREDENTIAL_HINT =
  "In GitHub Actions, the workflow's \"AWS credentials (GitHub OIDC)\" step (aws-actions/configure-aws-credentials with " +
  "role-to-assume from the repository variable GITGRANT_AWS_ROLE_ARN, and permissions: id-token: write); elsewhere " +
  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance or task role";
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

function checkUser(ref: GrantRef): string {
  if (!USER.test(ref.principal)) throw invalidTarget(ref.resource.id, `cannot be granted to "${ref.principal}": not an IAM user name`);
  return ref.principal;
}

/** Only assume-role grants carry an aws:CurrentTime condition; a group membership has no end. */
const nativeExpiry = (resource: Resource) => resource.target?.mode === "assume-role";

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

  const role = assumeRoleMode({ iam, now, revokeMarginMs, entity });

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
    // IAM records no one's name on a membership, so whether one found is gitgrant's own is for
    // the receipts to say: `found` is left out.
    if ((await groupsOf(user)).includes(group)) {
      return { status: "unchanged", detail: `${user} is already in IAM group ${group}`, principal: user };
    }
    await entity(() => iam().send(new AddUserToGroupCommand({ GroupName: group, UserName: user })), `IAM group ${group}`);
    return { status: "granted", detail: `added ${user} to IAM group ${group} (AWS does not expire it; the sweep revokes it)`, principal: user };
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
      return guarded(target, () => withRetry(() => role.grant(grant, user, target), retry(`allow ${user} to assume ${target.roleArn}`)));
    },

    async revoke(ref) {
      const target = checkAwsTarget(ref.resource);
      const user = checkUser(ref);
      if (target.mode === "group") {
        return guarded(target, () => withRetry(async (): Promise<ProviderOutcome> => {
          // A missing user or group is a setup problem, never "not in the group".
          if (!(await groupsOf(user)).includes(target.group)) {
            await entity(() => iam().send(new GetGroupCommand({ GroupName: target.group, MaxItems: 1 })), `IAM group ${target.group}`);
            return { status: "unchanged", detail: `${user} is not in IAM group ${target.group}`, principal: user };
          }
          const removed = await absentIsUndefined(() => iam().send(new RemoveUserFromGroupCommand({ GroupName: target.group, UserName: user })));
          return removed
            ? { status: "revoked", detail: `removed ${user} from IAM group ${target.group}`, principal: user }
            : { status: "unchanged", detail: `${user} is not in IAM group ${target.group}`, principal: user };
        }, retry(`remove ${user} from IAM group ${target.group}`)));
      }
      return guarded(target, () => withRetry(() => role.revoke(ref, user, target), retry(`delete policy ${policyName(ref)} of ${user}`)));
    },

    async list(resource, principals) {
      const target = checkAwsTarget(resource);
      if (target.mode === "assume-role") {
        return guarded(target, () => withRetry(() => role.list(resource, target, principals), retry(`list gitgrant policies for ${target.roleArn}`)));
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
