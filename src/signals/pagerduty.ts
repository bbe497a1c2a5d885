// PagerDuty's REST API v2, as the PagerDuty signal sources use it: the token from
// PAGERDUTY_TOKEN, classic offset pagination (limit, offset, more), and a login's
// PagerDuty user from identities.yaml (`pagerduty:` an id like PXPGF42, or an email).
import type { AccessConfig } from "../core/config.js";
import { getJson } from "./http.js";
import type { SignalEnv } from "./types.js";

export const PAGERDUTY_API = "https://api.pagerduty.com";
/** Pages read at most per listing; at 100 a page that is 2,000 on-calls or incidents. */
export const PAGERDUTY_MAX_PAGES = 20;

export interface PagerDuty {
  get<T>(path: string, query: Array<[string, string]>): Promise<T>;
  /** Every item of a paginated listing, under `key`. */
  list<T>(path: string, key: string, query: Array<[string, string]>): Promise<{ items: T[]; cut: boolean }>;
}

export function pagerDuty(env: SignalEnv): PagerDuty {
  const token = env.env.PAGERDUTY_TOKEN;
  if (!token) throw new Error("PAGERDUTY_TOKEN is not set");
  const headers = { Authorization: `Token token=${token}`, Accept: "application/vnd.pagerduty+json;version=2" };
  const get = <T>(path: string, query: Array<[string, string]>) =>
    getJson<T>(`${PAGERDUTY_API}${path}${query.length ? `?${new URLSearchParams(query)}` : ""}`, { service: "PagerDuty", headers, ...(env.sleep ? { sleep: env.sleep } : {}) });
  return {
    get,
    async list<T>(path: string, key: string, query: Array<[string, string]>) {
      const items: T[] = [];
      for (let page = 0, offset = 0; page < PAGERDUTY_MAX_PAGES; page++) {
        const r = await get<Record<string, unknown> & { more?: boolean; limit?: number }>(path, [...query, ["limit", "100"], ["offset", String(offset)]]);
        const got = (r[key] as T[] | undefined) ?? [];
        items.push(...got);
        if (!r.more || got.length === 0) return { items, cut: false };
        offset += got.length;
      }
      return { items, cut: true };
    },
  };
}

/** Each login's PagerDuty user id; logins without one are left out, with a sentence. */
export async function pagerDutyUsers(pd: PagerDuty, config: AccessConfig, logins: string[], notes: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    logins.map(async (login) => {
      const who = config.identities.users[login]?.pagerduty;
      if (!who) {
        notes.push(`${login} has no pagerduty identity in access/identities.yaml; treated as not on call`);
        return;
      }
      if (!who.includes("@")) {
        out.set(login, who);
        return;
      }
      const r = await pd.get<{ users?: Array<{ id: string; email?: string }> }>("/users", [["query", who]]);
      const user = r.users?.find((u) => u.email?.toLowerCase() === who.toLowerCase());
      if (user) out.set(login, user.id);
      else notes.push(`PagerDuty has no user with the email ${who} (${login}); treated as not on call`);
    }),
  );
  return out;
}
