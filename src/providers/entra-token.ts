// The OAuth 2.0 client-credentials token for Microsoft Graph: one form POST to the tenant's
// token endpoint, cached until shortly before it expires. Small enough not to need MSAL.
// The client proves itself with a secret, or with a federated credential (workload identity):
// a token from GitHub Actions' OIDC endpoint or from AZURE_FEDERATED_TOKEN_FILE (AKS), sent as a
// client assertion, so a workflow needs no stored secret, as the AWS and GCP paths already do.
import { readFile } from "node:fs/promises";
import { configError, retryAfterMs } from "./errors.js";
import { ProviderError } from "./types.js";

/** Gives a bearer token for Microsoft Graph. */
export type TokenSource = () => Promise<string>;

export interface ClientCredentialsOptions {
  fetch?: typeof fetch;
  /** Clock for the cache and for an HTTP-date Retry-After. */
  now?: () => number;
  /** Reads AZURE_FEDERATED_TOKEN_FILE (injectable for tests). */
  readFile?: (path: string) => Promise<string>;
  /** The Graph endpoint the token is for (its `/.default` scope); default from the cloud. */
  graphEndpoint?: string;
}

// Renew this long before Entra's stated expiry, so a token never dies mid-request.
const EARLY_RENEWAL_MS = 5 * 60_000;

/** Sign-in and Graph endpoints of Microsoft's national clouds (Graph docs, "National cloud deployments"). */
export const NATIONAL_CLOUDS: Record<string, { authorityHost: string; graphEndpoint: string }> = {
  public: { authorityHost: "https://login.microsoftonline.com", graphEndpoint: "https://graph.microsoft.com" },
  usgov: { authorityHost: "https://login.microsoftonline.us", graphEndpoint: "https://graph.microsoft.us" },
  "usgov-dod": { authorityHost: "https://login.microsoftonline.us", graphEndpoint: "https://dod-graph.microsoft.us" },
  china: { authorityHost: "https://login.chinacloudapi.cn", graphEndpoint: "https://microsoftgraph.chinacloudapi.cn" },
};

/**
 * The cloud's endpoints: AZURE_CLOUD (public, usgov, usgov-dod, china) for both, or
 * AZURE_AUTHORITY_HOST and GITGRANT_GRAPH_ENDPOINT one by one (each wins over AZURE_CLOUD).
 */
export function entraCloud(env: Record<string, string | undefined>): { authorityHost: string; graphEndpoint: string } {
  const name = env.AZURE_CLOUD?.toLowerCase() ?? "public";
  const cloud = NATIONAL_CLOUDS[name];
  if (!cloud) {
    throw configError("entra-group", `AZURE_CLOUD "${env.AZURE_CLOUD}" is not a known cloud`, `Use one of ${Object.keys(NATIONAL_CLOUDS).join(", ")}, or set AZURE_AUTHORITY_HOST and GITGRANT_GRAPH_ENDPOINT`);
  }
  const trim = (url: string) => url.replace(/\/+$/, "");
  return {
    authorityHost: trim(env.AZURE_AUTHORITY_HOST ?? cloud.authorityHost),
    graphEndpoint: trim(env.GITGRANT_GRAPH_ENDPOINT ?? cloud.graphEndpoint),
  };
}

export const ENTRA_CREDENTIAL_HINT =
  "Set AZURE_TENANT_ID and AZURE_CLIENT_ID, and either a federated credential (in GitHub Actions: permissions: id-token: write " +
  "and a federated credential for this repository on the app registration; elsewhere AZURE_FEDERATED_TOKEN_FILE) or AZURE_CLIENT_SECRET";

// Token endpoint errors that mean the app registration or its credential is wrong.
const CREDENTIAL_ERRORS = new Set(["invalid_client", "unauthorized_client", "invalid_request", "invalid_grant", "invalid_scope"]);

type Credential = { client_secret: string } | { client_assertion_type: string; client_assertion: string };

/**
 * A token source reading AZURE_TENANT_ID, AZURE_CLIENT_ID and a credential from `env` when
 * first asked (so building providers needs no credentials). Errors never carry the secret.
 */
export function clientCredentialsToken(env: Record<string, string | undefined>, options: ClientCredentialsOptions = {}): TokenSource {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const read = options.readFile ?? ((path: string) => readFile(path, "utf8"));
  let cached: { token: string; renewAt: number } | undefined;

  /** The client's proof: a secret, or a federated token fetched fresh (they live minutes). */
  async function credential(): Promise<Credential> {
    if (env.AZURE_CLIENT_SECRET) return { client_secret: env.AZURE_CLIENT_SECRET };
    const assertion = (jwt: string) => ({ client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: jwt.trim() });
    if (env.AZURE_FEDERATED_TOKEN_FILE) {
      try {
        return assertion(await read(env.AZURE_FEDERATED_TOKEN_FILE));
      } catch (err) {
        throw configError("entra-group", `cannot read AZURE_FEDERATED_TOKEN_FILE ${env.AZURE_FEDERATED_TOKEN_FILE} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, ENTRA_CREDENTIAL_HINT);
      }
    }
    const oidcUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const oidcToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (oidcUrl && oidcToken) {
      // GitHub's OIDC token, with the audience Entra's federated credentials expect.
      const url = `${oidcUrl}${oidcUrl.includes("?") ? "&" : "?"}audience=${encodeURIComponent("api://AzureADTokenExchange")}`;
      let response: Response;
      try {
        response = await doFetch(url, { headers: { authorization: `bearer ${oidcToken}`, accept: "application/json" } });
      } catch (err) {
        throw new ProviderError("transient", `GitHub Actions OIDC token request failed: ${(err as Error).message}`, { code: "network" });
      }
      const data = (await response.json().catch(() => ({}))) as { value?: string };
      if (!response.ok || !data.value) {
        const kind = response.status >= 500 ? "transient" : response.status === 429 ? "throttled" : "config";
        if (kind === "config") throw configError("entra-group", `GitHub Actions refused the OIDC token request (HTTP ${response.status})`, ENTRA_CREDENTIAL_HINT);
        throw new ProviderError(kind, `GitHub Actions OIDC token request failed (HTTP ${response.status})`, { status: response.status, retryAfterMs: retryAfterMs({ headers: response.headers }, now) });
      }
      return assertion(data.value);
    }
    throw configError("entra-group", "no Entra credential in the environment", ENTRA_CREDENTIAL_HINT);
  }

  return async () => {
    if (cached && now() < cached.renewAt) return cached.token;
    const tenant = env.AZURE_TENANT_ID;
    const clientId = env.AZURE_CLIENT_ID;
    if (!tenant || !clientId) {
      throw configError("entra-group", `${[!tenant && "AZURE_TENANT_ID", !clientId && "AZURE_CLIENT_ID"].filter(Boolean).join(" and ")} not set`, ENTRA_CREDENTIAL_HINT);
    }
    const cloud = entraCloud(env);
    const graph = (options.graphEndpoint ?? cloud.graphEndpoint).replace(/\/+$/, "");
    const url = `${cloud.authorityHost}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
    const body = new URLSearchParams({
      client_id: clientId,
      scope: `${graph}/.default`,
      ...(await credential()),
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
      const problem = `Entra token request for tenant ${tenant} failed (HTTP ${response.status}) ${why}`;
      if (response.status < 500 && response.status !== 429 && (CREDENTIAL_ERRORS.has(data.error ?? "") || response.status === 401)) {
        throw configError("entra-group", problem, ENTRA_CREDENTIAL_HINT);
      }
      const kind = response.status >= 500 ? "transient" : response.status === 429 ? "throttled" : "denied";
      // Entra's own Retry-After is passed on, so the retry loop waits as long as it asked.
      throw new ProviderError(kind, problem, { status: response.status, code: data.error, retryAfterMs: retryAfterMs({ headers: response.headers }, now) });
    }
    cached = { token: data.access_token, renewAt: now() + (data.expires_in ?? 3600) * 1000 - EARLY_RENEWAL_MS };
    return cached.token;
  };
}
