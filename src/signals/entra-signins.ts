// signin.*: the requester's last successful Entra sign-in that satisfied MFA, from Microsoft
// Graph's sign-in log (GET /beta/auditLogs/signIns, application permission AuditLog.Read.All,
// an Entra ID P1/P2 tenant). The beta endpoint because v1.0's signIn has no
// authenticationRequirement. The log runs behind real time (Microsoft: usually minutes): a
// sign-in that just happened may not be seen yet, which reads as "no MFA sign-in", never as one.
import { parseDuration } from "../core/duration.js";
import type { RequesterSignals } from "../core/context.js";
import { clientCredentialsToken } from "../providers/entra-token.js";
import { getJson } from "./http.js";
import type { SignalSource } from "./types.js";

export const GRAPH_SIGNINS = "https://graph.microsoft.com/beta/auditLogs/signIns";
/** Pages of 100 read at most per person. */
export const SIGNIN_MAX_PAGES = 5;
const DEFAULT_LOOKBACK = "24h";

interface SignIn {
  createdDateTime: string;
  userPrincipalName?: string;
  status?: { errorCode?: number };
  authenticationRequirement?: string;
  riskLevelDuringSignIn?: string;
}

export const entraSignIns: SignalSource = {
  name: "Entra sign-in log",
  fills: ["signin.mfa_within_minutes", "signin.risky"],
  async fetch(ask, env) {
    const token = await clientCredentialsToken(env.env)();
    const headers = { Authorization: `Bearer ${token}` };
    const lookback = ask.config.policy.settings.signin_lookback ?? DEFAULT_LOOKBACK;
    const since = new Date(ask.now.getTime() - parseDuration(lookback)).toISOString().replace(/\.\d{3}Z$/, "Z");
    const notes: string[] = [];
    const requesters: Record<string, RequesterSignals> = {};
    const said: Record<string, string> = {};
    await Promise.all(
      ask.logins.map(async (login) => {
        requesters[login] = { signin: { mfa_within_minutes: null, risky: null } };
        const upn = ask.config.identities.users[login]?.entra;
        if (!upn) {
          said[`${login} signin.mfa_within_minutes`] = `${login} has no entra identity in access/identities.yaml, so no MFA sign-in is known`;
          return;
        }
        const filter = `userPrincipalName eq '${upn.replace(/'/g, "''")}' and createdDateTime ge ${since} and status/errorCode eq 0`;
        let url: string | undefined = `${GRAPH_SIGNINS}?${new URLSearchParams({ $filter: filter, $top: "100" })}`;
        let best: SignIn | undefined;
        for (let page = 0; url && page < SIGNIN_MAX_PAGES; page++) {
          const r: { value?: SignIn[]; "@odata.nextLink"?: string } = await getJson(url, { service: "Microsoft Graph", headers, ...(env.sleep ? { sleep: env.sleep } : {}) });
          for (const s of r.value ?? []) {
            if ((s.status?.errorCode ?? 0) !== 0 || s.authenticationRequirement !== "multiFactorAuthentication") continue;
            if (!best || Date.parse(s.createdDateTime) > Date.parse(best.createdDateTime)) best = s;
          }
          url = r["@odata.nextLink"];
        }
        if (url) notes.push(`${login} has more than ${SIGNIN_MAX_PAGES * 100} sign-ins in the last ${lookback}; only those were read`);
        if (!best) {
          said[`${login} signin.mfa_within_minutes`] = `no MFA sign-in in the last ${lookback} in Entra's log (which can be minutes behind)`;
          said[`${login} signin.risky`] = "no MFA sign-in to rate";
          return;
        }
        const minutes = Math.max(0, Math.floor((ask.now.getTime() - Date.parse(best.createdDateTime)) / 60_000));
        const level = best.riskLevelDuringSignIn;
        const risky = level === "none" ? false : level === "low" || level === "medium" || level === "high" ? true : null;
        requesters[login] = { signin: { mfa_within_minutes: minutes, risky } };
        said[`${login} signin.mfa_within_minutes`] = `MFA ${minutes} minute(s) ago`;
        said[`${login} signin.risky`] = risky === null ? `sign-in risk not reported by the tenant (${level ?? "absent"}; Entra ID P2 reports it)` : `sign-in risk ${level}`;
      }),
    );
    return { signals: { requesters, said }, notes };
  },
};
