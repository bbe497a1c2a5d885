// incident.*, from PagerDuty when settings.pagerduty.services names services: the incidents
// triggered or acknowledged on them now (GET /incidents), their ids and numbers. An incident a
// request names that is not among them is asked for by id or number (GET /incidents/{id}),
// so an incident on a service the policy does not list still counts as referenced and open.
import type { SignalSource } from "./types.js";
import { incidentLookupKey } from "../core/until.js";
import { pagerDuty, type PagerDuty } from "./pagerduty.js";
import { SignalHttpError } from "./http.js";

interface Incident {
  id: string;
  incident_number?: number;
  title?: string;
  status?: string;
  service?: { id: string; summary?: string };
}

export const pagerDutyIncidents: SignalSource = {
  name: "PagerDuty incidents",
  fills: ["incident.open", "incident.count", "incident.ids", "incident.referenced"],
  applies: (config) => (config.policy.settings.pagerduty?.services?.length ?? 0) > 0,
  async fetch(ask, env) {
    const pd = pagerDuty(env);
    const services = ask.config.policy.settings.pagerduty?.services ?? [];
    const { items, cut } = await pd.list<Incident>("/incidents", "incidents", [
      ["statuses[]", "triggered"],
      ["statuses[]", "acknowledged"],
      ...services.map((id): [string, string] => ["service_ids[]", id]),
      ["time_zone", "UTC"],
    ]);
    const open = items.filter((i) => i.status !== "resolved");
    const ids = open.flatMap((i) => [i.id, ...(i.incident_number !== undefined ? [String(i.incident_number)] : [])]);
    const names = open.map((i) => `#${i.incident_number ?? i.id}${i.title ? ` (${i.title})` : ""}`);
    const sentence = open.length ? `${open.length} incident(s) open in PagerDuty: ${names.join(", ")}` : `no incident open in PagerDuty on ${services.join(", ")}`;
    const said: Record<string, string> = { "* incident.open": sentence, "* incident.count": sentence, "* incident.ids": sentence };
    const notes = cut ? ["PagerDuty listed more open incidents than gitgrant reads; the count is at least what was seen"] : [];
    // What each request names, said once per reference (the core decides incident.referenced_open).
    const referenced: string[] = [];
    for (const ref of ask.refs) {
      const m = open.find((i) => ids.includes(ref) || String(i.incident_number) === ref.replace(/^(INC-?|#)/i, "").replace(/^0+/, ""));
      if (m) said[`* incident.referenced ${ref}`] = `${ref} is open in PagerDuty (#${m.incident_number ?? m.id})`;
      else if (!ask.paths.has("incident.referenced")) said[`* incident.referenced ${ref}`] = `${ref} is not open on the PagerDuty services the policy names`;
      else said[`* incident.referenced ${ref}`] = await lookUp(pd, ref, referenced, notes);
    }
    return { signals: { incident: { open: open.length > 0, count: open.length, ids, referenced }, said }, notes };
  },
};

/** A referenced incident outside the listed services, by id or number: open adds it to `into`; the words say what PagerDuty said. */
async function lookUp(pd: PagerDuty, ref: string, into: string[], notes: string[]): Promise<string> {
  try {
    const { incident } = await pd.get<{ incident?: Incident }>(`/incidents/${encodeURIComponent(incidentLookupKey(ref))}`, []);
    if (!incident) return `${ref} is not an incident PagerDuty knows`;
    const name = `#${incident.incident_number ?? incident.id}${incident.service?.summary ? ` on ${incident.service.summary}` : ""}`;
    if (incident.status === "triggered" || incident.status === "acknowledged") {
      into.push(incident.id, ...(incident.incident_number !== undefined ? [String(incident.incident_number)] : []));
      return `${ref} is open in PagerDuty (${name}, a service the policy does not list)`;
    }
    return `${ref} is ${incident.status ?? "not open"} in PagerDuty (${name})`;
  } catch (err) {
    if (err instanceof SignalHttpError && err.httpStatus === 404) return `${ref} is not an incident PagerDuty knows`;
    notes.push(`could not look up ${ref} in PagerDuty (${(err as Error).message}); treated as not open`);
    return `${ref} could not be looked up in PagerDuty, so it is treated as not open`;
  }
}
