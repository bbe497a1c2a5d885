// The IAM Query API as it is on the wire, for the aws-iam tests: a form-encoded POST to
// https://iam.amazonaws.com/ with Action=...&Version=2010-05-08, XML replies in IAM's
// namespace, errors as <ErrorResponse> with a code (Throttling comes back as HTTP 400).
import nock from "nock";
import { isDeepStrictEqual } from "node:util";
import { createAwsIamProvider, type AwsIamOptions } from "../../src/providers/aws-iam.js";
import { NOW, recordingSleep } from "../helpers/providers.js";

export const IAM = "https://iam.amazonaws.com";
export const NS = "https://iam.amazonaws.com/doc/2010-05-08/";

export const ok = (action: string, result = "") =>
  `<${action}Response xmlns="${NS}">${result}<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata></${action}Response>`;
export const error = (code: string, message: string, type = "Sender") =>
  `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4c5e9b0a-1f3d-4b7e-9a62-0d4fEXAMPLE</RequestId></ErrorResponse>`;

export const policies = (...names: string[]) =>
  ok("ListUserPolicies", `<ListUserPoliciesResult><PolicyNames>${names.map((n) => `<member>${n}</member>`).join("")}</PolicyNames><IsTruncated>false</IsTruncated></ListUserPoliciesResult>`);
export const policyXml = (user: string, name: string, document: string) =>
  ok("GetUserPolicy", `<GetUserPolicyResult><UserName>${user}</UserName><PolicyName>${name}</PolicyName><PolicyDocument>${encodeURIComponent(document)}</PolicyDocument></GetUserPolicyResult>`);
export const rolePolicyXml = (role: string, name: string, document: string) =>
  ok("GetRolePolicy", `<GetRolePolicyResult><RoleName>${role}</RoleName><PolicyName>${name}</PolicyName><PolicyDocument>${encodeURIComponent(document)}</PolicyDocument></GetRolePolicyResult>`);
export const rolePolicies = (...names: string[]) =>
  ok("ListRolePolicies", `<ListRolePoliciesResult><PolicyNames>${names.map((n) => `<member>${n}</member>`).join("")}</PolicyNames><IsTruncated>false</IsTruncated></ListRolePoliciesResult>`);

/** GetRole's reply: the trust policy comes back URL-encoded, MaxSessionDuration in seconds. */
export const roleXml = (arn: string, trust: unknown, maxSessionSeconds = 3600) => {
  const name = arn.slice(arn.lastIndexOf("/") + 1);
  return ok(
    "GetRole",
    `<GetRoleResult><Role><Path>/</Path><RoleName>${name}</RoleName><RoleId>AROA3XFRBF535PLBIFPI4</RoleId><Arn>${arn}</Arn>` +
      `<CreateDate>2024-05-09T15:45:35Z</CreateDate><AssumeRolePolicyDocument>${encodeURIComponent(JSON.stringify(trust))}</AssumeRolePolicyDocument>` +
      `<MaxSessionDuration>${maxSessionSeconds}</MaxSessionDuration><RoleLastUsed/></Role></GetRoleResult>`,
  );
};

/** A trust policy letting the account's principals assume the role and set a source identity. */
export const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: ["sts:AssumeRole", "sts:SetSourceIdentity"] }],
};

/** One IAM query call: matches only when the decoded form body is exactly `form`. */
export function call(scope: nock.Scope, form: Record<string, string>, status: number, xml: string): nock.Scope {
  return scope
    .post("/", (body) => isDeepStrictEqual({ ...body }, { Version: "2010-05-08", ...form }))
    .reply(status, xml, { "content-type": "text/xml" });
}

export function setup(options: AwsIamOptions = {}) {
  const { sleep, delays } = recordingSleep();
  const provider = createAwsIamProvider({
    clientConfig: { credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "x" } },
    retry: { sleep },
    now: () => NOW,
    ...options,
  });
  return { provider, delays };
}
