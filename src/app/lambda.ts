// The app on AWS Lambda, through Probot's maintained adapter: point an API Gateway route or
// a Lambda function URL at `handler` (dist/app/lambda.js). Nothing is kept between
// invocations but the loaded app, so any number of concurrent instances is fine.
import { createRequire } from "node:module";
import { createProbot, type Probot } from "probot";
// No expiry timers on Lambda: a frozen function runs no timer, so the sweep ends grants there.
import { createApp, type AppOptions } from "./index.js";
import { checkStartup } from "./startup.js";

/** The parts of an API Gateway (REST or HTTP API) or function URL event the adapter reads. */
export interface WebhookEvent {
  httpMethod?: string;
  path?: string;
  headers: Record<string, string | undefined>;
  body: string | null;
  isBase64Encoded?: boolean;
}

export interface LambdaResult {
  statusCode: number;
  body: string;
}

type Handler = (event: WebhookEvent, context?: unknown) => Promise<LambdaResult>;

// The adapter's request function itself: its createLambdaFunction was written for Probot 13,
// whose load() and webhooks were ready at once; Probot 14 initialises asynchronously, so
// the app is loaded (and awaited) here and the verified receive is left to the adapter.
const adapterFunction = createRequire(import.meta.url)("@probot/adapter-aws-lambda-serverless/lambda-function.js") as (
  probot: Probot,
  event: WebhookEvent,
  context: unknown,
) => Promise<LambdaResult>;

export function createHandler(options: { probot?: Probot; app?: AppOptions; env?: Record<string, string | undefined> } = {}): Handler {
  const env = options.env ?? process.env;
  checkStartup(env);
  const probot = options.probot ?? createProbot({ env: env as NodeJS.ProcessEnv });
  const loaded = probot.load(createApp({ production: true, environment: env, timers: false, ...options.app }));
  return async (event, context) => {
    // Function URLs and HTTP APIs may base64-encode the body; the signature is over the raw bytes.
    const body = event.isBase64Encoded && event.body ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
    await loaded;
    try {
      return await adapterFunction(probot, { ...event, body, isBase64Encoded: false }, context);
    } catch (err) {
      // A bad signature is the sender's fault (400/401); anything else is ours, and GitHub redelivers on 5xx.
      // @octokit/webhooks rejects with an AggregateError whose inner error carries the status.
      const e = err as { status?: number; errors?: Array<{ status?: number; message?: string }> };
      const status = e.status ?? e.errors?.[0]?.status;
      const statusCode = typeof status === "number" && status >= 400 && status < 500 ? status : 500;
      probot.log.error(`lambda: webhook not handled (${statusCode}): ${e.errors?.[0]?.message ?? (err as Error).message}`);
      return { statusCode, body: JSON.stringify({ ok: false, error: statusCode < 500 ? (e.errors?.[0]?.message ?? (err as Error).message) : "internal error" }) };
    }
  };
}

let built: Handler | undefined;

/** The Lambda entry point; the app is built on the first invocation, from the environment. */
export const handler: Handler = (event, context) => (built ??= createHandler())(event, context);
