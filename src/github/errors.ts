// GitHub's errors enter gitgrant here, once: every client made by gitHub() turns a failed
// call into a GitHubApiError with the status, the method and route template, and GitHub's
// own message (as release-please's GitHubAPIError does at its wrapAsync seam). Request
// headers, tokens and parameter values never get into it: the route is the template
// ("GET /repos/{owner}/{repo}/pulls/{pull_number}"), so the error is safe to show on a check
// run and in logs. Of the response headers only the rate-limit ones are kept, so a caller
// can wait as long as GitHub asked.
//
// Its `message` is GitHub's own sentence, as octokit's errors had it, so code that reads a
// message reads the same text; describeError() gives the whole "GitHub answered ..." line.

/** One entry of a REST error body's `errors` (a 422's field-level reasons). */
export interface GitHubErrorDetail {
  resource?: string;
  field?: string;
  code?: string;
  message?: string;
}

/** One entry of a GraphQL answer's `errors`. */
export interface GraphqlErrorDetail {
  type?: string;
  path: string;
  message: string;
}

export interface GitHubApiErrorInit {
  status: number;
  method: string;
  route: string;
  githubMessage: string;
  details?: GitHubErrorDetail[];
  documentationUrl?: string;
  graphqlErrors?: GraphqlErrorDetail[];
  partialData?: unknown;
  headers?: Record<string, string>;
  /** Set when GitHub never answered: the connection's error code (ENOTFOUND, ECONNREFUSED ...). */
  network?: string;
}

/** Response headers that say when to try again, and nothing else. */
const KEPT_HEADERS = ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-resource"];

export class GitHubApiError extends Error {
  /** The HTTP status; 200 for a GraphQL answer that carries errors. */
  readonly status: number;
  readonly method: string;
  /** The route template, without host or query: "/repos/{owner}/{repo}/pulls/{pull_number}". */
  readonly route: string;
  /** GitHub's own sentence ("Head branch was modified. Review and try the merge again."). */
  readonly githubMessage: string;
  readonly details: GitHubErrorDetail[];
  readonly documentationUrl?: string;
  readonly graphqlErrors: GraphqlErrorDetail[];
  /** What a GraphQL answer gave next to its errors (the fields that did not fail). */
  readonly partialData?: unknown;
  /** Only the rate-limit response headers (KEPT_HEADERS), lower-cased. */
  readonly headers: Record<string, string>;
  /** The connection's error code when GitHub never answered (octokit reports those as a 500). */
  readonly network?: string;

  constructor(init: GitHubApiErrorInit) {
    super(init.githubMessage);
    this.name = "GitHubApiError";
    this.status = init.status;
    this.method = init.method;
    this.route = init.route;
    this.githubMessage = init.githubMessage;
    this.details = init.details ?? [];
    if (init.documentationUrl) this.documentationUrl = init.documentationUrl;
    this.graphqlErrors = init.graphqlErrors ?? [];
    if (init.partialData !== undefined) this.partialData = init.partialData;
    this.headers = init.headers ?? {};
    if (init.network) this.network = init.network;
  }

  /** "GitHub answered 404 on GET /repos/{owner}/{repo}/pulls/{pull_number}: Not Found" */
  describe(): string {
    if (this.network) return `cannot reach GitHub (${this.network}) on ${this.method} ${this.route}: ${this.githubMessage}`;
    if (this.graphqlErrors.length) return `GitHub's GraphQL API answered errors on ${this.method} ${this.route}: ${this.githubMessage}`;
    return `GitHub answered ${this.status} on ${this.method} ${this.route}: ${this.githubMessage}`;
  }
}

function keptHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers || typeof headers !== "object") return out;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const key = name.toLowerCase();
    if (KEPT_HEADERS.includes(key) && (typeof value === "string" || typeof value === "number")) out[key] = String(value);
  }
  return out;
}

/** The HTTP status of a failed GitHub call (or of any error that carries one). */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** "/repos/{owner}/{repo}" from a template or from a full URL a paginated call followed. */
export function routeOf(url: unknown): string {
  const text = typeof url === "string" ? url : "";
  return text.replace(/^[a-z]+:\/\/[^/]+/i, "").replace(/[?#].*$/, "") || "/";
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Errors of the connection itself: GitHub never answered, whatever status octokit gives them. */
const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT"]);

/**
 * The network error behind a failed call that never reached GitHub. octokit turns a failed
 * fetch into a RequestError with status 500 whose cause (fetch's TypeError, then undici's or
 * the resolver's error) carries the code.
 */
export function networkError(err: unknown): { code: string; message: string } | undefined {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) {
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return { code: e.code, message: typeof e.message === "string" && e.message ? e.message : e.code };
  }
  return undefined;
}

/** A failed REST (or GraphQL transport) request as octokit throws it, wrapped. */
export function fromRequestError(err: unknown, options: { method?: unknown; url?: unknown }): unknown {
  if (err instanceof GitHubApiError) return err;
  const status = statusOf(err);
  if (status === undefined) return err;
  const network = networkError(err);
  if (network) {
    return new GitHubApiError({ status, method: (text(options.method) ?? "GET").toUpperCase(), route: routeOf(options.url), githubMessage: network.message, network: network.code });
  }
  const e = err as { message?: unknown; response?: { data?: unknown; headers?: unknown } };
  const body = (e.response?.data && typeof e.response.data === "object" ? e.response.data : {}) as { message?: unknown; errors?: unknown; documentation_url?: unknown };
  const details = Array.isArray(body.errors)
    ? (body.errors as unknown[]).map((d) => (typeof d === "string" ? { message: d } : (d as GitHubErrorDetail)))
    : [];
  const detailText = details.map((d) => d.message ?? [d.resource, d.field, d.code].filter(Boolean).join(" ")).filter(Boolean);
  const base = text(body.message) ?? text(typeof e.response?.data === "string" ? e.response.data : undefined) ?? text(e.message) ?? `HTTP ${status}`;
  return new GitHubApiError({
    status,
    method: (text(options.method) ?? "GET").toUpperCase(),
    route: routeOf(options.url),
    githubMessage: detailText.length ? `${base} (${detailText.join("; ")})` : base,
    details,
    headers: keptHeaders(e.response?.headers),
    ...(text(body.documentation_url) ? { documentationUrl: text(body.documentation_url)! } : {}),
  });
}

/** A GraphQL answer with `errors` (octokit's GraphqlResponseError), wrapped; anything else as is. */
export function fromGraphqlError(err: unknown): unknown {
  if (err instanceof GitHubApiError) return err;
  const e = err as { name?: unknown; errors?: unknown; data?: unknown } | null;
  if (e?.name !== "GraphqlResponseError" || !Array.isArray(e.errors)) return err;
  const graphqlErrors = (e.errors as Array<{ type?: unknown; path?: unknown; message?: unknown }>).map((x) => ({
    ...(typeof x.type === "string" ? { type: x.type } : {}),
    path: Array.isArray(x.path) ? x.path.join(".") : "",
    message: text(x.message) ?? "error",
  }));
  return new GitHubApiError({
    status: 200,
    method: "POST",
    route: "/graphql",
    githubMessage: graphqlErrors.map((x) => (x.path ? `${x.path}: ${x.message}` : x.message)).join("; "),
    graphqlErrors,
    ...(e.data !== undefined && e.data !== null ? { partialData: e.data } : {}),
  });
}

/** A sentence for any error, safe for a check run and logs: a GitHubApiError's whole line, or the message of anything else. */
export function describeError(err: unknown): string {
  if (err instanceof GitHubApiError) return err.describe();
  return err instanceof Error ? err.message : String(err);
}
