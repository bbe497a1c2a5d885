// After a push's fast apply, the app converges the resources the push touched, as
// `gitgrant apply --converge touched` does in a workflow: what a lost delivery, a failed call
// or an earlier push's revoke left behind is repaired by the next push on that resource.
//
// It converges to the branch tip, never to the pushed commit: deliveries can arrive out of
// order, and the pushed tree of an older push does not hold a newer merge's files, so
// converging to it would revoke the newer grant. The tip is read again once the targets are
// listed (before any change: moved, nothing is changed and the next pass reads the new tip)
// and after the changes (moved, a merge another replica applies may have raced them, so
// convergence runs again at the new tip). Every pass sees one tree whole.
import type { ConvergeResult } from "../operations/converge.js";
import { converge } from "../operations/converge.js";
import type { ApplyOptions, ProviderLookup } from "../operations/execute.js";
import type { AccessRepo, ReceiptStore } from "../git/types.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { readBranchReport, tipSha } from "./expiry-read.js";

export interface PushConvergeInput extends Pick<ApplyOptions, "sleep" | "onRetry"> {
  api: GitHub;
  where: RepoRef;
  branch: string;
  /** Read once per pass: each pass judges the tip at its own moment. */
  now: () => Date;
  providers: ProviderLookup;
  receipts: ReceiptStore;
  /** The resources the push's request files name. */
  resources: string[];
  /** Any AccessRepo: converge reads nothing through it when given the branch report. */
  repo: AccessRepo;
  /** Passes at most (default 3). */
  passes?: number;
}

export interface PushConverged {
  /** Each pass's result, in order; the last is the tip the work ended at. */
  passes: ConvergeResult[];
  /** What a person must look at: the last pass's problems, and a branch that never held still. */
  problems: string[];
}

export async function convergeAfterPush(input: PushConvergeInput): Promise<PushConverged> {
  const out: PushConverged = { passes: [], problems: [] };
  if (!input.resources.length) return out;
  const most = Math.max(1, input.passes ?? 3);
  for (let pass = 1; ; pass++) {
    const now = input.now();
    const report = await readBranchReport(input.api, input.where, { branch: input.branch, now, resources: input.resources });
    const result = await converge({
      repo: input.repo,
      ref: report.sha,
      now,
      providers: input.providers,
      receipts: input.receipts,
      report,
      resources: input.resources,
      // Moved before any change: nothing is done from the older tree, and the next pass reads the new one.
      tipNow: () => tipSha(input.api, input.where, input.branch),
      ...(input.sleep ? { sleep: input.sleep } : {}),
      ...(input.onRetry ? { onRetry: input.onRetry } : {}),
    });
    out.passes.push(result);
    const tip = result.deferred ? null : await tipSha(input.api, input.where, input.branch);
    if (tip === report.sha) {
      out.problems.push(...result.problems);
      return out;
    }
    if (pass >= most) {
      const moved = `${input.branch} moved away from ${report.sha.slice(0, 7)} during each of ${pass} convergence passes; what another apply changed meanwhile is converged by the next push or the sweep`;
      out.problems.push(...result.problems.filter((p) => !p.startsWith("convergence changed nothing: the branch moved")), moved);
      return out;
    }
  }
}
