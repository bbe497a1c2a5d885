// Issue 10 item 7: deliveries that arrive together for one PR head publish one check run and
// attempt one merge; a merge another replica made is done, not refused. Real webhook
// payloads, GitHub on nock.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, pullReply, receive, reviewEvent, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/staging-deploy/alice.yaml";

describe("concurrent deliveries for one PR head", () => {
  it("the same delivery five times at once: one check run, one merge attempt; the follow-up run finds both", async () => {
    const probot = await makeProbot();
    const gh = github();
    const check = capture();
    // The first run: nothing published yet.
    contextReply(gh, { labels: [] });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "Pull Request successfully merged" });
    // One follow-up for the four that came while it ran: GitHub still reports the PR open
    // (eventual consistency) and shows the run the first one published.
    contextReply(gh, {
      labels: ["access:self-service"],
      get checkRun() {
        return { id: 900, externalId: check.bodies[0]?.external_id ?? null, status: "COMPLETED" };
      },
    });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);

    const event = pullRequestEvent("opened", { author: "alice" });
    await Promise.all([1, 2, 3, 4, 5].map(() => receive(probot, event)));

    gh.done(); // exactly: one POST check-runs, one PUT merge, no PATCH
    expect(check.bodies).toHaveLength(1);
  });

  it("a review arriving while the head is judged is seen by one follow-up run, not by a second check run", async () => {
    const probot = await makeProbot();
    const gh = github();
    const check = capture();
    contextReply(gh, { labels: [] });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    contextReply(gh, {
      labels: ["access:self-service"],
      state: "MERGED",
      get checkRun() {
        return { id: 900, externalId: check.bodies[0]?.external_id ?? null, status: "COMPLETED" };
      },
    });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);

    await Promise.all([
      receive(probot, pullRequestEvent("synchronize", { author: "alice" })),
      receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED" })),
      receive(probot, pullRequestEvent("ready_for_review", { author: "alice" })),
    ]);
    gh.done();
    expect(check.bodies).toHaveLength(1);
  });
});

describe("a merge another replica already made", () => {
  it("405 'not mergeable' on a PR now merged with the judged head: done, no auto-merge, no 'not merged' line", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { labels: ["access:self-service"] });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`).reply(405, { message: "Pull Request is not mergeable", documentation_url: "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request", status: "405" });
    pullReply(gh, { merged: true });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // no enablePullRequestAutoMerge, no PATCH appending "Not merged"
  });

  it("405 on a PR still open: the usual fallback (auto-merge pinned to the head) goes ahead", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { labels: ["access:self-service"] });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`).reply(405, { message: "Required status check \"ci\" is expected.", status: "405" });
    pullReply(gh, { merged: false });
    const armed = capture();
    gh.post("/graphql", (b: any) => String(b.query).includes("enablePullRequestAutoMerge") && armed.push(b)).reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });
    gh.patch(`${R}/check-runs/900`).reply(200, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(armed.bodies[0].variables.head).toBe("c".repeat(40));
  });
});
