// The one place where SDK and HTTP failures become ProviderErrors, so the apply loop
// decides retry-or-report from `kind` alone and never sees an SDK type.
import { ProviderError, type ProviderErrorKind } from "./types.js";

export { ProviderError };
export type { ProviderErrorKind };

/** Kind for an HTTP status; undefined when the status says nothing (2xx, 3xx). */
export function kindForHttpStatus(status: number): ProviderErrorKind | undefined {
  if (status === 404 || status === 410) return "not_found";
  if (status === 409 || status === 412) return "conflict";
  if (status === 429) return "throttled";
  // 401: the credential itself was refused (wrong, expired or revoked): the setup needs fixing.
  if (status === 401) return "config";
  if (status === 403) return "denied";
  if (status === 408 || status >= 500) return "transient";
  if (status >= 400) return "invalid";
  return undefined;
}

// gRPC canonical codes, as google-gax reports them (numeric `code` on a GoogleError).
const GRPC_KINDS: Record<number, ProviderErrorKind> = {
  1: "transient", // CANCELLED
  2: "transient", // UNKNOWN
  3: "invalid", // INVALID_ARGUMENT
  4: "transient", // DEADLINE_EXCEEDED
  5: "not_found", // NOT_FOUND
  6: "conflict", // ALREADY_EXISTS
  7: "denied", // PERMISSION_DENIED
  8: "throttled", // RESOURCE_EXHAUSTED
  9: "invalid", // FAILED_PRECONDITION
  10: "conflict", // ABORTED: concurrent policy change (etag mismatch)
  11: "invalid", // OUT_OF_RANGE
  12: "invalid", // UNIMPLEMENTED
  13: "transient", // INTERNAL
  14: "transient", // UNAVAILABLE
  16: "config", // UNAUTHENTICATED: the credential was refused
};

// AWS reports throttling as HTTP 400 with an error code, so the code must win over the status.
const AWS_CODE_KINDS: Record<string, ProviderErrorKind> = {
  Throttling: "throttled",
  ThrottlingException: "throttled",
  TooManyRequestsException: "throttled",
  RequestLimitExceeded: "throttled",
  NoSuchEntity: "not_found",
  NoSuchEntityException: "not_found",
  EntityAlreadyExists: "conflict",
  EntityAlreadyExistsException: "conflict",
  ConcurrentModification: "conflict",
  ConcurrentModificationException: "conflict",
  AccessDenied: "denied",
  AccessDeniedException: "denied",
  // No credential, or one AWS refuses: a setup problem, never a passing fault.
  CredentialsProviderError: "config",
  InvalidClientTokenId: "config",
  UnrecognizedClientException: "config",
  ExpiredToken: "config",
  ExpiredTokenException: "config",
  SignatureDoesNotMatch: "config",
  IncompleteSignature: "config",
  ServiceFailure: "transient",
  ServiceFailureException: "transient",
  ServiceUnavailable: "transient",
  ServiceUnavailableException: "transient",
  LimitExceeded: "invalid",
  LimitExceededException: "invalid",
  MalformedPolicyDocument: "invalid",
  MalformedPolicyDocumentException: "invalid",
  InvalidInput: "invalid",
  InvalidInputException: "invalid",
};

// Socket-level failures: the request may not have reached the service, so try again.
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const TIMEOUT_NAMES = new Set(["TimeoutError", "AbortError", "RequestTimeout", "RequestTimeoutException"]);

type Loose = Record<string, unknown> & { cause?: unknown; response?: Record<string, unknown> };

function asLoose(err: unknown): Loose {
  return typeof err === "object" && err !== null ? (err as Loose) : {};
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** The HTTP status an SDK error carries, under whichever name that SDK uses. */
export function httpStatusOf(err: unknown): number | undefined {
  const e = asLoose(err);
  const metadata = asLoose(e.$metadata);
  return (
    numberOr(e.status) ??
    numberOr(e.statusCode) ??
    numberOr(metadata.httpStatusCode) ??
    numberOr(asLoose(e.response).status)
  );
}

// Class names that say nothing about the failure itself.
const GENERIC_NAMES = new Set(["Error", "TypeError", "HttpError", "RequestError", "GitHubApiError", "GraphError", "GaxiosError", "GoogleError"]);

/** Google APIs (through gaxios) put their JSON error body in the message. */
function googleErrorBody(err: unknown): { message?: string; status?: string } | undefined {
  const text = asLoose(err).message;
  if (typeof text !== "string" || !text.startsWith("{")) return undefined;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; status?: unknown } };
    if (!body.error || typeof body.error !== "object") return undefined;
    return { message: stringOr(body.error.message), status: stringOr(body.error.status) };
  } catch {
    return undefined;
  }
}

/** The service's own error code (AWS `name`, Graph `code`; GitHub has none). */
export function serviceCodeOf(err: unknown): string | undefined {
  const e = asLoose(err);
  const name = stringOr(e.name);
  return (
    stringOr(e.Code) ??
    googleErrorBody(err)?.status ??
    (typeof e.code === "string" && e.code ? e.code : undefined) ??
    (name && !GENERIC_NAMES.has(name) ? name : undefined)
  );
}

function isGoogleError(err: unknown): boolean {
  const e = asLoose(err);
  return e.constructor?.name === "GoogleError" && typeof e.code === "number";
}

function isGithubRateLimit(err: unknown): boolean {
  const e = asLoose(err);
  const headers = asLoose(asLoose(e.response).headers);
  if (httpStatusOf(err) !== 403) return false;
  return headers["x-ratelimit-remaining"] === "0" || /rate limit/i.test(String(e.message ?? ""));
}

function networkCodeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = asLoose(e).cause, depth++) {
    const code = asLoose(e).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

// google-auth-library's words when Application Default Credentials find nothing.
const NO_GOOGLE_CREDENTIALS = /could not load the default credentials|unable to detect a project id/i;

/** A bug in the code (or a library's), not a fault of the network or the service. */
function isProgrammingError(err: unknown): boolean {
  return err instanceof TypeError || err instanceof ReferenceError || err instanceof SyntaxError || err instanceof RangeError;
}

/** Decide the kind of any thrown value. */
export function kindOf(err: unknown): ProviderErrorKind {
  if (err instanceof ProviderError) return err.kind;
  if (NO_GOOGLE_CREDENTIALS.test(String(asLoose(err).message ?? ""))) return "config";
  if (isGoogleError(err)) return GRPC_KINDS[asLoose(err).code as number] ?? "transient";
  const code = serviceCodeOf(err);
  if (code && Object.hasOwn(AWS_CODE_KINDS, code)) return AWS_CODE_KINDS[code];
  if (isGithubRateLimit(err)) return "throttled";
  const status = httpStatusOf(err);
  const byStatus = status === undefined ? undefined : kindForHttpStatus(status);
  if (byStatus) return byStatus;
  if (networkCodeOf(err)) return "transient";
  if (code && TIMEOUT_NAMES.has(code)) return "transient";
  // undici reports a lost connection as `TypeError: fetch failed` with a socket code in its
  // cause, caught just above; any other TypeError is a bug that no retry can cure.
  if (isProgrammingError(err)) return "internal";
  // Anything else (no status, no code) cannot be told apart from a passing fault, so it
  // gets the bounded retries; its message still says what happened.
  return "transient";
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  // A credential has digits; the English after "token" ("token included in the request") has none.
  [/\b(bearer|token|basic)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
  [/\b(access_token|client_secret|refresh_token|assertion|password|secret)(["']?\s*[=:]\s*["']?)[^\s"'&,}]+/gi, "$1$2[redacted]"],
  [/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, "[redacted]"],
  [/\bgh[opsur]_[A-Za-z0-9]{20,}\b/g, "[redacted]"],
  [/\bya29\.[A-Za-z0-9._-]+/g, "[redacted]"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, "[redacted]"],
];

/** Strip anything that looks like a credential before a message leaves the provider. */
export function redact(text: string): string {
  return SECRET_PATTERNS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const raw =
    typeof (headers as Headers).get === "function" ? (headers as Headers).get(name) : (headers as Record<string, unknown>)[name];
  return typeof raw === "string" && raw.trim() !== "" ? raw.trim() : undefined;
}

/**
 * How long a reply asked to wait, in ms: `Retry-After` in seconds or as an HTTP date (RFC 9110
 * section 10.2.3; Graph, Google, GitHub's secondary limits and Entra's token endpoint send it), or
 * GitHub's primary rate limit, which says when it resets (`x-ratelimit-reset`, epoch seconds)
 * once `x-ratelimit-remaining` is 0. `now` reads the clock only for the date forms.
 */
export function retryAfterMs(err: unknown, now: () => number = Date.now): number | undefined {
  const e = asLoose(err);
  for (const headers of [e.headers, asLoose(e.response).headers]) {
    const raw = header(headers, "retry-after");
    if (raw !== undefined) {
      if (/^\d+$/.test(raw)) return Number(raw) * 1000;
      const at = Date.parse(raw);
      if (!Number.isNaN(at)) return Math.max(0, at - now());
    }
    const reset = header(headers, "x-ratelimit-reset");
    if (header(headers, "x-ratelimit-remaining") === "0" && reset && /^\d+$/.test(reset)) {
      return Math.max(0, Number(reset) * 1000 - now());
    }
  }
  const own = (e.cause as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return err instanceof ProviderError && typeof own === "number" ? own : undefined;
}

const KIND_WORDS: Record<ProviderErrorKind, string> = {
  not_found: "not found",
  conflict: "conflicting change",
  throttled: "rate limited",
  denied: "permission denied",
  transient: "temporary failure",
  invalid: "rejected as invalid",
  config: "configuration error",
  internal: "internal error (a bug in gitgrant or a library; please report it)",
};

/**
 * Wrap any failure as a ProviderError. `action` says what was being done, in words
 * ("add alice to acme/infra-admins"). The original error is not kept as `cause`, since
 * SDK errors can carry request headers; only its status, service code and requested Retry-After are.
 */
export function toProviderError(err: unknown, action: string, now: () => number = Date.now): ProviderError {
  if (err instanceof ProviderError) return err;
  const kind = kindOf(err);
  const status = httpStatusOf(err);
  const code = serviceCodeOf(err);
  const raw = googleErrorBody(err)?.message ?? stringOr(asLoose(err).message) ?? String(err);
  const firstLine = raw.split("\n")[0].slice(0, 300);
  const where = [status ? `HTTP ${status}` : undefined, code]
    .filter(Boolean)
    .join(" ");
  const message = redact(`${action}: ${KIND_WORDS[kind]}${where ? ` (${where})` : ""}: ${firstLine}`);
  return new ProviderError(kind, message, { status, code, retryAfterMs: retryAfterMs(err, now) });
}

/** Run `fn`, turning whatever it throws into a ProviderError about `action`. */
export async function mapErrors<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toProviderError(err, action);
  }
}

/** The error every checkTarget throws: "<resource id>: target <problem>". */
export function invalidTarget(resourceId: string, problem: string): ProviderError {
  return new ProviderError("invalid", `${resourceId}: target ${problem}`);
}

/** A string field of a target block, or an invalid-target error naming what is expected. */
export function targetString(
  resource: { id: string; target: Record<string, unknown> },
  key: string,
  expected: string,
  pattern?: RegExp,
): string {
  const value = resource.target?.[key];
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidTarget(resource.id, `needs ${key} (${expected})`);
  }
  if (pattern && !pattern.test(value)) {
    throw invalidTarget(resource.id, `has ${key} "${value}", which is not ${expected}`);
  }
  return value;
}

/**
 * A missing or refused credential, said once in words a person can act on: which provider,
 * what went wrong (never the secret) and where the credential comes from.
 */
export function configError(provider: string, problem: string, hint: string): ProviderError {
  return new ProviderError("config", redact(`${provider}: ${problem}. ${hint}`), { code: "configuration" });
}

/** What the service said about a refused credential, without the wrapping action ("AccessDenied: ..."). */
export function credentialProblem(error: ProviderError): string {
  const m = /: configuration error(?: \(([^)]*)\))?: (.*)$/.exec(error.message);
  if (!m) return error.message;
  return m[1] ? `${m[1]}: ${m[2]}` : m[2]!;
}

/**
 * Remember a provider's credential problem so every later call fails at once with the same
 * sentence: the setup is not retried per request, and the run goes on for the others.
 * `asCredential` turns a config error into the sentence to keep, or returns undefined for a
 * config error that concerns one target only (a missing IAM group), which is not kept.
 */
export function configLatch(): { run<T>(fn: () => Promise<T>, asCredential: (err: ProviderError) => ProviderError | undefined): Promise<T> } {
  let failed: ProviderError | undefined;
  return {
    async run(fn, asCredential) {
      if (failed) throw failed;
      try {
        return await fn();
      } catch (err) {
        const error = err instanceof ProviderError ? err : toProviderError(err, "credentials");
        if (error.kind !== "config") throw err;
        const kept = asCredential(error);
        if (!kept) throw err;
        failed = kept;
        throw failed;
      }
    },
  };
}
