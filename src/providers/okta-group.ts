// Okta group membership through the Management API, authenticated as an OAuth 2.0 service
// app with a private-key JWT client assertion (no API token anywhere). Okta cannot expire a
// membership, so the sweep ends it. Okta keeps no author on a membership, but its System Log
// does (for 90 days): a grant that finds a membership says whose it is when the latest
// "added" event tells (gitgrant's own client: own; anyone else: standing), and the revoke
// never removes one that someone else added last. With no event left in the log the
// receipts are the record: the revoke is asked for only what gitgrant's receipt says it
// created, so it removes it (a grant longer than 90 days must still end).
import { createPrivateKey, randomUUID, sign } from "node:crypto";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { kindForHttpStatus, invalidTarget, redact, targetString } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";

export interface OktaGroupOptions {
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** Clock for the JWT's iat/exp, the token cache, X-Rate-Limit-Reset and the System Log window. */
  now?: () => Date;
}

const GROUP_ID = /^00g[A-Za-z0-9]{17}$/;
const USER_ID = /^00u[A-Za-z0-9]{17}$/;
export const OKTA_SCOPES = "okta.groups.manage okta.users.read okta.logs.read";
// Okta keeps System Log events for 90 days; its default window is only 7.
const LOG_DAYS = 90;

export function checkOktaTarget(resource: Resource): { groupId: string } {
  return { groupId: targetString(resource, "group_id", "an Okta group id, e.g. 00g1emaKYZTWRYYRRTSK", GROUP_ID) };
}

interface OktaUser {
  id: string;
  profile?: { login?: string };
}

/** The base64url JSON Web Token Okta's token endpoint accepts as client_assertion (RFC 7523). */
export function clientAssertion(clientId: string, audience: string, privateKeyPem: string, now: Date, keyId?: string): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const iat = Math.floor(now.getTime() / 1000);
  const header = b64({ alg: "RS256", typ: "JWT", ...(keyId ? { kid: keyId } : {}) });
  const claims = b64({ iss: clientId, sub: clientId, aud: audience, iat, exp: iat + 300, jti: randomUUID() });
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), createPrivateKey(privateKeyPem)).toString("base64url");
  return `${header}.${claims}.${signature}`;
}

/** The URL of the Link header's rel="next", as Okta paginates. */
export function nextLink(link: string | null): string | undefined {
  return link?.split(",").map((part) => /<([^>]+)>;\s*rel="next"/.exec(part)?.[1]).find(Boolean);
}

const nativeExpiry = () => false;

export function createOktaGroupProvider(options: OktaGroupOptions = {}): Provider {
  const env = options.env ?? process.env;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const retry = (action: string) => ({ ...options.retry, action });
  let cached: { token: string; renewAt: number } | undefined;

  function settings() {
    const org = env.OKTA_ORG_URL?.replace(/\/+$/, "");
    const clientId = env.OKTA_CLIENT_ID;
    const key = env.OKTA_PRIVATE_KEY;
    if (!org || !clientId || !key) {
      throw new ProviderError("invalid", "okta-group needs OKTA_ORG_URL, OKTA_CLIENT_ID and OKTA_PRIVATE_KEY (a PEM private key of the service app) in the environment");
    }
    return { org, clientId, key, keyId: env.OKTA_KEY_ID };
  }

  async function token(): Promise<string> {
    if (cached && now().getTime() < cached.renewAt) return cached.token;
    const { org, clientId, key, keyId } = settings();
    const audience = `${org}/oauth2/v1/token`;
    let assertion: string;
    try {
      assertion = clientAssertion(clientId, audience, key, now(), keyId);
    } catch (err) {
      throw new ProviderError("invalid", `OKTA_PRIVATE_KEY cannot sign the client assertion: ${(err as Error).message}`);
    }
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      scope: OKTA_SCOPES,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    const response = await doFetch(audience, { method: "POST", headers: { accept: "application/json", "content-type": "application/x-www-form-urlencoded" }, body });
    const data = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!response.ok || !data.access_token) {
      const kind = response.status >= 500 ? "transient" : response.status === 429 ? "throttled" : "denied";
      throw new ProviderError(kind, redact(`Okta token request for ${clientId} failed (HTTP ${response.status}) ${data.error ?? "error"}: ${data.error_description ?? ""}`.trim()), { status: response.status, code: data.error });
    }
    cached = { token: data.access_token, renewAt: now().getTime() + ((data.expires_in ?? 3600) - 300) * 1000 };
    return cached.token;
  }

  /** One Management API call; a failure becomes a ProviderError carrying Okta's errorCode and when to come back. */
  async function okta(method: string, url: string): Promise<Response> {
    const response = await doFetch(url.startsWith("https://") ? url : `${settings().org}${url}`, {
      method,
      headers: { accept: "application/json", authorization: `Bearer ${await token()}` },
    });
    if (response.ok) return response;
    const data = (await response.json().catch(() => ({}))) as { errorCode?: string; errorSummary?: string };
    const reset = Number(response.headers.get("x-rate-limit-reset"));
    const retryAfterMs = response.status === 429 && Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now().getTime()) : undefined;
    const kind = kindForHttpStatus(response.status) ?? "transient";
    throw new ProviderError(kind, `${method} ${new URL(url, "https://okta").pathname}: HTTP ${response.status} ${data.errorCode ?? ""} ${data.errorSummary ?? ""}`.replace(/\s+/g, " ").trim(), {
      status: response.status,
      code: data.errorCode,
      retryAfterMs,
    });
  }

  async function pages<T>(first: string): Promise<T[]> {
    const all: T[] = [];
    for (let url: string | undefined = first; url; ) {
      const response = await okta("GET", url);
      all.push(...((await response.json()) as T[]));
      url = nextLink(response.headers.get("link"));
    }
    return all;
  }

  /** The Okta user id for an id or a login; undefined when Okta has no such user. */
  async function userId(principal: string): Promise<string | undefined> {
    if (USER_ID.test(principal)) return principal;
    try {
      return ((await (await okta("GET", `/api/v1/users/${encodeURIComponent(principal)}`)).json()) as OktaUser).id;
    } catch (err) {
      if (err instanceof ProviderError && err.kind === "not_found") return undefined;
      throw err;
    }
  }

  const isMember = async (groupId: string, user: string) =>
    (await pages<{ id: string }>(`/api/v1/users/${user}/groups?limit=200`)).some((g) => g.id === groupId);

  /** Who added the member last, per the System Log: "gitgrant", another actor's name, or undefined when no event is kept. */
  async function addedBy(groupId: string, user: string): Promise<"gitgrant" | string | undefined> {
    const since = new Date(now().getTime() - LOG_DAYS * 86_400_000).toISOString();
    const filter = `eventType eq "group.user_membership.add" and target.id eq "${user}" and target.id eq "${groupId}"`;
    const query = new URLSearchParams({ since, filter, sortOrder: "DESCENDING", limit: "1" });
    const [event] = (await (await okta("GET", `/api/v1/logs?${query}`)).json()) as Array<{ actor?: { id?: string; displayName?: string } }>;
    if (!event) return undefined;
    return event.actor?.id === settings().clientId ? "gitgrant" : (event.actor?.displayName ?? event.actor?.id ?? "someone else");
  }

  const standing = (principal: string, groupId: string, by: string | undefined) =>
    `${principal} already had standing access to Okta group ${groupId} (${by ? `added by ${by}` : `no "added" event in the System Log's last ${LOG_DAYS} days`}); gitgrant will leave it`;

  return {
    name: "okta-group",
    nativeExpiry,
    checkTarget: (resource) => void checkOktaTarget(resource),

    async grant(grant: Grant): Promise<ProviderOutcome> {
      const { groupId } = checkOktaTarget(grant.resource);
      return withRetry(async () => {
        const user = await userId(grant.principal);
        if (!user) throw invalidTarget(grant.resource.id, `cannot be granted to "${grant.principal}": no such user in Okta`);
        const principal = grant.principal;
        if (await isMember(groupId, user)) {
          const by = await addedBy(groupId, user);
          if (by === "gitgrant") return { status: "unchanged", found: "own", principal, detail: `${principal} is already in Okta group ${groupId} (added by gitgrant)` };
          if (by) return { status: "unchanged", found: "standing", principal, detail: standing(principal, groupId, by) };
          // No event left to tell by: the receipts decide whose it is.
          return { status: "unchanged", principal, detail: `${principal} is already in Okta group ${groupId} (no "added" event in the System Log's last ${LOG_DAYS} days to tell who added it)` };
        }
        await okta("PUT", `/api/v1/groups/${groupId}/users/${user}`);
        return { status: "granted", principal, detail: `added ${principal} to Okta group ${groupId} (Okta does not expire it; the sweep revokes it)` };
      }, retry(`add ${grant.principal} to Okta group ${groupId}`));
    },

    async revoke(ref: GrantRef): Promise<ProviderOutcome> {
      const { groupId } = checkOktaTarget(ref.resource);
      return withRetry(async () => {
        const principal = ref.principal;
        const user = await userId(principal);
        if (!user || !(await isMember(groupId, user))) return { status: "unchanged", principal, detail: `${principal} is not in Okta group ${groupId}` };
        const by = await addedBy(groupId, user);
        // Someone else added the membership after gitgrant did (or instead): theirs to keep.
        if (by && by !== "gitgrant") return { status: "kept", principal, detail: standing(principal, groupId, by) };
        try {
          await okta("DELETE", `/api/v1/groups/${groupId}/users/${user}`);
        } catch (err) {
          if (err instanceof ProviderError && err.kind === "not_found") return { status: "unchanged", principal, detail: `${principal} is not in Okta group ${groupId}` };
          throw err;
        }
        const basis = by ? "" : ` (no "added" event left in the System Log's last ${LOG_DAYS} days; removed on gitgrant's receipt)`;
        return { status: "revoked", principal, detail: `removed ${principal} from Okta group ${groupId}${basis}` };
      }, retry(`remove ${ref.principal} from Okta group ${groupId}`));
    },

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      const { groupId } = checkOktaTarget(resource);
      const members = await withRetry(() => pages<OktaUser>(`/api/v1/groups/${groupId}/users?limit=200`), retry(`list Okta group ${groupId}`));
      const wanted = principals && new Set(principals.map((p) => p.toLowerCase()));
      return members
        .map((m) => ({ id: m.id, login: m.profile?.login ?? m.id }))
        .filter((m) => !wanted || wanted.has(m.login.toLowerCase()) || wanted.has(m.id.toLowerCase()))
        .map((m) => ({
          resourceId: resource.id,
          principal: principals?.find((p) => p.toLowerCase() === m.id.toLowerCase()) ?? m.login,
          // Telling gitgrant's members apart costs one System Log read each; the revoke does it.
          managedByGitgrant: false,
        }));
    },
  };
}

export const descriptor = defineProvider({
  name: "okta-group",
  identity: { key: "okta", schema: { type: "string", description: "Okta user id (00u...) or login, e.g. alice@acme.com." } },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["group_id"],
    properties: { group_id: { type: "string", pattern: "^00g[A-Za-z0-9]{17}$", description: "Okta group id (an OKTA_GROUP; app groups cannot be changed)." } },
  },
  checkTarget: (resource) => void checkOktaTarget(resource),
  nativeExpiry,
  create: (own: OktaGroupOptions | undefined, shared) => createOktaGroupProvider({ env: shared.env, ...own, retry: own?.retry ?? shared.retry }),
});
