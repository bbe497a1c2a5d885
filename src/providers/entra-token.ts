// The OAuth 2.0 client-credentials token for Microsoft Graph: one form POST to the tenant's
// token endpoint, cached until shortly before it expires. Small enough not to need MSAL.
import { ProviderError } from "./types.js";

/** Gives a bearer token for https://graph.microsoft.com. */
export type TokenSource = () => Promise<string>;

export interface ClientCredentialsOptions {
  fetch?: typeof fetch;
  /** Clock for the cache only. */
  now?: () => number;
}

// Renew this long before Entra's stated expiry, so a token never dies mid-request.
const EARLY_RENEWAL_MS = 5 * 60_000;

/**
 * A token source reading AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET from `env`
 * when first asked (so building providers needs no credentials). Errors never carry the secret.
 */
export function clientCredentialsToken(env: Record<string, string | undefined>, options: ClientCredentialsOptions = {}): TokenSource {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let cached: { token: string; renewAt: number } | undefined;

  return async () => {
    if (cached && now() < cached.renewAt) return cached.token;
    const tenant = env.AZURE_TENANT_ID;
    const clientId = env.AZURE_CLIENT_ID;
    const secret = env.AZURE_CLIENT_SECRET;
    if (!tenant || !clientId || !secret) {
      throw new ProviderError("invalid", "entra-group needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET in the environment");
    }
    const url = `https://login.microsoftonline.com/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: clientId,
      scope: "https://graph.microsoft.com/.default",
      client_secret: secret,
      grant_type: "client_credentials",
    });
    let response: Response;
    try {
      response = await doFetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    } catch (err) {
      throw new ProviderError("transient", `Entra token request failed: ${(err as Error).message}`, { code: "network" });
    }
    const data = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !data.access_token) {
      // "AADSTS7000215: Invalid client secret provided. ..." names the problem, never the secret.
      const why = `${data.error ?? "error"}: ${(data.error_description ?? "").split(/\r?\n/)[0]}`;
      const kind = response.status >= 500 ? "transient" : response.status === 429 ? "throttled" : "denied";
      throw new ProviderError(kind, `Entra token request for tenant ${tenant} failed (HTTP ${response.status}) ${why}`, {
        status: response.status,
        code: data.error,
      });
    }
    cached = { token: data.access_token, renewAt: now() + (data.expires_in ?? 3600) * 1000 - EARLY_RENEWAL_MS };
    return cached.token;
  };
}
