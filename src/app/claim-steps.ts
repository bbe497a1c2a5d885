// The two steps gitgrant takes once across replicas (claims.ts): publishing a PR head's
// verdict (with the merge that follows it), and applying a pushed commit under its
// `gitgrant/apply` check run.
import type { ExistingCheckRun } from "./snapshot.js";
import { CHECK_NAME } from "./snapshot.js";
import { headKey } from "./coalesce.js";
import { STALE_APPLY_MS, awaitWinner, claim, claimRef, listOwnRuns, takeOver, type ClaimEnv, type ClaimOptions } from "./claims.js";

/** A step's environment; `claims` absent: no coordination across processes (one process's tests, the CLI parity runs). */
export type StepEnv = Omit<ClaimEnv, keyof ClaimOptions> & { claims?: ClaimOptions; appId?: number };

const claimEnv = (env: StepEnv): ClaimEnv => ({ api: env.api, where: env.where, ...(env.log ? { log: env.log } : {}), ...env.claims });

export interface PullTurn {
  /** The run to publish against: the snapshot's, or the one another delivery published meanwhile. */
  existing: ExistingCheckRun | null;
  /** Whether this delivery publishes (and merges) now; false: another delivery did this very step. */
  mine: boolean;
  /** Seen while waiting: the other delivery merged this head. */
  merged?: boolean;
}

/** A verdict completed this recently is being merged by its publisher (a re-run or a later event merges after). */
export const MERGE_GRACE_MS = 60_000;

/** Rounds of claim-and-wait: each lost round means another delivery moved the run on first. */
const ROUNDS = 3;

/**
 * Whose turn it is to move a PR head's `gitgrant` run on from `first` to the verdict
 * fingerprinted `fingerprint` (and to merge, when `willMerge`). A delivery that writes
 * nothing claims nothing: a redelivery showing the same verdict costs no call. The loser
 * waits for the winner's run; a verdict that differs from the winner's is a later read (a
 * review that arrived in between), and takes the next step's claim in turn.
 */
export async function pullTurn(
  stepEnv: StepEnv,
  target: { number: number; headSha: string; baseSha: string },
  first: ExistingCheckRun | null,
  fingerprint: string,
  willMerge: boolean,
  now: Date,
): Promise<PullTurn> {
  if (!stepEnv.claims) return { existing: first, mine: true };
  const env = { ...claimEnv(stepEnv), appId: stepEnv.appId };
  // This very verdict, completed moments ago: its publisher (another delivery, read the moment
  // after it published) is merging it now; a second attempt would only meet its 405.
  const fresh = first?.completedAt ? now.getTime() - Date.parse(first.completedAt) < MERGE_GRACE_MS : false;
  if (first?.externalId === fingerprint && willMerge && fresh) return { existing: first, mine: false };
  let existing = first;
  for (let round = 0; round < ROUNDS; round++) {
    const changes = existing?.externalId !== fingerprint;
    if (!changes && !willMerge) return { existing, mine: true };
    const step = existing ? `after run ${existing.id} showing ${existing.externalId ?? "nothing"}` : "the first run";
    const ref = claimRef("pr", `${headKey(env.where, target.headSha)}#${target.number}: ${step}`);
    // Any commit of the repository will do as the claim's value; the base is one for certain
    // (a fork's head commit may only be reachable through refs/pull/).
    if ((await claim(env, ref, target.baseSha)) !== "taken") return { existing, mine: true };
    const before = existing;
    const seen = await awaitWinner(env, async () => {
      const newest = (await listOwnRuns(env, target.headSha, CHECK_NAME, env.appId))[0];
      if (newest && (newest.id !== before?.id || newest.externalId !== before?.externalId)) return { run: newest };
      // The step was only the merge: the winner's shows as the PR merged with this head.
      if (!changes) {
        const { data } = await env.api.rest.pulls.get({ ...env.where, pull_number: target.number });
        if (data.merged && data.head.sha === target.headSha) return { merged: true as const };
      }
      return null;
    });
    if (!seen) {
      // The holder never wrote: it died between its claim and its write.
      if (await takeOver(env, ref, target.baseSha)) return { existing, mine: true };
      continue;
    }
    if ("merged" in seen) return { existing, mine: false, merged: true };
    existing = { id: seen.run.id, externalId: seen.run.externalId, status: seen.run.status };
    // The winner published this very verdict, and merges it if it may: nothing is left to do.
    if (existing.externalId === fingerprint) return { existing, mine: false };
  }
  // Outrun every round: go on as before claims existed rather than publish nothing.
  return { existing, mine: true };
}

export interface ApplyRun {
  id: number;
  status: string;
  startedAt?: string | null;
}

/**
 * The `gitgrant/apply` run this delivery applies a pushed commit under, or null when another
 * delivery is applying it (or has). `previous` is gitgrant's newest run on the commit as the
 * push read saw it; `create` makes a new in-progress run. An unfinished run younger than
 * STALE_APPLY_MS is a delivery at work elsewhere; an older one died and is taken over, by one
 * delivery only.
 */
export async function applyRunOnce(
  stepEnv: StepEnv & { now: () => Date },
  after: string,
  previous: ApplyRun | null,
  create: () => Promise<number>,
  name: string,
): Promise<number | null> {
  if (!stepEnv.claims) return previous?.status === "COMPLETED" ? null : (previous?.id ?? create());
  const env = { ...claimEnv(stepEnv), appId: stepEnv.appId, now: stepEnv.now };
  const ref = claimRef("apply", headKey(env.where, after));
  const stale = (run: ApplyRun) => !run.startedAt || env.now().getTime() - Date.parse(run.startedAt) >= STALE_APPLY_MS;
  // Taken over, the run starts again now: a live taker-over is not taken over in turn.
  const resume = async (run: ApplyRun): Promise<number | null> => {
    if (!(await takeOver(env, ref, after))) return null;
    await env.api.rest.checks.update({ ...env.where, check_run_id: run.id, status: "in_progress", started_at: env.now().toISOString() });
    return run.id;
  };
  if (previous) return previous.status === "COMPLETED" || !stale(previous) ? null : resume(previous);
  if ((await claim(env, ref, after)) !== "taken") return create();
  const seen = await awaitWinner(env, async () => (await listOwnRuns(env, after, name, env.appId))[0] ?? null);
  // Being applied (or applied) by the claim's holder; a holder that dies leaves its run
  // unfinished, and a later delivery takes that over once it is stale.
  if (seen) return seen.status === "COMPLETED" || !stale(seen) ? null : resume(seen);
  return (await takeOver(env, ref, after)) ? create() : null;
}
