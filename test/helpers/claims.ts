// The git data API wire of the app's claims (operations/claims.ts): an annotated tag dated at
// the claim, a ref at it, and the prune of the claim's bucket over GraphQL.
import { createHash } from "node:crypto";
import type nock from "nock";
import { isoSeconds } from "../../src/core/time.js";
import { claimRef } from "../../src/operations/claims.js";
import { NOW, OWNER, R, REPO } from "./app.js";

/** The id GitHub gives the claim's tag object (any 40 hex digits, distinct per key). */
export function tagSha(key: string): string {
  return createHash("sha1").update(`tag ${key}`).digest("hex");
}

/** The tag POST and the ref POST of one claim; `outcome` is the ref's reply (422: claimed before). */
export function claimReplies(gh: nock.Scope, key: string, sha: string, outcome: 201 | 422 = 201, now: Date = NOW): nock.Scope {
  gh.post(`${R}/git/tags`, {
    tag: "gitgrant-claim",
    message: `gitgrant claim: ${key}\n`,
    object: sha,
    type: "commit",
    tagger: { name: "gitgrant", email: "gitgrant@users.noreply.github.com", date: isoSeconds(now) },
  }).reply(201, { sha: tagSha(key), tag: "gitgrant-claim", object: { sha, type: "commit" } });
  const ref = claimRef(key);
  if (outcome === 201) gh.post(`${R}/git/refs`, { ref, sha: tagSha(key) }).reply(201, { ref, object: { sha: tagSha(key), type: "tag" } });
  else gh.post(`${R}/git/refs`, { ref, sha: tagSha(key) }).reply(422, { message: "Reference already exists", status: "422" });
  return gh;
}

export function bucketOf(key: string): string {
  return claimRef(key).slice("refs/gitgrant/notified/".length, "refs/gitgrant/notified/".length + 2);
}

/** The prune's read of a bucket: refs under it, each with its claim tag's date (or a commit). */
export function bucketReply(gh: nock.Scope, bucket: string, refs: Array<{ name: string; claimedAt?: string; commit?: boolean }>, more = false): nock.Scope {
  return gh
    .post("/graphql", (body: any) => String(body.query).includes("query gitgrantClaims") && body.variables.owner === OWNER && body.variables.repo === REPO && body.variables.prefix === `refs/gitgrant/notified/${bucket}/` && body.variables.first === 100)
    .reply(200, {
      data: {
        repository: {
          refs: {
            nodes: refs.map((r) => ({ name: r.name, target: r.commit ? { __typename: "Commit" } : { __typename: "Tag", tagger: { date: r.claimedAt } } })),
            pageInfo: { hasNextPage: more },
          },
        },
      },
    });
}

/** The DELETE of a claim ref, as octokit sends it (the ref after refs/, one path segment). */
export function deleteRefPath(fullRef: string): string {
  return `${R}/git/refs/${encodeURIComponent(fullRef.slice("refs/".length))}`;
}
