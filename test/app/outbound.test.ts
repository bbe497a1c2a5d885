// The app's outbound bound (issue 10 item 7): at most N GitHub calls in flight per process,
// and GitHub's documented rate-limit answers (403/429 with retry-after, x-ratelimit-remaining
// 0, or neither) waited out and retried, on the real wire through an octokit and nock.
import nock from "nock";
import { Octokit } from "@octokit/rest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Outbound, rateLimitWait } from "../../src/app/outbound.js";
import { gitHub } from "../../src/github/octokit.js";
import { GitHubApiError } from "../../src/github/errors.js";

const API = "https://api.github.com";
const R = "/repos/acme/access";
const SECONDARY = { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", status: "403" };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** A fake clock whose sleep moves it: nothing waits, and every wait is recorded. */
function fakeTime(start = Date.parse("2026-03-02T10:00:00Z")) {
  let now = start;
  const waits: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void (waits.push(ms), (now += ms)), waits };
}

function client(outbound: Outbound) {
  const octokit = new Octokit({ auth: "ghs_test", log: { debug() {}, info() {}, warn() {}, error() {} } });
  outbound.install(octokit, "installation 1");
  return gitHub(octokit);
}

describe("GitHub's rate limits", () => {
  it("a secondary limit (403, retry-after: 30) is waited out and the call made again", async () => {
    const t = fakeTime();
    const outbound = new Outbound({ sleep: t.sleep, now: t.now });
    const scope = nock(API)
      .post(`${R}/check-runs`)
      .reply(403, SECONDARY, { "retry-after": "30" })
      .post(`${R}/check-runs`)
      .reply(201, { id: 900 });
    const { data } = await client(outbound).rest.checks.create({ owner: "acme", repo: "access", name: "gitgrant", head_sha: "c".repeat(40) });
    scope.done();
    expect(data.id).toBe(900);
    expect(t.waits).toEqual([30_000]);
    expect(outbound.limited).toBe(1);
  });

  it("a primary limit (x-ratelimit-remaining: 0) waits until x-ratelimit-reset, plus a second", async () => {
    const t = fakeTime();
    const reset = Math.floor(t.now() / 1000) + 120;
    const outbound = new Outbound({ sleep: t.sleep, now: t.now });
    const scope = nock(API)
      .get(`${R}/pulls/7`)
      .reply(403, { message: "API rate limit exceeded for installation ID 1.", status: "403" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) })
      .get(`${R}/pulls/7`)
      .reply(200, { number: 7 });
    await client(outbound).rest.pulls.get({ owner: "acme", repo: "access", pull_number: 7 });
    scope.done();
    expect(t.waits).toEqual([121_000]);
  });

  it("a 429 that names no time waits a minute (GitHub's advice), then gives up after three retries with GitHub's error", async () => {
    const t = fakeTime();
    const outbound = new Outbound({ sleep: t.sleep, now: t.now });
    const scope = nock(API).get(`${R}/pulls/7`).times(4).reply(429, { message: "Too many requests", status: "429" });
    const err = await client(outbound).rest.pulls.get({ owner: "acme", repo: "access", pull_number: 7 }).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as GitHubApiError).status).toBe(429);
    expect(t.waits).toEqual([60_000, 60_000, 60_000]);
  });

  it("a 403 that is a permission refusal is not retried", async () => {
    const t = fakeTime();
    const outbound = new Outbound({ sleep: t.sleep, now: t.now });
    const scope = nock(API).put(`${R}/pulls/7/merge`).reply(403, { message: "Resource not accessible by integration", status: "403" });
    const err = await client(outbound).rest.pulls.merge({ owner: "acme", repo: "access", pull_number: 7 }).catch((e: unknown) => e);
    scope.done();
    expect((err as GitHubApiError).status).toBe(403);
    expect(t.waits).toEqual([]);
  });

  it("while one call waits out a limit, the installation's other calls wait too instead of hitting it again", async () => {
    const t = fakeTime();
    const outbound = new Outbound({ sleep: t.sleep, now: t.now });
    const order: string[] = [];
    const limited = Object.assign(new Error("secondary"), { status: 403, response: { headers: { "retry-after": "10" } } });
    let first = true;
    await Promise.all([
      outbound.call("installation 1", { method: "POST", url: "/a" }, async () => {
        order.push(`a@${t.now()}`);
        if (first) {
          first = false;
          throw limited;
        }
        return 1;
      }),
      (async () => {
        await Promise.resolve();
        await outbound.call("installation 1", { method: "GET", url: "/b" }, async () => void order.push(`b@${t.now()}`));
      })(),
    ]);
    const start = Date.parse("2026-03-02T10:00:00Z");
    expect(order).toEqual([`a@${start}`, `b@${start + 10_000}`, `a@${start + 10_000}`]);
  });

  it("reads the wait from gitgrant's own error too (its kept rate-limit headers)", () => {
    const e = new GitHubApiError({ status: 403, method: "POST", route: "/repos/{owner}/{repo}/check-runs", githubMessage: SECONDARY.message, headers: { "retry-after": "7" } });
    expect(rateLimitWait(e, 0)).toBe(7_000);
    expect(rateLimitWait(new GitHubApiError({ status: 404, method: "GET", route: "/x", githubMessage: "Not Found" }), 0)).toBeNull();
  });
});

describe("calls in flight", () => {
  it("never more than maxConcurrent at once; the rest queue in order", async () => {
    const outbound = new Outbound({ maxConcurrent: 3 });
    let inFlight = 0;
    let most = 0;
    const release: Array<() => void> = [];
    const calls = Array.from({ length: 10 }, (_, i) =>
      outbound.call("installation 1", { method: "GET", url: `/${i}` }, () => {
        inFlight++;
        most = Math.max(most, inFlight);
        return new Promise<number>((resolve) => release.push(() => (inFlight--, resolve(i))));
      }),
    );
    // Let each started call finish, one at a time, until all ten have run.
    for (let done = 0; done < 10; done++) {
      await new Promise((r) => setImmediate(r));
      release.shift()!();
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
    expect(outbound.peak).toBe(3);
  });

  it("a call made inside a call (the installation token the auth hook fetches) needs no second slot: a full process never deadlocks", async () => {
    const outbound = new Outbound({ maxConcurrent: 1 });
    const inner = () => outbound.call("installation 1", { method: "POST", url: "/app/installations/1/access_tokens" }, async () => "token");
    const outer = outbound.call("installation 1", { method: "GET", url: "/repos/acme/access/pulls/7" }, async () => `pull with ${await inner()}`);
    expect(await outer).toBe("pull with token");
  });
});
