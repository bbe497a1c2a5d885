// GraphQL helpers shared by the app's batched reads: partial answers and blob texts.
import { GitHubApiError } from "./errors.js";
import type { GitHub } from "./octokit.js";

/**
 * A GraphQL query whose partial answers are usable: GitHub answers `data` next to
 * `errors` when one field fails (a repository the installation cannot see). The caller
 * decides per field; the errors come back as sentences.
 */
export async function graphqlPartial<T>(api: GitHub, query: string, variables: Record<string, unknown>): Promise<{ data: T; errors: string[] }> {
  try {
    return { data: await api.graphql<T>(query, variables), errors: [] };
  } catch (err) {
    if (err instanceof GitHubApiError && err.partialData !== undefined) {
      return { data: err.partialData as T, errors: err.graphqlErrors.map((x) => `${x.path}: ${x.message}`) };
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
