// Google groups through the Cloud Identity Groups API. A membership gitgrant creates has the
// MEMBER role with expiryDetail.expireTime, so Google itself ends it on time (Workspace
// Enterprise Standard/Plus, Enterprise for Education and Cloud Identity Premium support
// expiry). The expiry is also gitgrant's mark: a membership without one, or with a role
// beyond MEMBER (gitgrant only ever creates MEMBER), is standing access, which a grant reports
// and a revoke leaves; one ending exactly when this grant does is gitgrant's own. One ending
// at another time cannot be told apart (an earlier window of this request, or an
// administrator's temporary membership): gitgrant extends it but never shortens it.
// `expiry: false` is for other editions: gitgrant's timers end the membership, and there is
// no mark (see the README).
import { cloudidentity, type cloudidentity_v1 } from "@googleapis/cloudidentity";
import { GoogleAuth } from "google-auth-library";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { httpStatusOf, invalidTarget, kindOf, targetString } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";

type Membership = cloudidentity_v1.Schema$Membership;

export interface GoogleGroupOptions {
  /** A google-auth-library client; default: Application Default Credentials. */
  authClient?: object;
  env?: Record<string, string | undefined>;
  retry?: RetryOptions;
}

export const GOOGLE_GROUPS_SCOPE = "https://www.googleapis.com/auth/cloud-identity.groups";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface GroupTarget {
  email: string;
  /** Whether memberships carry Google's own expiry (false: editions without it). */
  expiry: boolean;
}

export function checkGoogleGroupTarget(resource: Resource): GroupTarget {
  const email = targetString(resource, "group", "a group's email address, e.g. oncall@acme.com", EMAIL);
  const expiry = resource.target?.expiry ?? true;
  if (typeof expiry !== "boolean") throw invalidTarget(resource.id, "has expiry that is not true or false");
  return { email, expiry };
}

const nativeExpiry = (resource: Resource) => resource.target?.expiry !== false;
const memberRole = (m: Membership) => m.roles?.find((r) => r.name === "MEMBER");
const expiryOf = (m: Membership) => memberRole(m)?.expiryDetail?.expireTime ?? undefined;
const onlyMember = (m: Membership) => (m.roles ?? []).every((r) => r.name === "MEMBER");
const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "Z");

export function createGoogleGroupProvider(options: GoogleGroupOptions = {}): Provider {
  const env = options.env ?? process.env;
  const retry = (action: string) => ({ ...options.retry, action });
  const groupNames = new Map<string, string>();
  let api: cloudidentity_v1.Cloudidentity | undefined;

  function client(): cloudidentity_v1.Cloudidentity {
    const keyFilename = env.GOOGLE_APPLICATION_CREDENTIALS;
    const auth = options.authClient ?? new GoogleAuth({ scopes: [GOOGLE_GROUPS_SCOPE], ...(keyFilename ? { keyFilename } : {}) });
    // No gaxios retries: withRetry is the single retry loop (and never sleeps in tests).
    return (api ??= cloudidentity({ version: "v1", auth: auth as never, retry: false, retryConfig: { retry: 0 } }));
  }

  /** A credentials failure is a configuration error, said once, not a passing fault to retry. */
  async function call<T>(fn: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await fn()).data;
    } catch (err) {
      const text = String((err as Error)?.message ?? err);
      if (httpStatusOf(err) === undefined && /default credentials|ENOENT|credential|private_key|client_email/i.test(text)) {
        throw new ProviderError("invalid", `google-group cannot load Google credentials (Application Default Credentials or GOOGLE_APPLICATION_CREDENTIALS): ${text.split("\n")[0]}`);
      }
      throw err;
    }
  }

  async function groupName(target: GroupTarget): Promise<string> {
    let name = groupNames.get(target.email);
    if (!name) {
      name = (await call(() => client().groups.lookup({ "groupKey.id": target.email }))).name ?? undefined;
      if (!name) throw new ProviderError("not_found", `no Google group ${target.email}`);
      groupNames.set(target.email, name);
    }
    return name;
  }

  /** The person's membership of the group, or undefined when there is none. */
  async function membership(group: string, member: string): Promise<Membership | undefined> {
    try {
      const found = await call(() => client().groups.memberships.lookup({ parent: group, "memberKey.id": member }));
      return found.name ? await call(() => client().groups.memberships.get({ name: found.name! })) : undefined;
    } catch (err) {
      if (kindOf(err) === "not_found") return undefined;
      throw err;
    }
  }

  /** Why a membership is provably not gitgrant's, or undefined when it may be. */
  function notOurs(m: Membership, target: GroupTarget): string | undefined {
    if (!onlyMember(m)) return `a membership with the role ${(m.roles ?? []).map((r) => r.name).filter((n) => n !== "MEMBER").join(", ")}, which gitgrant never grants`;
    if (target.expiry && !expiryOf(m)) return "a membership without gitgrant's expiry";
    return undefined;
  }
  const standing = (member: string, email: string, why: string) => `${member} already had standing access to ${email} (${why}); gitgrant will leave it`;

  return {
    name: "google-group",
    nativeExpiry,
    checkTarget: (resource) => void checkGoogleGroupTarget(resource),

    async grant(grant: Grant): Promise<ProviderOutcome> {
      const target = checkGoogleGroupTarget(grant.resource);
      const member = grant.principal;
      const principal = member;
      const until = iso(grant.expiresAt);
      return withRetry(async (): Promise<ProviderOutcome> => {
        const group = await groupName(target);
        const current = await membership(group, member);
        if (current) {
          const why = notOurs(current, target);
          if (why) return { status: "unchanged", found: "standing", principal, detail: standing(member, target.email, why) };
          if (!target.expiry) return { status: "unchanged", principal, detail: `${member} is already a member of ${target.email} (expiry is off for this group; the sweep revokes it)` };
          const has = expiryOf(current)!;
          if (Date.parse(has) === grant.expiresAt.getTime()) {
            return { status: "unchanged", found: "own", principal, detail: `${member} is already a member of ${target.email} until ${until}` };
          }
          // Whose membership this is cannot be told from an expiry that is not this grant's:
          // never shorten it (it may be someone's own, longer one).
          if (Date.parse(has) > grant.expiresAt.getTime()) {
            return {
              status: "unchanged",
              principal,
              detail: `${member} is already a member of ${target.email} until ${iso(new Date(has))}, later than this grant's ${until}; gitgrant never shortens a membership it cannot tell is its own`,
            };
          }
          await call(() =>
            client().groups.memberships.modifyMembershipRoles({
              name: current.name!,
              requestBody: { updateRolesParams: [{ fieldMask: "expiry_detail.expire_time", membershipRole: { name: "MEMBER", expiryDetail: { expireTime: until } } }] },
            }),
          );
          return { status: "granted", principal, detail: `changed ${member}'s membership of ${target.email} to end at ${until}, enforced by Google` };
        }
        const role = target.expiry ? { name: "MEMBER", expiryDetail: { expireTime: until } } : { name: "MEMBER" };
        try {
          await call(() => client().groups.memberships.create({ parent: group, requestBody: { preferredMemberKey: { id: member }, roles: [role] } }));
        } catch (err) {
          if (target.expiry && httpStatusOf(err) === 400) {
            throw new ProviderError("invalid", `${(err as Error).message} (membership expiry needs Google Workspace Enterprise or Cloud Identity Premium; set expiry: false on the target to let gitgrant's timers end it)`);
          }
          throw err;
        }
        return target.expiry
          ? { status: "granted", principal, detail: `added ${member} to ${target.email} until ${until}, enforced by Google` }
          : { status: "granted", principal, detail: `added ${member} to ${target.email} (expiry is off for this group; the sweep revokes it)` };
      }, retry(`add ${member} to ${target.email}`));
    },

    async revoke(ref: GrantRef): Promise<ProviderOutcome> {
      const target = checkGoogleGroupTarget(ref.resource);
      const member = ref.principal;
      const principal = member;
      return withRetry(async (): Promise<ProviderOutcome> => {
        const current = await membership(await groupName(target), member);
        if (!current) return { status: "unchanged", principal, detail: `${member} is not a member of ${target.email}` };
        const why = notOurs(current, target);
        if (why) return { status: "kept", principal, detail: standing(member, target.email, why) };
        try {
          await call(() => client().groups.memberships.delete({ name: current.name! }));
        } catch (err) {
          if (kindOf(err) === "not_found") return { status: "unchanged", principal, detail: `${member} is not a member of ${target.email}` };
          throw err;
        }
        return { status: "revoked", principal, detail: `removed ${member} from ${target.email}` };
      }, retry(`remove ${member} from ${target.email}`));
    },

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      const target = checkGoogleGroupTarget(resource);
      const all = await withRetry(async () => {
        const group = await groupName(target);
        const found: Membership[] = [];
        let pageToken: string | undefined;
        do {
          const page = await call(() => client().groups.memberships.list({ parent: group, view: "FULL", pageSize: 500, pageToken }));
          found.push(...(page.memberships ?? []));
          pageToken = page.nextPageToken ?? undefined;
        } while (pageToken);
        return found;
      }, retry(`list members of ${target.email}`));
      const wanted = principals && new Set(principals.map((p) => p.toLowerCase()));
      return all
        .map((m) => ({ member: m.preferredMemberKey?.id ?? "", expires: expiryOf(m), onlyMember: onlyMember(m) }))
        .filter((m) => m.member && (!wanted || wanted.has(m.member.toLowerCase())))
        .map((m) => ({
          resourceId: resource.id,
          principal: m.member,
          expiresAt: m.expires ? new Date(m.expires) : undefined,
          managedByGitgrant: target.expiry && m.expires !== undefined && m.onlyMember,
        }));
    },
  };
}

export const descriptor = defineProvider({
  name: "google-group",
  identity: { key: "google", schema: { type: "string", pattern: "^[^\\s@]+@[^\\s@]+$", description: "Google account email, e.g. alice@acme.com." } },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["group"],
    properties: {
      group: { type: "string", description: "The group's email address." },
      expiry: { type: "boolean", description: "Google ends the membership itself (default true; needs Workspace Enterprise or Cloud Identity Premium)." },
    },
  },
  checkTarget: (resource) => void checkGoogleGroupTarget(resource),
  nativeExpiry,
  create: (own: GoogleGroupOptions | undefined, shared) => createGoogleGroupProvider({ env: shared.env, ...own, retry: own?.retry ?? shared.retry }),
});
