// incident.*, from PagerDuty when settings.pagerduty.services names services: the incidents
// triggered or acknowledged on them now (GET /incidents), their ids and numbers.
import type { SignalSource } from "./types.js";
import { pagerDuty } from "./pagerduty.js";

interface Incident {
  id: string;
  incident_number?: number;
  title?: string;
  status?: string;
  service?: { id: string; summary?: string };
}

export const pagerDutyIncidents: SignalSource = {
  name: "PagerDuty incidents",
  fills: ["incident.open", "incident.count", "incident.ids"],
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
    for (const ref of ask.refs) {
      const m = open.find((i) => ids.includes(ref) || String(i.incident_number) === ref.replace(/^(INC-?|#)/i, "").replace(/^0+/, ""));
      said[`* incident.referenced ${ref}`] = m ? `${ref} is open in PagerDuty (#${m.incident_number ?? m.id})` : `${ref} is not open on the PagerDuty services the policy names`;
    }
    return { signals: { incident: { open: open.length > 0, count: open.length, ids }, said }, notes };
  },
};
