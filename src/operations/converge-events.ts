// Failure is loud: every revoke still failing after its retries becomes a revoke_failed
// event, sent to the configured sinks (SIEM, chat). A sink that cannot be reached is itself
// a problem in words, never a reason to hide the failure from the run's exit status.
import type { AccessEvent, EventSink } from "../core/events.js";
import { revokeFailedEvent } from "../core/revoke-failed.js";
import { EventDispatcher, type Delivery } from "./event-sinks.js";
import type { ActionResult } from "./plan-types.js";

export interface Announced {
  events: AccessEvent[];
  deliveries: Delivery[];
  /** Deliveries that failed, in words. */
  problems: string[];
}

export async function announceRevokeFailures(results: ReadonlyArray<ActionResult & { why?: string }>, at: { now: Date; sha: string }, sinks: EventSink[]): Promise<Announced> {
  const events: AccessEvent[] = [];
  for (const r of results) {
    if (r.status !== "failed" || r.action.kind !== "revoke") continue;
    events.push(revokeFailedEvent({ ref: r.action.ref, detail: r.detail, attempts: r.attempts, ...(r.errorKind ? { errorKind: r.errorKind } : {}), ...(r.why ? { why: r.why } : {}) }, at));
  }
  if (!events.length || !sinks.length) return { events, deliveries: [], problems: [] };
  const dispatcher = new EventDispatcher(sinks);
  try {
    const deliveries = await dispatcher.dispatch(events);
    return { events, deliveries, problems: deliveries.filter((d) => d.outcome === "failed").map((d) => `revoke_failed event not delivered: ${d.error ?? d.sink}`) };
  } finally {
    await dispatcher.close();
  }
}
