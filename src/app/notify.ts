// Approvers and requesters told once in chat (and the SIEM told of what git history never
// holds): a pull request that waits for review names its approvers, one that is refused
// tells its requester. Each message is claimed first on GitHub per sink (operations/claims.ts),
// keyed by the pull request, its head, the outcome and the sink, so redeliveries, replicas and
// re-runs of the same head send nothing more, and a sink that failed is retried alone (the
// sinks that took the message are not sent it again). A new push is a new head, told again.

/** Re-exported for the app's callers; the mapping itself is pure (core/chat.ts). */
export { mentionsFor };
import { mentionsFor } from "../core/chat.js";
import { makeEvent } from "../core/event-derive.js";
import type { AccessEvent } from "../core/events.js";
import type { FileVerdict } from "../core/evaluate.js";
import { isoSeconds } from "../core/time.js";
import { EventConfigError, sinksFromEnv } from "../operations/event-sinks.js";
import { once } from "../operations/claims.js";
import type { Judgement } from "./judge.js";
import type { ProcessEnv } from "./process.js";

/** The events a judgement owes chat and the SIEM: refused files, or the wait for review. */
export function judgedEvents(env: Pick<ProcessEnv, "where" | "now">, j: Judgement): AccessEvent[] {
  if (j.pr.state !== "OPEN" || j.pr.draft || !j.input) return [];
  const url = `https://github.com/${env.where.owner}/${env.where.repo}/pull/${j.target.number}`;
  const requests = j.result.files.filter((f) => f.kind === "request" && f.change !== "deleted" && f.requester && f.resource);
  const base = (f: FileVerdict) => ({ time: isoSeconds(env.now), actor: "gitgrant", requester: f.requester!.toLowerCase(), resource: f.resource!, tier: f.tier, pr: j.target.number, path: f.path, sha: j.target.headSha });
  if (!j.result.ok) {
    return requests.filter((f) => !f.valid).map((f) =>
      makeEvent({ ...base(f), type: "refused", message: `${f.requester}'s request for ${f.resource} is refused: ${f.errors[0]?.message ?? "see the check run"} ${url}`, details: { url, errors: f.errors.map((e) => e.message), mentions: mentionsFor(j.config, [`@${f.requester}`]) } }),
    );
  }
  if (j.result.approved) return [];
  return requests.filter((f) => f.approvals_required > f.approved_by.length).map((f) =>
    makeEvent({
      ...base(f),
      type: "review_requested",
      message: `${f.requester} asks for ${f.resource}${f.expires_at ? ` until ${f.expires_at.slice(11, 16)} UTC if approved now` : ""} (tier ${f.tier}): ${f.approvers.join(" or ")}, please review ${url}`,
      details: { url, approvers: f.approvers, approvals_required: f.approvals_required, mentions: mentionsFor(j.config, f.approvers) },
    }),
  );
}

/** Sends each owed event once to every sink that wants it; a failure is logged, never fatal to the judgement. */
export async function notifyJudgement(env: ProcessEnv, j: Judgement): Promise<number> {
  let sinks;
  try {
    sinks = sinksFromEnv(env.environment ?? {}, env.sinkOptions);
  } catch (e) {
    if (e instanceof EventConfigError) {
      env.log.warn(`notifications are off: ${e.message}`);
      return 0;
    }
    throw e;
  }
  if (!sinks.length) return 0;
  let sent = 0;
  for (const event of judgedEvents(env, j)) {
    const wanted = sinks.filter((s) => s.wants(event.type));
    const key = `${env.where.owner}/${env.where.repo}#${event.pr}@${j.target.headSha}:${event.type}:${event.details.path}`;
    let told = false;
    for (const s of wanted) {
      try {
        const did = await once(env.api, env.where, `${key}:${s.name}`, j.target.headSha, () => s.send(event), { now: env.now, warn: (m) => env.log.warn(m) });
        told ||= did;
      } catch (err) {
        env.log.warn(`#${event.pr}: could not send the ${event.type} notice to ${s.name} (the next delivery tries ${s.name} again): ${(err as Error).message}`);
      }
    }
    if (told) sent++;
  }
  return sent;
}
