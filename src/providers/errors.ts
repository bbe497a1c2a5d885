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
  if (status === 401 || status === 403) return "denied";
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
  16: "denied", // UNAUTHENTICATED
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
  InvalidClientTokenId: "denied",
  ExpiredToken: "denied",
  ExpiredTokenException: "denied",
  SignatureDoesNotMatch: "denied",
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

/** Decide the kind of any thrown value. */
export function kindOf(err: unknown): ProviderErrorKind {
  if (err instanceof ProviderError) return err.kind;
  if (isGoogleError(err)) return GRPC_KINDS[asLoose(err).code as number] ?? "transient";
  const code = serviceCodeOf(err);
  if (code && Object.hasOwn(AWS_CODE_KINDS, code)) return AWS_CODE_KINDS[code];
  if (isGithubRateLimit(err)) return "throttled";
  const status = httpStatusOf(err);
  const byStatus = status === undefined ? undefined : kindForHttpStatus(status);
  if (byStatus) return byStatus;
  if (networkCodeOf(err)) return "transient";
  if (code && TIMEOUT_NAMES.has(code)) return "transient";
  // Anything else (no status, no code) cannot be told apart from a passing fault, so it
  // gets the bounded retries; its message still says what happened.
  return "transient";
}

const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, "$1 [redacted]"],
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

/** The Retry-After a throttling reply asked for, in ms (Graph, GitHub and Google send it). */
export function retryAfterMs(err: unknown): number | undefined {
  const e = asLoose(err);
  for (const headers of [e.headers, asLoose(e.response).headers]) {
    if (!headers || typeof headers !== "object") continue;
    const raw =
      typeof (headers as Headers).get === "function"
        ? (headers as Headers).get("retry-after")
        : (headers as Record<string, unknown>)["retry-after"];
    if (typeof raw !== "string" || raw.trim() === "") continue;
    const seconds = Number(raw);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    // An HTTP date would need a clock; treat it as "soon" and let the backoff decide.
  }
  return undefined;
}

const KIND_WORDS: Record<ProviderErrorKind, string> = {
  not_found: "not found",
  conflict: "conflicting change",
  throttled: "rate limited",
  denied: "permission denied",
  transient: "temporary failure",
  invalid: "rejected as invalid",
};

/**
 * Wrap any failure as a ProviderError. `action` says what was being done, in words
 * ("add alice to acme/infra-admins"). The original error is not kept as `cause`, since
 * SDK errors can carry request headers; only its status, service code and requested Retry-After are.
 */
export function toProviderError(err: unknown, action: string): ProviderError {
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
  return new ProviderError(kind, message, { status, code, retryAfterMs: retryAfterMs(err) });
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
