// The one event shape gitgrant emits: to JSON lines, to a SIEM collector, to chat.
//
// {
//   "id": "<sha256 hex of type, path, commit sha (and approver)>",  stable: a consumer drops duplicates by id
//   "type": "request" | "decision" | "approval" | "grant" | "revoke" | "failure" | "expiry_notice" | "revoke_failed"
//           | "review_requested" | "refused"   (the app, for pull requests waiting for review or refused: not in git history),
//                                        (revoke_failed: a revoke still failing after its retries; access may still be live)
//   "time": "2026-03-02T11:00:00Z",      when it happened (ISO 8601, UTC, seconds)
//   "actor": "carol",                    who did it (the approver, the person who merged or pushed, "gitgrant" for the app)
//   "requester": "bob",                  whose access it is
//   "resource": "prod-db-read",
//   "tier": "conditional",               null when git has no record of it
//   "pr": 2,                             null when there was no pull request
//   "details": { ... },                  type-specific facts (path, sha, expires_at, reason, evidence ...)
//   "message": "bob was granted prod-db-read for 4h, approved by carol"
// }

export const EVENT_TYPES = ["request", "decision", "approval", "grant", "revoke", "failure", "expiry_notice", "revoke_failed", "review_requested", "refused"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface AccessEvent {
  id: string;
  type: EventType;
  time: string;
  actor: string | null;
  requester: string;
  resource: string;
  tier: string | null;
  pr: number | null;
  details: Record<string, unknown>;
  message: string;
}

/** Where events go. send() resolves when the event is delivered, or rejects with a DeliveryError. */
export interface EventSink {
  /** "jsonl", "siem", "slack", "teams": used in reports, never the URL (it holds a secret). */
  readonly name: string;
  /** Which event types this sink wants (chat does not want every approval). */
  wants(type: EventType): boolean;
  send(event: AccessEvent): Promise<void>;
}
