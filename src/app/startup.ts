// What the app checks and says when it starts: it refuses to run with no webhook secret,
// or with Probot's public default "development", outside NODE_ENV=development (anyone could
// then sign a webhook and have access requests merged); and it names its app id, the
// events it serves and the providers it has credentials for, in one line.

/** Probot's default secret when none is set: public, so never acceptable in production. */
export const PROBOT_DEFAULT_SECRET = "development";

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

type Env = Record<string, string | undefined>;

/** Throws StartupError when the app must not serve webhooks with this environment. */
export function checkStartup(env: Env): void {
  if (env.NODE_ENV === "development") return;
  const secret = env.WEBHOOK_SECRET;
  if (!secret) {
    throw new StartupError("WEBHOOK_SECRET is not set: gitgrant refuses to start, since anyone could send it webhooks. Set it to the GitHub App's webhook secret (or NODE_ENV=development to try it locally).");
  }
  if (secret === PROBOT_DEFAULT_SECRET) {
    throw new StartupError(`WEBHOOK_SECRET is Probot's public default "${PROBOT_DEFAULT_SECRET}": gitgrant refuses to start. Set the GitHub App's own webhook secret (or NODE_ENV=development to try it locally).`);
  }
}

/**
 * The providers whose credentials this environment has. github-team always works through the
 * installation token; aws-iam goes through the SDK's credential chain, which may also find an
 * instance or task role, so it is listed as "default chain" when no variable names it.
 */
export function configuredProviders(env: Env): string[] {
  const out = ["github-team (installation token)"];
  const aws = env.AWS_ACCESS_KEY_ID ? "access key" : env.AWS_WEB_IDENTITY_TOKEN_FILE ? "web identity" : env.AWS_PROFILE ? `profile ${env.AWS_PROFILE}` : env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ? "task role" : null;
  out.push(`aws-iam (${aws ?? "default chain, nothing set"})`);
  out.push(env.GOOGLE_APPLICATION_CREDENTIALS ? "gcp-iam (GOOGLE_APPLICATION_CREDENTIALS)" : "gcp-iam (application default credentials, nothing set)");
  if (env.AZURE_TENANT_ID && env.AZURE_CLIENT_ID && env.AZURE_CLIENT_SECRET) out.push("entra-group (client credentials)");
  out.push(`local (${env.GITGRANT_LEDGER ? "GITGRANT_LEDGER" : ".gitgrant/ledger.json"})`);
  return out;
}

export function startupLine(version: string, appId: number | undefined, events: string[], env: Env): string {
  return `gitgrant ${version} started: app id ${appId ?? "unset"}; serving ${events.join(", ")}; providers ${configuredProviders(env).join(", ")}`;
}
