// The claims' prune on its own: what it deletes, keeps and reports, on the GraphQL and REST wire.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitHub } from "../../src/github/octokit.js";
import { claimRef, pruneClaims } from "../../src/operations/claims.js";
import { API, NOW, OWNER, REPO } from "../helpers/app.js";
import { bucketReply, deleteRefPath } from "../helpers/claims.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

const api = () => gitHub(new Octokit({ auth: "ghs_test", request: { retries: 0 } }));
const where = { owner: OWNER, repo: REPO };

describe("claim refs", () => {
  it("are named by the sha256 of their key, in 256 buckets of its first two hex digits", () => {
    // sha256("k") = 8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a
    expect(claimRef("k")).toBe("refs/gitgrant/notified/82/54c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a");
  });
});

describe("pruneClaims", () => {
  it("deletes claims older than 30 days by their tag's date, keeps the rest, and reports a failed delete without throwing", async () => {
    const gh = nock(API);
    bucketReply(gh, "ab", [
      { name: "old", claimedAt: "2026-10-31T09:59:59Z" },
      { name: "young", claimedAt: "2026-10-31T10:00:01Z" },
      { name: "hand-made", commit: true },
      { name: "stuck", claimedAt: "2026-01-01T00:00:00Z" },
    ], true);
    gh.delete(deleteRefPath("refs/gitgrant/notified/ab/old")).reply(204);
    gh.delete(deleteRefPath("refs/gitgrant/notified/ab/stuck")).reply(403, { message: "Resource not accessible by integration" });
    const r = await pruneClaims(api(), where, "ab", NOW);
    gh.done();
    expect(r.deleted).toEqual(["refs/gitgrant/notified/ab/old"]);
    expect(r.kept).toBe(2);
    expect(r.failed).toEqual([expect.stringMatching(/^refs\/gitgrant\/notified\/ab\/stuck \(.*Resource not accessible by integration/)]);
    expect(r.more).toBe(true);
  });

  it("a listing that fails is reported, nothing is deleted", async () => {
    const gh = nock(API).post("/graphql").reply(502, "Bad Gateway");
    const r = await pruneClaims(api(), where, "0f", NOW);
    gh.done();
    expect(r.deleted).toEqual([]);
    expect(r.failed).toEqual([expect.stringMatching(/^refs\/gitgrant\/notified\/0f\/\* \(listing: /)]);
  });
});

describe("pruneClaims bounds its work", () => {
  it("deletes at most 10 claims per call and says there is more", async () => {
    const gh = nock(API);
    const old = Array.from({ length: 12 }, (_, i) => ({ name: `old${String(i).padStart(2, "0")}`, claimedAt: "2026-01-01T00:00:00Z" }));
    bucketReply(gh, "cd", old);
    for (const r of old.slice(0, 10)) gh.delete(deleteRefPath(`refs/gitgrant/notified/cd/${r.name}`)).reply(204);
    const r = await pruneClaims(api(), where, "cd", NOW);
    gh.done();
    expect(r.deleted).toHaveLength(10);
    expect(r.more).toBe(true);
  });
});
