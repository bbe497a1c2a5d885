// What a request issue is told, in plain words: granted until when, waiting for whom, or
// refused because of what, with a link to the pull request that holds the request.
import type { FileVerdict } from "../core/evaluate.js";
import type { Grant } from "../core/types.js";
import type { RequestPr } from "../operations/request.js";
import type { Outcome } from "./process.js";

/** "15:30 UTC" today, "2026-12-01 15:30 UTC" on another day. */
export function clock(at: Date, now: Date): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** Text a person typed, or a login, shown without pinging anyone. */
export function quiet(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9])/g, "@\u200b");
}

function list(items: string[]): string {
  return items.map((i) => `- ${quiet(i)}`).join("\n");
}

export function invalidWords(problems: string[]): string {
  return [`gitgrant could not turn this issue into a request yet. Edit the issue to fix:`, "", list(problems), "", "Nothing was opened or granted."].join("\n");
}

function waitingFor(files: FileVerdict[]): string {
  const f = files.find((x) => x.approvals_required > x.approved_by.length) ?? files[0]!;
  const missing = f.approvals_required - f.approved_by.length;
  return `waiting for ${f.approvers.join(" or ") || "a code owner"} (${missing} more approval${missing === 1 ? "" : "s"}, tier ${f.tier})`;
}

/** The verdict after the request PR was judged (and merged, when policy allowed). */
export function verdictWords(pr: RequestPr, outcome: Outcome, now: Date): string {
  const link = `#${pr.number}`;
  const final = outcome.next ?? outcome;
  const j = final.judgement ?? outcome.judgement;
  if (!j) return `gitgrant opened ${link} for this request; its check run says why it could not be judged yet.`;
  const files = j.result.files.filter((f) => f.kind === "request");
  if (!j.result.ok) {
    const errors = files.flatMap((f) => f.errors.map((e) => e.message));
    return [`Refused for now, because:`, "", list(errors.length ? errors : j.result.reasons), "", `Edit this issue to fix it; ${link} follows your edits.`].join("\n");
  }
  if (final.merge?.kind === "merged") {
    const f = files[0];
    const until = f?.expires_at ? ` until ${clock(new Date(f.expires_at), now)}` : "";
    return `Granted${until} (tier ${f?.tier ?? "unknown"}, no approval needed): ${link} was merged and the access is being set up.`;
  }
  if (final.merge?.kind === "auto-merge") return `Approved by policy: ${link} merges as soon as the branch's required checks pass, and the access is granted then.`;
  if (j.result.approved) return `Approved: ${link} merges once it can (${final.merge && "message" in final.merge ? quiet(final.merge.message) : "see its check run"}).`;
  return `Waiting: ${link} is ${waitingFor(files)}. They review it on GitHub; you will be told here when it is granted.`;
}

/** How the request ended, once its PR is merged (granted until when) or closed. */
export function closedWords(prNumber: number, grant: Grant | null, now: Date): string {
  if (!grant) return `#${prNumber} was merged; see its gitgrant/apply check run for what was granted.`;
  const start = grant.startsAt.getTime() > now.getTime() ? ` from ${clock(grant.startsAt, now)}` : "";
  return `Granted: ${grant.resource.id} for @${grant.login}${start} until ${clock(grant.expiresAt, now)} (#${prNumber} was merged). It ends by itself then; delete the file earlier to give it up.`;
}
