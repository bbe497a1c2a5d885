// oncall.*: whether each requester is on call now in PagerDuty, on the escalation policies or
// schedules settings.pagerduty names (all of them when it names none), at which escalation
// level, until when. GET /oncalls with user_ids[] gives the current on-call entries.
import type { RequesterSignals } from "../core/context.js";
import { pagerDuty, pagerDutyUsers } from "./pagerduty.js";
import type { SignalSource } from "./types.js";

interface OnCall {
  escalation_policy?: { id: string; summary?: string } | null;
  escalation_level?: number;
  schedule?: { id: string; summary?: string } | null;
  user?: { id: string; summary?: string } | null;
  start?: string | null;
  end?: string | null;
}

export const pagerDutyOnCall: SignalSource = {
  name: "PagerDuty on-call",
  fills: ["oncall.now", "oncall.level", "oncall.ends_at", "oncall.policies"],
  async fetch(ask, env) {
    const pd = pagerDuty(env);
    const notes: string[] = [];
    const users = await pagerDutyUsers(pd, ask.config, ask.logins, notes);
    const requesters: Record<string, RequesterSignals> = {};
    const said: Record<string, string> = {};
    for (const l of ask.logins) requesters[l] = { oncall: { now: false, level: null, ends_at: null, policies: [] } };
    if (users.size) {
      const scope = ask.config.policy.settings.pagerduty ?? {};
      const query: Array<[string, string]> = [
        ...[...new Set(users.values())].map((id): [string, string] => ["user_ids[]", id]),
        ...(scope.escalation_policies ?? []).map((id): [string, string] => ["escalation_policy_ids[]", id]),
        ...(scope.schedules ?? []).map((id): [string, string] => ["schedule_ids[]", id]),
        ["time_zone", "UTC"],
      ];
      const { items, cut } = await pd.list<OnCall>("/oncalls", "oncalls", query);
      if (cut) notes.push("PagerDuty listed more on-call entries than gitgrant reads; the rest were not seen");
      const now = ask.now.getTime();
      for (const [login, id] of users) {
        // Current entries only (PagerDuty answers for "now", but a clock skew must not count a finished shift).
        const mine = items.filter((o) => o.user?.id === id && (!o.start || Date.parse(o.start) <= now) && (!o.end || Date.parse(o.end) > now));
        if (!mine.length) {
          said[`${login} oncall.now`] = "not on call in PagerDuty" + (scope.escalation_policies || scope.schedules ? " for the escalation policies and schedules the policy names" : "");
          continue;
        }
        const level = Math.min(...mine.map((o) => o.escalation_level ?? Infinity));
        const atLevel = mine.filter((o) => (o.escalation_level ?? Infinity) === level);
        // The shift at that level ends with the last of its entries; an entry without an end is open-ended.
        const ends = atLevel.some((o) => !o.end) ? null : new Date(Math.max(...atLevel.map((o) => Date.parse(o.end!))));
        const policies = [...new Set(mine.map((o) => o.escalation_policy?.summary ?? o.schedule?.summary ?? o.escalation_policy?.id ?? "?"))].sort();
        requesters[login] = { oncall: { now: true, level: Number.isFinite(level) ? level : null, ends_at: ends, policies } };
        const sentence = `on call for ${policies.join(", ")}${Number.isFinite(level) ? ` (level ${level})` : ""}${ends ? ` until ${ends.toISOString().slice(0, 16).replace("T", " ")} UTC` : " with no end set"}`;
        for (const f of ["now", "level", "ends_at", "policies"]) said[`${login} oncall.${f}`] = sentence;
      }
    }
    return { signals: { requesters, said }, notes };
  },
};
