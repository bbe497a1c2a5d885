// One check run and one merge across replicas. Several app processes share no memory, and
// GitHub may hand the same event (or a review and a synchronize of one head) to two of them
// at once; each would create its own check run: GitHub's check-run create is not idempotent.
// A ref is: POST /git/refs creates `refs/gitgrant/claims/<kind>/<key hash>` once, and every
// later create gets 422 "Reference already exists". So the writer of each step first claims
// it; the loser does not write, and instead finds and reuses what the winner published.
//
// A claim names a step, not a thing: "publish on head H of PR N after run R showing F" (or
// "the first run"), "apply pushed commit C". Each publication moves the run on to a new
// state, so the next step has a new key and is claimable again; nothing is blocked by an
// old claim. A holder that died between its claim and its write must not block forever:
// the loser waits (injected sleep) for the winner's write to show; when it never does, the
// claim is taken over by compare-and-swap (a commit on top of the claim's value, moved in
// with force: false: of two takers-over only one fast-forward succeeds).
import { createHash } from "node:crypto";
import { statusOf } from "../github/errors.js";
import type { GitHub, RepoRef } from "../github/octokit.js";

export const CLAIMS_PREFIX = "refs/gitgrant/claims/";

export type ClaimKind = "pr" | "apply";

export type Sleep = (ms: number) => Promise<void>;

/** Waits before each look for the winner's write (ms; 15.5 s in all): then it is presumed dead. */
export const CLAIM_WAITS = [500, 1000, 2000, 4000, 8000];

/** An unfinished gitgrant/apply run older than this is a delivery that died: it is taken over. */
export const STALE_APPLY_MS = 10 * 60_000;

/** How a delivery that lost a claim waits for the winner's write; the app's default is on, with real sleeps. */
export interface ClaimOptions {
  sleep?: Sleep;
  /** The waits before each look (default CLAIM_WAITS). */
  waits?: number[];
}

export interface ClaimEnv extends ClaimOptions {
  api: GitHub;
  where: RepoRef;
  log?: { warn(m: string): void };
}

const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** "refs/gitgrant/claims/pr/<sha256>": any text can be a key, and none is too long for a ref. */
export function claimRef(kind: ClaimKind, key: string): string {
  return `${CLAIMS_PREFIX}${kind}/${createHash("sha256").update(key).digest("hex")}`;
}

/**
 * won: this call created the ref. taken: it exists (another delivery, a replica, an earlier
 * run). unavailable: GitHub could not say (a 5xx, no permission): the caller goes on as it did
 * before claims existed (a second check run is a smaller harm than none).
 */
export type ClaimResult = "won" | "taken" | "unavailable";

export async function claim(env: ClaimEnv, ref: string, sha: string): Promise<ClaimResult> {
  try {
    await env.api.rest.git.createRef({ ...env.where, ref, sha });
    return "won";
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    // "Reference update failed" is what GitHub also answers to a create that raced another.
    if (statusOf(err) === 422 && /already exists|update failed/i.test(why)) return "taken";
    env.log?.warn(`gitgrant: could not claim ${ref} (${statusOf(err) ?? "error"}: ${why}); going on unclaimed`);
    return "unavailable";
  }
}

/**
 * Takes a claim over from a holder presumed dead: a new commit whose parent is the claim's
 * current value, moved in with force: false. Returns whether this call took it. A claim
 * that does not exist (deleted, or a run from before claims) is simply claimed.
 */
export async function takeOver(env: ClaimEnv, ref: string, sha: string): Promise<boolean> {
  const short = ref.slice("refs/".length);
  let value: string;
  try {
    // The path written out, as GitHub documents it (octokit's getRef would escape the slashes).
    const { data } = await env.api.request(`GET /repos/{owner}/{repo}/git/ref/${short}`, { ...env.where });
    value = (data as { object: { sha: string } }).object.sha;
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
    return (await claim(env, ref, sha)) !== "taken";
  }
  const { data: parent } = await env.api.rest.git.getCommit({ ...env.where, commit_sha: value });
  const { data: next } = await env.api.rest.git.createCommit({ ...env.where, message: "gitgrant: claim taken over from a holder that did not finish", tree: parent.tree.sha, parents: [value] });
  try {
    await env.api.request(`PATCH /repos/{owner}/{repo}/git/refs/${short}`, { ...env.where, sha: next.sha, force: false });
    return true;
  } catch (err) {
    // Not a fast-forward: another taker-over moved it first.
    if (statusOf(err) === 422) return false;
    throw err;
  }
}

/**
 * After losing a claim: looks (after each wait) until `shown` says the winner's write is
 * there. Returns what it showed, or null when it never did (the holder is presumed dead).
 */
export async function awaitWinner<T>(env: ClaimEnv, shown: () => Promise<T | null>): Promise<T | null> {
  const sleep = env.sleep ?? realSleep;
  for (const ms of env.waits ?? CLAIM_WAITS) {
    await sleep(ms);
    const seen = await shown();
    if (seen !== null) return seen;
  }
  return null;
}

/** gitgrant's runs named `name` on `sha`, newest first (REST: the GraphQL snapshot is already stale here). */
export async function listOwnRuns(env: ClaimEnv, sha: string, name: string, appId: number | undefined): Promise<Array<{ id: number; externalId: string | null; status: string; startedAt: string | null }>> {
  const { data } = await env.api.rest.checks.listForRef({ ...env.where, ref: sha, check_name: name, filter: "all", per_page: 100, ...(appId !== undefined ? { app_id: appId } : {}) });
  return data.check_runs
    .map((r) => ({ id: r.id, externalId: r.external_id ?? null, status: r.status.toUpperCase(), startedAt: r.started_at ?? null }))
    .sort((a, b) => b.id - a.id);
}
