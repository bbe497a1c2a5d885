// AWS IAM Identity Center: a permission-set assignment of a user (or group) to an account.
// Assignment calls are asynchronous: Create/DeleteAccountAssignment return a request id,
// and the change is done only when Describe...Status says SUCCEEDED. Identity Center has no
// expiring assignment; gitgrant's sweep ends it, and sessions already started live on for
// the permission set's session duration, which every grant and revoke states.
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  SSOAdminClient,
  type AccountAssignmentOperationStatus,
  type SSOAdminClientConfig,
} from "@aws-sdk/client-sso-admin";
import { GetUserIdCommand, IdentitystoreClient, type IdentitystoreClientConfig } from "@aws-sdk/client-identitystore";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { invalidTarget, kindOf, targetString } from "./errors.js";
import { realSleep, withRetry, type RetryOptions, type Sleep } from "./retry.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";

export interface AwsSsoOptions {
  ssoAdmin?: SSOAdminClient;
  identityStore?: IdentitystoreClient;
  /** Passed to both clients made here (tests give static credentials). */
  clientConfig?: SSOAdminClientConfig & IdentitystoreClientConfig;
  retry?: RetryOptions;
  /** Pause between status polls; injected so tests never wait. */
  sleep?: Sleep;
  /** Status polls before giving up on an assignment still IN_PROGRESS (default 30). */
  polls?: number;
  env?: Record<string, string | undefined>;
}

interface SsoTarget {
  instanceArn: string;
  permissionSetArn: string;
  accountId: string;
  identityStoreId?: string;
  region?: string;
}

const INSTANCE = /^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;
const PERMISSION_SET = /^arn:(aws|aws-us-gov|aws-cn|aws-iso|aws-iso-b):sso:::permissionSet\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/;
const ACCOUNT = /^\d{12}$/;
const STORE = /^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
// An Identity Store principal id, as the API reference gives its pattern.
const PRINCIPAL_ID = /^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$/;

export function checkAwsSsoTarget(resource: Resource): SsoTarget {
  const t = resource.target ?? {};
  const target: SsoTarget = {
    instanceArn: targetString(resource, "instance_arn", "an IAM Identity Center instance ARN, e.g. arn:aws:sso:::instance/ssoins-1234567890abcdef", INSTANCE),
    permissionSetArn: targetString(resource, "permission_set_arn", "a permission set ARN, e.g. arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef", PERMISSION_SET),
    accountId: targetString(resource, "account_id", "a 12-digit AWS account id", ACCOUNT),
  };
  if (t.identity_store_id !== undefined) target.identityStoreId = targetString(resource, "identity_store_id", "an Identity Store id, e.g. d-1234567890", STORE);
  if (t.region !== undefined) target.region = targetString(resource, "region", "an AWS region, e.g. eu-west-1", REGION);
  if (target.instanceArn.split("/")[1] !== target.permissionSetArn.split("/")[1]) {
    throw invalidTarget(resource.id, "has a permission set of another Identity Center instance than instance_arn");
  }
  return target;
}

type Principal = { type: "USER" | "GROUP"; id: string };

const nativeExpiry = () => false;

export function createAwsSsoProvider(options: AwsSsoOptions = {}): Provider {
  const env = options.env ?? process.env;
  const sleep = options.sleep ?? realSleep;
  const polls = options.polls ?? 30;
  const retry = (action: string) => ({ ...options.retry, action });
  const admins = new Map<string, SSOAdminClient>();
  const stores = new Map<string, IdentitystoreClient>();
  const userIds = new Map<string, string>();
  const durations = new Map<string, string | undefined>();

  function regionOf(target: SsoTarget): string {
    const region = target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new ProviderError("invalid", "aws-sso needs the Identity Center region: region in the catalog target, or AWS_REGION in the environment");
    return region;
  }
  // SDK retries are off (maxAttempts 1): withRetry is the single, testable retry loop.
  const admin = (target: SsoTarget) => {
    const region = regionOf(target);
    if (options.ssoAdmin) return options.ssoAdmin;
    let c = admins.get(region);
    if (!c) admins.set(region, (c = new SSOAdminClient({ region, maxAttempts: 1, ...options.clientConfig })));
    return c;
  };
  const store = (target: SsoTarget) => {
    const region = regionOf(target);
    if (options.identityStore) return options.identityStore;
    let c = stores.get(region);
    if (!c) stores.set(region, (c = new IdentitystoreClient({ region, maxAttempts: 1, ...options.clientConfig })));
    return c;
  };

  /** identities.yaml gives a user id, `group:<id>`, or a user name looked up in the Identity Store. */
  async function principalOf(ref: GrantRef, target: SsoTarget): Promise<Principal | undefined> {
    const given = ref.principal.trim();
    if (given.startsWith("group:")) {
      const id = given.slice("group:".length);
      if (!PRINCIPAL_ID.test(id)) throw invalidTarget(ref.resource.id, `cannot be granted to "${given}": not an Identity Store group id`);
      return { type: "GROUP", id };
    }
    if (PRINCIPAL_ID.test(given)) return { type: "USER", id: given };
    if (!target.identityStoreId) {
      throw invalidTarget(ref.resource.id, `needs identity_store_id to look up the user name "${given}" (or give the Identity Center user id in identities.yaml)`);
    }
    const cached = userIds.get(given.toLowerCase());
    if (cached) return { type: "USER", id: cached };
    try {
      const found = await store(target).send(
        new GetUserIdCommand({ IdentityStoreId: target.identityStoreId, AlternateIdentifier: { UniqueAttribute: { AttributePath: "userName", AttributeValue: given } } }),
      );
      if (!found.UserId) return undefined;
      userIds.set(given.toLowerCase(), found.UserId);
      return { type: "USER", id: found.UserId };
    } catch (err) {
      if (kindOf(err) === "not_found") return undefined;
      throw err;
    }
  }

  async function assignments(target: SsoTarget): Promise<Principal[]> {
    const found: Principal[] = [];
    let next: string | undefined;
    do {
      const page = await admin(target).send(
        new ListAccountAssignmentsCommand({ InstanceArn: target.instanceArn, AccountId: target.accountId, PermissionSetArn: target.permissionSetArn, MaxResults: 100, NextToken: next }),
      );
      for (const a of page.AccountAssignments ?? []) if (a.PrincipalId && a.PrincipalType) found.push({ type: a.PrincipalType as Principal["type"], id: a.PrincipalId });
      next = page.NextToken;
    } while (next);
    return found;
  }

  /** The permission set's session duration, e.g. PT8H; read once per permission set. */
  async function sessionDuration(target: SsoTarget): Promise<string | undefined> {
    if (!durations.has(target.permissionSetArn)) {
      const described = await admin(target).send(new DescribePermissionSetCommand({ InstanceArn: target.instanceArn, PermissionSetArn: target.permissionSetArn }));
      durations.set(target.permissionSetArn, described.PermissionSet?.SessionDuration);
    }
    return durations.get(target.permissionSetArn);
  }
  const sessionWords = (d: string | undefined) =>
    d ? `sessions already started last up to ${d} (the permission set's session duration)` : "the permission set states no session duration (AWS default PT1H)";

  /** Polls the asynchronous operation until it is no longer IN_PROGRESS. */
  async function settle(target: SsoTarget, first: AccountAssignmentOperationStatus | undefined, kind: "creation" | "deletion"): Promise<string> {
    let status = first;
    for (let poll = 0; status?.Status === "IN_PROGRESS"; poll++) {
      if (poll >= polls) {
        throw new ProviderError("transient", `the assignment ${kind} ${status.RequestId} was still IN_PROGRESS after ${polls} status checks`);
      }
      await sleep(Math.min(5000, 500 * 2 ** poll));
      status =
        kind === "creation"
          ? (await admin(target).send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: target.instanceArn, AccountAssignmentCreationRequestId: status.RequestId }))).AccountAssignmentCreationStatus
          : (await admin(target).send(new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn: target.instanceArn, AccountAssignmentDeletionRequestId: status.RequestId }))).AccountAssignmentDeletionStatus;
    }
    if (status?.Status === "FAILED") {
      const reason = status.FailureReason ?? "no reason given";
      // "another operation in progress" is a race with a concurrent change: worth another try.
      const kindOfFailure = /conflict|in progress|concurrent/i.test(reason) ? "conflict" : "invalid";
      throw new ProviderError(kindOfFailure, `the assignment ${kind} ${status.RequestId} FAILED: ${reason}`);
    }
    return status?.RequestId ?? "unknown";
  }

  const where = (target: SsoTarget) => `permission set ${target.permissionSetArn.split("/").pop()} on account ${target.accountId}`;
  const call = (target: SsoTarget, p: Principal) => ({
    InstanceArn: target.instanceArn,
    TargetId: target.accountId,
    TargetType: "AWS_ACCOUNT" as const,
    PermissionSetArn: target.permissionSetArn,
    PrincipalType: p.type,
    PrincipalId: p.id,
  });

  return {
    name: "aws-sso",
    nativeExpiry,
    checkTarget: (resource) => void checkAwsSsoTarget(resource),

    async grant(grant: Grant): Promise<ProviderOutcome> {
      const target = checkAwsSsoTarget(grant.resource);
      return withRetry(async (): Promise<ProviderOutcome> => {
        const p = await principalOf(grant, target);
        if (!p) throw invalidTarget(grant.resource.id, `cannot be granted to "${grant.principal}": no such user in the Identity Store ${target.identityStoreId}`);
        const session = sessionWords(await sessionDuration(target));
        if ((await assignments(target)).some((a) => a.type === p.type && a.id === p.id)) {
          // Identity Center records no author on an assignment, so gitgrant cannot tell its own
          // from a standing one (found stays unset): the receipts decide.
          return { status: "unchanged", principal: grant.principal, detail: `${grant.principal} already holds ${where(target)}; ${session}` };
        }
        const created = await admin(target).send(new CreateAccountAssignmentCommand(call(target, p)));
        const requestId = await settle(target, created.AccountAssignmentCreationStatus, "creation");
        return { status: "granted", principal: grant.principal, detail: `assigned ${where(target)} to ${grant.principal} (request ${requestId}; Identity Center does not expire it, the sweep revokes it); ${session}` };
      }, retry(`assign ${where(target)} to ${grant.principal}`));
    },

    async revoke(ref: GrantRef): Promise<ProviderOutcome> {
      const target = checkAwsSsoTarget(ref.resource);
      return withRetry(async (): Promise<ProviderOutcome> => {
        const principal = ref.principal;
        const p = await principalOf(ref, target);
        if (!p) {
          // A user name the Identity Store no longer knows (renamed or deleted): say so, since
          // an assignment made under the old name would now be found only by its user id.
          return { status: "unchanged", principal, detail: `no user ${principal} in the Identity Store ${target.identityStoreId}, so no assignment of ${where(target)} to remove` };
        }
        if (!(await assignments(target)).some((a) => a.type === p.type && a.id === p.id)) {
          return { status: "unchanged", principal, detail: `${principal} holds no assignment of ${where(target)}` };
        }
        const session = sessionWords(await sessionDuration(target));
        const deleted = await admin(target).send(new DeleteAccountAssignmentCommand(call(target, p)));
        const requestId = await settle(target, deleted.AccountAssignmentDeletionStatus, "deletion");
        return { status: "revoked", principal, detail: `removed ${ref.principal}'s assignment of ${where(target)} (request ${requestId}); ${session}` };
      }, retry(`remove ${ref.principal}'s assignment of ${where(target)}`));
    },

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      const target = checkAwsSsoTarget(resource);
      return withRetry(async () => {
        const all = await assignments(target);
        // Principals as identities.yaml writes them, where the caller named them.
        const byId = new Map<string, string>();
        for (const name of principals ?? []) {
          const p = await principalOf({ path: "", login: "", resource, principal: name }, target);
          if (p) byId.set(p.id, name);
        }
        return all
          .filter((a) => !principals || byId.has(a.id))
          .map((a) => ({
            resourceId: resource.id,
            principal: byId.get(a.id) ?? (a.type === "GROUP" ? `group:${a.id}` : a.id),
            // Identity Center keeps no author on an assignment, so none is claimed as gitgrant's own.
            managedByGitgrant: false,
          }));
      }, retry(`list assignments of ${where(target)}`));
    },
  };
}

export const descriptor = defineProvider({
  name: "aws-sso",
  identity: {
    key: "aws_sso",
    schema: { type: "string", description: "IAM Identity Center user id, a user name looked up in the Identity Store (needs identity_store_id), or group:<group id>." },
  },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["instance_arn", "permission_set_arn", "account_id"],
    properties: {
      instance_arn: { type: "string", pattern: "^arn:[a-z-]+:sso:::instance/" },
      permission_set_arn: { type: "string", pattern: "^arn:[a-z-]+:sso:::permissionSet/" },
      account_id: { type: "string", pattern: "^\\d{12}$" },
      identity_store_id: { type: "string" },
      region: { type: "string" },
    },
  },
  checkTarget: (resource) => void checkAwsSsoTarget(resource),
  nativeExpiry,
  create: (own: AwsSsoOptions | undefined, shared) => createAwsSsoProvider({ env: shared.env, ...own, retry: own?.retry ?? shared.retry }),
});
