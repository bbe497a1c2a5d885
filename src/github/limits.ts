// GitHub's documented limits, named once. Every place that batches, cuts or refuses because
// of one of them refers to it here, so a changed limit is one edit.

/** Annotations accepted by one check-run create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Characters of a check run's summary or text, and of an issue, pull request or comment body. */
export const TEXT_LIMIT = 65_535;

/** Files the pull request files listing returns at most. */
export const PR_FILES_LIMIT = 3_000;

/** Files the compare API lists at most (on its first page only). */
export const COMPARE_FILES_LIMIT = 300;

/** Items one GraphQL connection page returns at most (`first:` / `last:`). */
export const GRAPHQL_PAGE_SIZE = 100;

/** Items one REST page returns at most (`per_page`). */
export const REST_PAGE_SIZE = 100;

/** Commits the REST pull request commits listing returns at most, however it is paged. */
export const PR_COMMITS_LIMIT = 250;

/** `text` cut to `limit` characters, with an ellipsis when something was cut. */
export function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** `items` in runs of at most `size`, in order. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Requests in flight at once that GitHub allows one token-holder (REST and GraphQL together; a secondary rate limit). */
export const GITHUB_MAX_CONCURRENT = 100;

/** Seconds to wait after a secondary rate limit that names no time ("wait at least one minute", GitHub's docs). */
export const SECONDARY_LIMIT_FALLBACK_SECONDS = 60;
