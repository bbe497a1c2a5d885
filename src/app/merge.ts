// The merge: a squash pinned to the judged head SHA, whose message carries the evidence
// trailers (DESIGN "Evidence"). When branch protection stops a direct merge, GitHub's
// auto-merge is enabled with the same message and the same expected head instead.
import type { CheckResult, FileVerdict } from "../core/evaluate.js";
import { evidenceMessage, REVOKE_REASONS, type RevokeReason } from "../core/trailers.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { statusOf } from "../github/errors.js";
import type { PullRequestInfo } from "./snapshot.js";

export interface MergeMessage {
  commit_title: string;
  commit_message: string;
}

/** The `Revoke-reason: <reason>` line gitgrant's revoke PRs carry in their body. */
export function statedRevokeReason(body: string): RevokeReason | null {
  const m = /^Revoke-reason:[ \t]*([a-z][a-z-]*)[ \t]*$/im.exec(body);
  const reason = m?.[1]?.toLowerCase() as RevokeReason | undefined;
  return reason && REVOKE_REASONS.includes(reason) ? reason : null;
}

/** Deleting one's own file is giving it up; otherwise the PR says why, or it is "other". */
export function revokeReason(pr: PullRequestInfo, f: FileVerdict, revokePr: boolean): RevokeReason {
  if (!revokePr && f.requester?.toLowerCase() === pr.author.toLowerCase()) return "relinquished";
  return statedRevokeReason(pr.body) ?? (revokePr ? "expired" : "other");
}

export function mergeMessage(pr: PullRequestInfo, result: CheckResult, judged: { baseSha: string; headSha: string; revokePr: boolean }): MergeMessage {
  const requests = result.files.filter((f) => f.kind === "request");
  const grants = requests.filter((f) => f.change !== "deleted" && f.requester).map((f) => ({ path: f.path, requester: f.requester!.toLowerCase(), tier: f.tier ?? "unknown" }));
  const revokes = requests.filter((f) => f.change === "deleted").map((f) => ({ path: f.path, reason: revokeReason(pr, f, judged.revokePr) }));
  const approvedBy = [...new Set(requests.flatMap((f) => f.approved_by))].sort((a, b) => a.localeCompare(b));
  const title = `${pr.title} (#${pr.number})`;
  const body = [
    `gitgrant judged ${judged.headSha} against the rules at ${judged.baseSha}:`,
    ...requests.map((f) => `- ${f.path}: ${f.change === "deleted" ? "revoked" : `tier ${f.tier}`}${f.approved_by.length ? `, approved by ${f.approved_by.join(", ")}` : ""}`),
  ].join("\n");
  const full = evidenceMessage(title, body, {
    grants,
    revokes,
    approvedBy,
    pullRequest: pr.number,
    breakGlass: requests.some((f) => f.break_glass),
  });
  // evidenceMessage starts with the title paragraph; GitHub takes the title separately.
  return { commit_title: title, commit_message: full.slice(full.indexOf("\n\n") + 2) };
}

export type MergeOutcome =
  | { kind: "merged"; sha: string; already?: boolean }
  | { kind: "auto-merge" }
  | { kind: "head-moved"; message: string }
  | { kind: "refused"; message: string };

const AUTO_MERGE = `mutation gitgrantAutoMerge($id: ID!, $head: GitObjectID!, $title: String!, $body: String!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $id, expectedHeadOid: $head, mergeMethod: SQUASH, commitHeadline: $title, commitBody: $body }) {
    pullRequest { number }
  }
}`;

export async function mergePullRequest(api: GitHub, where: RepoRef, pr: PullRequestInfo, headSha: string, msg: MergeMessage): Promise<MergeOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { data } = await api.rest.pulls.merge({ ...where, pull_number: pr.number, sha: headSha, merge_method: "squash", ...msg });
      return data.merged ? { kind: "merged", sha: data.sha } : { kind: "refused", message: data.message };
    } catch (err) {
      const status = statusOf(err);
      // GitHub's own sentence (a GitHubApiError's message), without describeError's prefix.
      const why = err instanceof Error ? err.message : String(err);
      // Another delivery (another replica) may have merged this very head a moment ago:
      // GitHub then answers 405 "not mergeable"; that merge is this one, done.
      if (status === 405) {
        const done = await mergedAt(api, where, pr.number, headSha);
        if (done) return { kind: "merged", sha: done, already: true };
      }
      // 409: the head is no longer the SHA that was judged.
      if (status === 409) return { kind: "head-moved", message: why };
      if (status !== 405) return { kind: "refused", message: `GitHub refused the merge (${status ?? "error"}): ${why}` };
      // A merge queue ignores the merge commit message: the evidence trailers would be lost,
      // so gitgrant never queues; it merges directly or not at all.
      if (pr.mergeQueue) {
        return { kind: "refused", message: `GitHub refused a direct merge (405: ${why}) and ${pr.baseRef} uses a merge queue, which would drop gitgrant's evidence trailers from the merge commit; let the gitgrant app bypass the queue, or merge this pull request by hand` };
      }
      // 405: not mergeable now (required checks or reviews, a moved base). Let GitHub merge
      // it when it can, pinned to the same head; the next head disarms it (process.ts).
      try {
        await api.graphql(AUTO_MERGE, { id: pr.nodeId, head: headSha, title: msg.commit_title, body: msg.commit_message });
        return { kind: "auto-merge" };
      } catch (gqlErr) {
        const gqlWhy = gqlErr instanceof Error ? gqlErr.message : String(gqlErr);
        // "clean status": mergeable after all (the base moved meanwhile); merge again, once.
        if (/clean status/i.test(gqlWhy) && attempt === 0) continue;
        if (/head.*(oid|sha)|expected head/i.test(gqlWhy)) return { kind: "head-moved", message: gqlWhy };
        return { kind: "refused", message: `GitHub refused the merge (405: ${why}) and auto-merge could not be enabled: ${gqlWhy}` };
      }
    }
  }
}

/** The merge commit when the PR is merged with `headSha` as its head; null otherwise (or when GitHub cannot say). */
async function mergedAt(api: GitHub, where: RepoRef, number: number, headSha: string): Promise<string | null> {
  try {
    const { data } = await api.rest.pulls.get({ ...where, pull_number: number });
    return data.merged && data.head.sha === headSha && data.merge_commit_sha ? data.merge_commit_sha : null;
  } catch {
    return null;
  }
}
