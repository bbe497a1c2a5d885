// The app's "once": one message per key, claimed on GitHub before it is sent, and claims
// pruned once nothing can repeat them.
//
// A claim is the ref refs/gitgrant/notified/<h[0..2]>/<h[2..]> (h: sha256 of the key) at an
// annotated tag whose tagger date is the moment of the claim. GitHub creates a ref once:
// every later attempt, from a redelivery, another replica or a re-judgement of the same head,
// gets 422 and sends nothing. The tag gives the claim an age the ref alone lacks (the commit
// it points at can be months older than the claim), so pruning never takes a young claim.
// (The tagger date is ISO 8601 to the second, YYYY-MM-DDTHH:MM:SSZ, the form the API documents.)
// The first two hex digits make 256 buckets: whoever claims also prunes its own bucket (one
// GraphQL read of at most 100 refs), so claims are cleaned where they are made, at a bounded
// cost per claim, with no scheduler of the app's own.
import { createHash } from "node:crypto";
import { isoSeconds } from "../core/time.js";
import { statusOf } from "../github/errors.js";
import type { GitHub, RepoRef } from "../github/octokit.js";

export const CLAIM_PREFIX = "refs/gitgrant/notified/";
/** GitHub lets a delivery be redelivered for days; 30 days is well past any repeat worth stopping. */
export const CLAIM_MAX_AGE_MS = 30 * 24 * 3600_000;
/** At most this many refs read per prune (one page of a bucket, in name order). */
export const PRUNE_PAGE = 100;
/** At most this many deleted per prune: a claim costs a bounded few calls more, never a backlog's worth. */
export const PRUNE_DELETES = 10;

const TAGGER = { name: "gitgrant", email: "gitgrant@users.noreply.github.com" };

/** A ref name for a message key: any text can be a key and none is too long. */
export function claimRef(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  return `${CLAIM_PREFIX}${h.slice(0, 2)}/${h.slice(2)}`;
}

export interface ClaimOptions {
  /** The moment of the claim (its tag's date). */
  now?: Date;
  /** Prune the claim's bucket after a send (default true). */
  prune?: boolean;
  maxAgeMs?: number;
  /** Where a prune's failures are told; they never fail the send. */
  warn?: (message: string) => void;
}

/**
 * Runs `send` only if this is the first to claim `key` in the repository; `sha` is any commit
 * of the repository (the tag points at it). A failed send deletes the claim, so the next
 * delivery tries again. Returns whether it sent.
 */
export async function once(api: GitHub, where: RepoRef, key: string, sha: string, send: () => Promise<void>, o: ClaimOptions = {}): Promise<boolean> {
  const now = o.now ?? new Date();
  const ref = claimRef(key);
  const { data: tag } = await api.rest.git.createTag({ ...where, tag: "gitgrant-claim", message: `gitgrant claim: ${key}\n`, object: sha, type: "commit", tagger: { ...TAGGER, date: isoSeconds(now) } });
  try {
    await api.rest.git.createRef({ ...where, ref, sha: tag.sha });
  } catch (err) {
    // Claimed before (the unreferenced tag object is garbage GitHub collects).
    if (statusOf(err) === 422) return false;
    throw err;
  }
  try {
    await send();
  } catch (err) {
    await api.rest.git.deleteRef({ ...where, ref: ref.slice("refs/".length) }).catch(() => {});
    throw err;
  }
  if (o.prune !== false) {
    const r = await pruneClaims(api, where, ref.slice(CLAIM_PREFIX.length, CLAIM_PREFIX.length + 2), now, o.maxAgeMs);
    for (const f of r.failed) o.warn?.(`could not prune the claim ${f} (the next claim in its bucket tries again)`);
  }
  return true;
}

export interface PruneResult {
  bucket: string;
  /** Refs deleted (full names). */
  deleted: string[];
  /** Claims younger than the age kept, and refs without a claim's date left alone. */
  kept: number;
  /** Refs that could not be read or deleted, with why. */
  failed: string[];
  /** More to do than one prune does (more refs than a page, or more old claims than it deletes): the next prune there goes on. */
  more: boolean;
}

interface RefNode {
  name: string;
  target: { __typename: string; tagger?: { date: string | null } | null } | null;
}

/**
 * Deletes the bucket's claims older than `maxAgeMs` (by their tag's date): of one page of
 * refs, at most PRUNE_DELETES. A ref whose age is not a claim tag's is never deleted. Failures are returned,
 * never thrown: pruning is housekeeping.
 */
export async function pruneClaims(api: GitHub, where: RepoRef, bucket: string, now: Date, maxAgeMs: number = CLAIM_MAX_AGE_MS): Promise<PruneResult> {
  const prefix = `${CLAIM_PREFIX}${bucket}/`;
  const out: PruneResult = { bucket, deleted: [], kept: 0, failed: [], more: false };
  let nodes: RefNode[];
  try {
    const data = await api.graphql<{ repository: { refs: { nodes: RefNode[]; pageInfo: { hasNextPage: boolean } } | null } }>(
      `query gitgrantClaims($owner: String!, $repo: String!, $prefix: String!, $first: Int!) {
  repository(owner: $owner, name: $repo) {
    refs(refPrefix: $prefix, first: $first) { nodes { name target { __typename ... on Tag { tagger { date } } } } pageInfo { hasNextPage } }
  }
}`,
      { owner: where.owner, repo: where.repo, prefix, first: PRUNE_PAGE },
    );
    nodes = data.repository.refs?.nodes ?? [];
    out.more = data.repository.refs?.pageInfo.hasNextPage ?? false;
  } catch (err) {
    out.failed.push(`${prefix}* (listing: ${(err as Error).message})`);
    return out;
  }
  const cutoff = now.getTime() - maxAgeMs;
  for (const n of nodes) {
    const claimed = n.target?.__typename === "Tag" && n.target.tagger?.date ? Date.parse(n.target.tagger.date) : NaN;
    if (!(claimed < cutoff)) {
      out.kept++;
      continue;
    }
    if (out.deleted.length + out.failed.length >= PRUNE_DELETES) {
      out.more = true;
      break;
    }
    const full = `${prefix}${n.name}`;
    try {
      await api.rest.git.deleteRef({ ...where, ref: full.slice("refs/".length) });
      out.deleted.push(full);
    } catch (err) {
      // Gone already: another replica pruned it first.
      if (statusOf(err) === 422 || statusOf(err) === 404) out.deleted.push(full);
      else out.failed.push(`${full} (${(err as Error).message})`);
    }
  }
  return out;
}
