// Revocation on events: a grant whose request says `until: incident-resolved` ends when its
// PagerDuty incident resolves, one with `until: shift-end` when the requester's on-call shift
// ends, and any grant when a code owner who approved it withdraws the approval. Each opens
// (or finds waiting) the same one revoke change per file the sweep uses, with its own
// Revoke-reason, and access then ends through the normal revoke path (the app merges
// gitgrant's own revoke PR; the push applies the deletion).
//
// What PagerDuty cannot answer (down, throttled past its retries, no token) revokes nothing
// and is reported: the grant still ends with its window.
import { REQUESTS_DIR } from "../core/config.js";
import { eventCommitMessage, eventPrBody, eventTitle, type EventRevoke } from "../core/event-texts.js";
import type { ExpiryReport, GrantState } from "../core/expiry.js";
import { revokeBranch } from "../core/revoke-texts.js";
import { isoSeconds as iso } from "../core/time.js";
import type { RevokeReason } from "../core/trailers.js";
import type { UntilEvent } from "../core/types.js";
import { incidentLookupKey, namesIncident, untilTerms } from "../core/until.js";
import type { Repository, RevokeChange } from "../git/types.js";
import { pagerDuty, pagerDutyUsers, type PagerDuty } from "../signals/pagerduty.js";
import { SignalHttpError } from "../signals/http.js";
import type { SignalEnv } from "../signals/types.js";
import { changeOutcome } from "./revoke.js";
import type { RevokeStatus } from "./sweep.js";

export interface EventOutcome {
  path: string;
  event: UntilEvent | "approval-withdrawn";
  /** waiting: the event has not come; unknown: PagerDuty could not tell (nothing revoked). */
  status: RevokeStatus | "waiting" | "unknown";
  reason?: RevokeReason;
  pr?: number;
  url?: string;
  commit?: string;
  detail: string;
}

/** Where the PagerDuty lookups find their token (PAGERDUTY_TOKEN) and how they wait between retries. */
export type EventSignals = Pick<SignalEnv, "env" | "sleep">;

interface Ended {
  ended: boolean;
  /** What PagerDuty said, as a sentence. */
  words: string;
}

// ---- the sweep ----------------------------------------------------------------------------

/**
 * Every active grant with an `until:` event, checked against PagerDuty: one look-up per
 * incident and one on-call listing for all shift-end requesters, then a revoke change for
 * each grant whose event has come.
 */
export async function sweepEvents(input: {
  repo: Repository;
  branch: string;
  report: ExpiryReport;
  signals?: EventSignals;
  dryRun?: boolean;
}): Promise<{ events: EventOutcome[]; problems: string[] }> {
  const { report } = input;
  const due = report.grants.filter((g) => g.status === "active" && g.grant.until);
  if (!due.length) return { events: [], problems: [] };
  let pd: PagerDuty | undefined;
  let noClient: string | undefined;
  try {
    pd = pagerDuty({ env: input.signals?.env ?? {}, ...(input.signals?.sleep ? { sleep: input.signals.sleep } : {}) });
  } catch (err) {
    noClient = (err as Error).message;
  }
  const incidents = new Map<string, Promise<Ended>>();
  const shifts = pd ? shiftEnds(pd, report, due.filter((g) => g.grant.until === "shift-end")) : undefined;
  // Awaited per grant below; marked handled now so a failure waiting behind an incident look-up is not "unhandled".
  shifts?.catch(() => undefined);
  const events: EventOutcome[] = [];
  const problems: string[] = [];
  let baseTree: Promise<string> | undefined;
  for (const state of due) {
    const { grant } = state;
    const event = grant.until!;
    let ended: Ended;
    try {
      if (!pd) throw new Error(noClient);
      if (event === "incident-resolved") {
        const key = incidentLookupKey(grant.incident ?? "");
        if (!incidents.has(key)) incidents.set(key, incidentResolved(pd, grant.incident ?? ""));
        ended = await incidents.get(key)!;
      } else {
        ended = (await shifts!).get(grant.login) ?? { ended: false, words: `${grant.login}'s shift is not known` };
      }
    } catch (err) {
      const detail = `could not tell whether ${event === "incident-resolved" ? `${grant.incident} is resolved` : `${grant.login}'s on-call shift has ended`} (${(err as Error).message}); nothing revoked, the grant still ends at ${iso(grant.expiresAt)}`;
      problems.push(`${state.path}: ${detail}`);
      events.push({ path: state.path, event, status: "unknown", detail });
      continue;
    }
    if (!ended.ended) {
      events.push({ path: state.path, event, status: "waiting", detail: ended.words });
      continue;
    }
    const reason: RevokeReason = event;
    baseTree ??= input.repo.read.treeId(report.sha);
    const outcome = await openRevoke(input.repo, { base: input.branch, baseSha: report.sha, baseTree, dryRun: input.dryRun }, state, { path: state.path, reason, why: ended.words }).catch(
      (err: Error) => ({ status: "failed" as const, detail: `could not revoke: ${err.message}` }),
    );
    if (outcome.status === "failed") problems.push(`${state.path}: ${outcome.detail}`);
    events.push({ path: state.path, event, reason, ...outcome });
  }
  return { events, problems };
}

async function openRevoke(
  repo: Repository,
  /** baseTree may still be on its way: a failure to read it fails this revoke, not the run. */
  at: { base: string; baseSha: string; baseTree: string | Promise<string>; dryRun?: boolean },
  file: { path: string; blobSha: string; landingSha?: string; landedAt?: Date },
  e: EventRevoke,
): Promise<ReturnType<typeof changeOutcome>> {
  const change: RevokeChange = {
    base: at.base,
    baseSha: at.baseSha,
    baseTree: await at.baseTree,
    // The sweep's branch for the file: never a second revoke waiting for one file, whatever the reason.
    branch: revokeBranch(file.path),
    files: [{ path: file.path, blob: file.blobSha, ...(file.landingSha && file.landedAt ? { landed: { sha: file.landingSha, at: file.landedAt } } : {}) }],
    message: eventCommitMessage(e),
    title: eventTitle(e),
    body: eventPrBody(e),
    refresh: "if-stale",
    dryRun: at.dryRun,
  };
  return changeOutcome(await repo.write.ensureRevoke(change));
}

interface PdIncident {
  id: string;
  incident_number?: number;
  status?: string;
  title?: string;
  last_status_change_at?: string;
  resolved_at?: string | null;
}

/** GET /incidents/{id or number}: resolved or not, on any service (the policy's services do not matter here). */
export async function incidentResolved(pd: PagerDuty, ref: string): Promise<Ended> {
  let incident: PdIncident | undefined;
  try {
    ({ incident } = await pd.get<{ incident?: PdIncident }>(`/incidents/${encodeURIComponent(incidentLookupKey(ref))}`, []));
  } catch (err) {
    if (err instanceof SignalHttpError && err.httpStatus === 404) throw new Error(`PagerDuty has no incident ${ref}`);
    throw err;
  }
  if (!incident?.status) throw new Error(`PagerDuty's answer for ${ref} has no status`);
  const name = `PagerDuty incident #${incident.incident_number ?? "?"} (${incident.id})`;
  if (incident.status !== "resolved") return { ended: false, words: `${name} is ${incident.status}` };
  const at = incident.resolved_at ?? incident.last_status_change_at;
  return { ended: true, words: `${name}, named by the request (${ref}), was resolved${at ? ` at ${iso(new Date(at))}` : ""}.` };
}

interface OnCall {
  user?: { id: string } | null;
  start?: string | null;
  end?: string | null;
  escalation_policy?: { summary?: string; id: string } | null;
}

/**
 * Whether each shift-end requester is still on call now, on the escalation policies and
 * schedules settings.pagerduty names (any when none): GET /oncalls for all of them at once.
 */
async function shiftEnds(pd: PagerDuty, report: ExpiryReport, states: GrantState[]): Promise<Map<string, Ended>> {
  const out = new Map<string, Ended>();
  if (!states.length) return out;
  const logins = [...new Set(states.map((s) => s.grant.login))];
  const notes: string[] = [];
  const users = await pagerDutyUsers(pd, report.config, logins, notes);
  // A requester PagerDuty does not know cannot be told to be off shift: say so, revoke nothing.
  for (const l of logins) if (!users.has(l)) throw new Error(notes.find((n) => n.includes(l))?.replace(/; treated as not on call$/, "") ?? `${l} has no PagerDuty user`);
  const scope = report.config.policy.settings.pagerduty ?? {};
  const { items, cut } = await pd.list<OnCall>("/oncalls", "oncalls", [
    ...[...new Set(users.values())].map((id): [string, string] => ["user_ids[]", id]),
    ...(scope.escalation_policies ?? []).map((id): [string, string] => ["escalation_policy_ids[]", id]),
    ...(scope.schedules ?? []).map((id): [string, string] => ["schedule_ids[]", id]),
    ["time_zone", "UTC"],
  ]);
  const now = report.now.getTime();
  for (const [login, id] of users) {
    const current = items.filter((o) => o.user?.id === id && (!o.start || Date.parse(o.start) <= now) && (!o.end || Date.parse(o.end) > now));
    if (current.length) {
      const ends = current.some((o) => !o.end) ? null : Math.max(...current.map((o) => Date.parse(o.end!)));
      out.set(login, { ended: false, words: `${login} is on call in PagerDuty${ends ? ` until ${iso(new Date(ends))}` : ""}` });
    } else if (cut) {
      // Not among the entries read, but PagerDuty had more: not proof the shift ended.
      throw new Error("PagerDuty listed more on-call entries than gitgrant reads");
    } else {
      out.set(login, { ended: true, words: `${login}'s on-call shift has ended: PagerDuty lists no current on-call for them${scope.escalation_policies || scope.schedules ? " on the escalation policies and schedules the policy names" : ""} as at ${iso(report.now)}.` });
    }
  }
  return out;
}

// ---- the PagerDuty webhook ------------------------------------------------------------------

/**
 * An incident resolved (PagerDuty's v3 webhook): revoke every request file on the branch
 * whose `until: incident-resolved` names it. Reads the branch tip only (no history: the
 * app has no clone), so it also revokes grants that have not started yet.
 */
export async function revokeOnIncidentResolved(input: {
  repo: Repository;
  branch: string;
  incident: { id: string; number?: number; resolvedAt?: Date };
  dryRun?: boolean;
}): Promise<EventOutcome[]> {
  const { read } = input.repo;
  const sha = await read.resolve(input.branch);
  const blobs = await read.listBlobs(sha, REQUESTS_DIR);
  const texts = await read.readBlobs(blobs.map((b) => b.sha));
  const matching = blobs.filter((b) => {
    const t = untilTerms(texts.get(b.sha) ?? "");
    return t?.until === "incident-resolved" && t.incident !== undefined && namesIncident(t.incident, input.incident);
  });
  if (!matching.length) return [];
  const baseTree = await read.treeId(sha);
  const name = `PagerDuty incident #${input.incident.number ?? "?"} (${input.incident.id})`;
  const out: EventOutcome[] = [];
  for (const b of matching) {
    const why = `${name}, named by the request, was resolved${input.incident.resolvedAt ? ` at ${iso(input.incident.resolvedAt)}` : ""} (PagerDuty webhook).`;
    const outcome = await openRevoke(input.repo, { base: input.branch, baseSha: sha, baseTree, dryRun: input.dryRun }, { path: b.path, blobSha: b.sha }, { path: b.path, reason: "incident-resolved", why }).catch(
      (err: Error) => ({ status: "failed" as const, detail: `could not revoke: ${err.message}` }),
    );
    out.push({ path: b.path, event: "incident-resolved", reason: "incident-resolved", ...outcome });
  }
  return out;
}
