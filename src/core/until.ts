// A request's `until:` event as the event paths read it: which event, and the incident it
// waits for. The webhook path reads request files at the branch tip without their history,
// so this reads only the two fields and never judges the window.
import { incidentKey } from "./context.js";
import { UNTIL_EVENTS, type UntilEvent } from "./types.js";
import { MAX_REQUEST_BYTES, parseYaml } from "./yaml.js";

export interface UntilTerms {
  until: UntilEvent;
  /** The request's `incident`, else its `ticket`. */
  incident?: string;
}

/** The `until:` of a request file's text, or null when it has none (or cannot be read). */
export function untilTerms(text: string): UntilTerms | null {
  const parsed = parseYaml(text, { maxBytes: MAX_REQUEST_BYTES, what: "request file" });
  if (parsed.errors.length || !parsed.value || typeof parsed.value !== "object") return null;
  const v = parsed.value as Record<string, unknown>;
  if (!UNTIL_EVENTS.includes(v.until as UntilEvent)) return null;
  const ref = [v.incident, v.ticket].find((x): x is string => typeof x === "string" && x.trim() !== "");
  return { until: v.until as UntilEvent, ...(ref ? { incident: ref.trim() } : {}) };
}

/** Whether a request's reference names this PagerDuty incident: its id, or its number (INC-1234, #1234, 1234). */
export function namesIncident(ref: string, incident: { id: string; number?: number }): boolean {
  const key = incidentKey(ref);
  return key === incident.id.toLowerCase() || (incident.number !== undefined && key === String(incident.number));
}

/**
 * The path segment PagerDuty's "Get an incident" takes for a reference: the number for
 * INC-1234 / #1234 / 1234 (the API accepts an incident id or number), else the id itself.
 */
export function incidentLookupKey(ref: string): string {
  const m = /^\s*(?:INC-?|#)?(\d+)\s*$/i.exec(ref);
  return m ? String(Number(m[1])) : ref.trim();
}
