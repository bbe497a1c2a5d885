// Issue 10 item 7: the rules are parsed once per set of blob ids, not once per delivery, and
// a PR refused for its size is refused before anything is parsed.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CONFIGS, ConfigCache } from "../../src/app/config-cache.js";
import { CONFIG_PATHS, DeliveryRepo } from "../../src/app/repo.js";
import { loadConfigAt } from "../../src/git/load.js";
import { gitHub } from "../../src/github/octokit.js";
import { PROVIDER_RULES } from "../../src/providers/index.js";
import { Octokit } from "@octokit/rest";
import { BASE_FILES, R, REQUESTS, added, capture, contextReply, filesReply, gitBlobId, github, makeProbot, pullRequestEvent, receive, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const api = gitHub(new Octokit({ auth: "x" }));
const where = { owner: "acme", repo: "access" };

function seeded(cache: ConfigCache, sha: string, files: Record<string, string | null>, withIds = true): DeliveryRepo {
  const repo = new DeliveryRepo(api, where, cache);
  for (const p of CONFIG_PATHS) {
    const text = files[p] ?? null;
    repo.seedBlob(sha, p, text === null ? null : { text, isBinary: false, isTruncated: false, ...(withIds ? { oid: gitBlobId(text) } : {}) });
  }
  return repo;
}

describe("the parsed config cache", () => {
  it("two commits with the same config blobs share one parse; a changed blob is parsed again", async () => {
    const cache = new ConfigCache();
    const a = await loadConfigAt(seeded(cache, "a".repeat(40), BASE_FILES), "a".repeat(40), PROVIDER_RULES);
    const b = await loadConfigAt(seeded(cache, "b".repeat(40), BASE_FILES), "b".repeat(40), PROVIDER_RULES);
    expect(b).toBe(a);
    expect([cache.misses, cache.hits]).toEqual([1, 1]);
    const edited = { ...BASE_FILES, "access/policy.yaml": `${BASE_FILES["access/policy.yaml"]}# tightened\n` };
    const c = await loadConfigAt(seeded(cache, "c".repeat(40), edited), "c".repeat(40), PROVIDER_RULES);
    expect(c).not.toBe(a);
    expect(cache.misses).toBe(2);
  });

  it("without every blob id known (a file read over REST) nothing is cached: the parse is not trusted to a guess", async () => {
    const cache = new ConfigCache();
    await loadConfigAt(seeded(cache, "a".repeat(40), BASE_FILES, false), "a".repeat(40), PROVIDER_RULES);
    await loadConfigAt(seeded(cache, "a".repeat(40), BASE_FILES, false), "a".repeat(40), PROVIDER_RULES);
    expect([cache.misses, cache.hits]).toEqual([0, 0]);
  });

  it("keeps at most its capacity, dropping the least recently used", async () => {
    const cache = new ConfigCache(2);
    const parse = () => ({}) as never;
    cache.get(PROVIDER_RULES, "one", parse);
    cache.get(PROVIDER_RULES, "two", parse);
    cache.get(PROVIDER_RULES, "one", parse); // "two" is now the oldest
    cache.get(PROVIDER_RULES, "three", parse);
    cache.get(PROVIDER_RULES, "one", parse);
    cache.get(PROVIDER_RULES, "two", parse);
    expect([cache.misses, cache.hits]).toEqual([4, 2]);
  });
});

describe("in the app", () => {
  it("two deliveries of two PRs against the same rules parse them once", async () => {
    const probot = await makeProbot();
    const before = { misses: CONFIGS.misses, hits: CONFIGS.hits };
    const gh = github();
    for (const number of [7, 8]) {
      contextReply(gh, { number, oids: true, labels: ["access:self-service"] });
      filesReply(gh, number, [added("access/requests/staging-deploy/alice.yaml", REQUESTS.selfService)]);
      gh.post(`${R}/check-runs`).reply(201, { id: 900 + number });
      gh.put(`${R}/pulls/${number}/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    }
    await receive(probot, pullRequestEvent("opened", { number: 7, author: "alice" }));
    await receive(probot, pullRequestEvent("opened", { number: 8, author: "alice" }));
    gh.done();
    expect(CONFIGS.misses - before.misses).toBeLessThanOrEqual(1); // once, or none if another test parsed these blobs first
    expect(CONFIGS.hits - before.hits).toBeGreaterThanOrEqual(1);
  });

  it("a PR over 3,000 files is refused before the rules are parsed", async () => {
    const probot = await makeProbot();
    const before = { misses: CONFIGS.misses, hits: CONFIGS.hits };
    const gh = github();
    contextReply(gh, { changedFiles: 3001, oids: true, files: { ...BASE_FILES, "access/catalog.yaml": `${BASE_FILES["access/catalog.yaml"]}# a version never parsed\n` } });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice", changedFiles: 3001 }));
    gh.done();
    expect(check.bodies[0].output.summary).toContain("This pull request changes 3001 files");
    expect([CONFIGS.misses - before.misses, CONFIGS.hits - before.hits]).toEqual([0, 0]);
  });
});
