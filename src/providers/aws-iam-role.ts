// The IAM calls on the role itself that ending sessions needs: read the role (is it the
// catalog's, what it allows as session length, does its trust policy allow a source identity)
// and read and write gitgrant's one inline policy on it. aws-iam.ts decides what to write.
import { GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand, type IAMClient } from "@aws-sdk/client-iam";
import { kindOf, serviceCodeOf } from "./errors.js";
import { ProviderError } from "./types.js";
import { ROLE_INLINE_POLICY_LIMIT, SESSIONS_POLICY, parseSessionsPolicy, policySize, trustAllowsSourceIdentity, trustStatementHint } from "./aws-iam-sessions.js";

export interface RoleTarget {
  roleArn: string;
  partition: string;
  account: string;
  /** The last path segment of the ARN: IAM's RoleName. */
  roleName: string;
}

export interface RoleFacts {
  /** MaxSessionDuration, in seconds (3,600 to 43,200; 3,600 when IAM leaves it out). */
  maxSessionSeconds: number;
  trustAllowsSourceIdentity: boolean;
}

export async function absentIsUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (kindOf(err) === "not_found") return undefined;
    throw err;
  }
}

/** A user, group or role that is not there: this target's setup, never kept for the whole run. */
export function missing(what: string): ProviderError {
  return new ProviderError("config", what, { code: "NoSuchEntity" });
}

const isNoSuchEntity = (err: unknown) => serviceCodeOf(err) === "NoSuchEntity" || serviceCodeOf(err) === "NoSuchEntityException";

const roleProblem = missing;

const crossAccountHint = "a role in another account than gitgrant's AWS credentials cannot carry gitgrant's session deny: set end_sessions: false on the resource (sessions then last until their own end)";

/** GetRole by name in the credentials' account, checked to be the catalog's role. */
export async function readRole(client: IAMClient, target: RoleTarget): Promise<RoleFacts> {
  let role;
  try {
    role = (await client.send(new GetRoleCommand({ RoleName: target.roleName }))).Role;
  } catch (err) {
    if (isNoSuchEntity(err)) {
      throw roleProblem(`IAM role ${target.roleName} does not exist in the account of gitgrant's AWS credentials (${(err as Error).message}); fix the catalog's role_arn, or, ${crossAccountHint}`);
    }
    throw err;
  }
  // A role of the same name in the credentials' own account is another role: never touch it.
  if (role?.Arn !== target.roleArn) {
    throw roleProblem(`IAM role ${target.roleName} in the account of gitgrant's AWS credentials is ${role?.Arn ?? "unnamed"}, not ${target.roleArn}; ${crossAccountHint}`);
  }
  return {
    maxSessionSeconds: role.MaxSessionDuration ?? 3600,
    trustAllowsSourceIdentity: trustAllowsSourceIdentity(role.AssumeRolePolicyDocument),
  };
}

/** The trust-policy refusal, said once with the statement to add. */
export function trustProblem(target: RoleTarget, principal: string): ProviderError {
  return new ProviderError(
    "invalid",
    `${target.roleArn}: its trust policy does not allow sts:SetSourceIdentity, which gitgrant's grant needs: every session ` +
      `it allows must carry source identity ${principal}, so that expiry and revoke can end it. Add "sts:SetSourceIdentity" ` +
      `to the Action of the statement that lets ${principal} assume the role, e.g. ${trustStatementHint(target.partition, target.account)}, ` +
      `or set end_sessions: false on the resource`,
    { code: "TrustPolicy" },
  );
}

/** The statements of gitgrant's inline policy on the role (none when it is not there). */
export async function readSessions(client: IAMClient, roleName: string): Promise<unknown[]> {
  try {
    const out = await client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: SESSIONS_POLICY }));
    return parseSessionsPolicy(out.PolicyDocument);
  } catch (err) {
    if (kindOf(err) === "not_found") return [];
    throw err;
  }
}

/** PutRolePolicy; IAM's refusal over the role's 10,240 characters is told with what takes the room. */
export async function writeSessions(client: IAMClient, roleName: string, document: string, statements: number): Promise<void> {
  try {
    await client.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: SESSIONS_POLICY, PolicyDocument: document }));
  } catch (err) {
    if (serviceCodeOf(err) !== "LimitExceeded" && serviceCodeOf(err) !== "LimitExceededException") throw err;
    const others = await otherPoliciesSize(client, roleName);
    const mine = policySize(document);
    const per = Math.ceil(mine / Math.max(1, statements));
    throw new ProviderError(
      "invalid",
      `IAM role ${roleName}'s inline policies would total ${others + mine} characters, over IAM's ${ROLE_INLINE_POLICY_LIMIT} per role ` +
        `(${others} in policies not written by gitgrant, ${mine} in ${SESSIONS_POLICY} with ${statements} grantee statement(s)): ` +
        `about ${Math.max(0, Math.floor((ROLE_INLINE_POLICY_LIMIT - others) / per))} grantees' session statements fit on this role ` +
        `(each stays until 12 h after its grant ends). IAM said: ${(err as Error).message}`,
      { code: "LimitExceeded" },
    );
  }
}

async function otherPoliciesSize(client: IAMClient, roleName: string): Promise<number> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  let size = 0;
  for (const name of names.filter((n) => n !== SESSIONS_POLICY)) {
    const policy = await client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
    size += policy.PolicyDocument ? policySize(decodeURIComponent(policy.PolicyDocument)) : 0;
  }
  return size;
}
