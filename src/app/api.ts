// What the app uses of an Octokit, and how GitHub's errors enter it: once, here, as a
// status and a sentence (never the request headers, which carry the installation token).
import type { Octokit } from "@octokit/rest";

/** Satisfied by Probot's `context.octokit` and by `new Octokit()` from @octokit/rest. */
export type Api = Pick<Octokit, "rest" | "paginate" | "graphql" | "request">;

export interface RepoRef {
  owner: string;
  repo: string;
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** GitHub's own message of a failed call ("Head branch was modified. Review and try the merge again."). */
export function githubMessage(err: unknown): string {
  const e = err as { response?: { data?: { message?: unknown } }; errors?: Array<{ message?: string }>; message?: unknown } | null;
  const fromBody = e?.response?.data?.message;
  if (typeof fromBody === "string" && fromBody) return fromBody;
  if (Array.isArray(e?.errors) && e.errors.length) return e.errors.map((x) => x.message ?? "").join("; ");
  return typeof e?.message === "string" ? e.message : String(err);
}

/** Errors of the connection itself: GitHub never answered, whatever status Octokit gives them. */
const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT"]);

/**
 * The network error code behind a failed call, if it never reached GitHub. Octokit turns a
 * failed fetch into a RequestError with status 500 whose cause (fetch's TypeError, then
 * undici's or the resolver's error) carries the code.
 */
export function networkError(err: unknown): { code: string; message: string } | undefined {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause as typeof e) {
    if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return { code: e.code, message: typeof e.message === "string" && e.message ? e.message : e.code };
  }
  return undefined;
}

/** "GitHub answered 404 on GET /repos/...: Not Found" — safe to show on a check run and in logs. */
export function describeError(err: unknown): string {
  const status = statusOf(err);
  const req = (err as { request?: { method?: string; url?: string } } | null)?.request;
  const where = req?.method && req.url ? ` on ${req.method} ${req.url.replace(/^https:\/\/[^/]+/, "")}` : "";
  const network = networkError(err);
  if (network) return `cannot reach GitHub (${network.code})${where}: ${network.message}`;
  return status ? `GitHub answered ${status}${where}: ${githubMessage(err)}` : githubMessage(err);
}

/**
 * A GraphQL query whose partial answers are usable: GitHub answers `data` next to
 * `errors` when one field fails (a repository the installation cannot see). The caller
 * decides per field; the errors come back as sentences.
 */
export async function graphqlPartial<T>(api: Api, query: string, variables: Record<string, unknown>): Promise<{ data: T; errors: string[] }> {
  try {
    return { data: await api.graphql<T>(query, variables), errors: [] };
  } catch (err) {
    const e = err as { name?: string; data?: T; errors?: Array<{ message?: string; path?: unknown[] }> };
    if (e?.name === "GraphqlResponseError" && e.data) {
      return { data: e.data, errors: (e.errors ?? []).map((x) => `${(x.path ?? []).join(".")}: ${x.message ?? "error"}`) };
    }
    throw err;
  }
}

/** A Blob as the GraphQL API gives it; text is null for binary blobs, cut for very large ones. */
export interface GqlBlob {
  text: string | null;
  isBinary: boolean;
  isTruncated: boolean;
}

export const BLOB_FRAGMENT = "fragment gitgrantBlob on Blob { text isBinary isTruncated }";

/** Text of a blob when GraphQL gave all of it; undefined when the REST API must be asked. */
export function blobText(b: GqlBlob | null | undefined): string | null | undefined {
  if (b === null) return null; // no file at that path
  if (!b || b.isBinary || b.isTruncated || typeof b.text !== "string") return undefined;
  return b.text;
}
