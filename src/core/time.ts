// Instants as gitgrant writes them everywhere (conditions, trailers, reports): RFC 3339 UTC
// to the whole second. AWS's aws:CurrentTime and GCP's timestamp() both take this form.

/** "2026-11-29T14:30:05Z": the date's second, without milliseconds. */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
