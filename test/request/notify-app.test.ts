// Approvers and requesters told once: the app claims each chat message on GitHub (a ref per
// pull request, head, outcome and sink) before sending, so a redelivery sends nothing more,
// and a sink that failed is tried again alone.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { slackBody, teamsBody } from "../../src/core/chat.js";
import { claimRef } from "../../src/operations/notify.js";
import { bucketOf, bucketReply, claimReplies, deleteRefPath } from "../helpers/claims.js";
import { BASE_FILES, HEAD, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, settle } from "../helpers/app.js";
import { reviewFacts, signals } from "../helpers/github-replies.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/gcp-prod-viewer/alice.yaml";
const QUIET = { teams: { alice: [] }, incidents: 0, member: { alice: true }, baseFiles: [] as string[] };
const SLACK = "https://hooks.slack.com";
const HOOK = "/services/T1/B1/sekret";
const ENV = { GITGRANT_SLACK_WEBHOOK_URL: `${SLACK}${HOOK}` };
const KEY_WAIT = `acme/access#7@${HEAD}:review_requested:${FILE}:slack`;

function waitingPr(gh: nock.Scope) {
  contextReply(gh, { title: "gcp-prod-viewer for alice" });
  filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
  signals(gh, QUIET);
  reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "web-flow" }] });
  gh.post(`${R}/check-runs`).reply(201, { id: 900 });
  gh.post(`${R}/issues/7/labels`).reply(200, []);
  gh.post(`${R}/pulls/7/requested_reviewers`).reply(201, { number: 7 });
}

describe("a pull request waiting for review", () => {
  it("is posted to Slack once, naming its approvers with a link; the redelivery finds the claim and posts nothing", async () => {
    const probot = await makeProbot(undefined, { environment: ENV });
    let gh = github();
    waitingPr(gh);
    claimReplies(gh, KEY_WAIT, HEAD);
    bucketReply(gh, bucketOf(KEY_WAIT), [{ name: claimRef(KEY_WAIT).slice(-62), claimedAt: "2026-11-30T10:00:00.000Z" }]);
    const posted = capture();
    const slack = nock(SLACK).post(HOOK, posted.push).reply(200, "ok");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    slack.done();
    expect(posted.bodies[0].text).toBe("alice asks for gcp-prod-viewer until 12:00 UTC if approved now (tier conditional): @acme/platform, please review https://github.com/acme/access/pull/7");

    gh = github({ token: false });
    waitingPr(gh);
    claimReplies(gh, KEY_WAIT, HEAD, 422);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    // No Slack interceptor is left: a second post would be an unmatched request.
  });

  it("a failed post gives the claim back, so the next delivery tries again", async () => {
    const probot = await makeProbot(undefined, { environment: ENV });
    const gh = github();
    waitingPr(gh);
    claimReplies(gh, KEY_WAIT, HEAD);
    gh.delete(deleteRefPath(claimRef(KEY_WAIT))).reply(204);
    const slack = nock(SLACK).post(HOOK).reply(404, "no_service");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    slack.done();
  });
});

describe("one sink failing", () => {
  const TEAMS = "https://acme.webhook.office.com";
  const TEAMS_PATH = "/webhookb2/x/IncomingWebhook/y/z";
  const BOTH = { ...ENV, GITGRANT_TEAMS_WEBHOOK_URL: `${TEAMS}${TEAMS_PATH}` };
  const KEY_TEAMS = KEY_WAIT.replace(/:slack$/, ":teams");
  const sleeps: number[] = [];
  const sinkOptions = { sleep: async (ms: number) => void sleeps.push(ms) };

  it("Slack ok and Teams 500: only Teams gives its claim back, and the redelivery sends to Teams alone", async () => {
    const probot = await makeProbot(undefined, { environment: BOTH, sinkOptions });
    let gh = github();
    waitingPr(gh);
    claimReplies(gh, KEY_WAIT, HEAD);
    bucketReply(gh, bucketOf(KEY_WAIT), []);
    claimReplies(gh, KEY_TEAMS, HEAD);
    gh.delete(deleteRefPath(claimRef(KEY_TEAMS))).reply(204);
    const slack = nock(SLACK).post(HOOK).reply(200, "ok");
    // Five attempts (the sink's retry policy), all 500.
    const teamsDown = nock(TEAMS).post(TEAMS_PATH).times(5).reply(500, "oops");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    slack.done();
    teamsDown.done();
    expect(sleeps).toEqual([1000, 2000, 4000, 8000]);

    // The redelivery: Slack's claim stands (422: nothing posted to Slack), Teams claims anew and posts.
    gh = github({ token: false });
    waitingPr(gh);
    claimReplies(gh, KEY_WAIT, HEAD, 422);
    claimReplies(gh, KEY_TEAMS, HEAD);
    bucketReply(gh, bucketOf(KEY_TEAMS), []);
    const posted = capture();
    const teams = nock(TEAMS).post(TEAMS_PATH, posted.push).reply(202, "");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    teams.done();
    expect(posted.bodies[0].attachments[0].content.body[0].text).toBe("alice asks for gcp-prod-viewer until 12:00 UTC if approved now (tier conditional): @acme/platform, please review https://github.com/acme/access/pull/7");
    // No Slack interceptor is left: a second Slack post would be an unmatched request.
  });
});

describe("claims pruned where they are made", () => {
  it("after a send, the claim's bucket loses its claims older than 30 days; younger ones and refs without a claim's date stay", async () => {
    const probot = await makeProbot(undefined, { environment: ENV });
    const gh = github();
    waitingPr(gh);
    claimReplies(gh, KEY_WAIT, HEAD);
    const b = bucketOf(KEY_WAIT);
    bucketReply(gh, b, [
      { name: "0".repeat(62), claimedAt: "2026-10-30T09:59:59Z" }, // 31 days old: pruned
      { name: "1".repeat(62), claimedAt: "2026-11-01T10:00:00Z" }, // 29 days old: kept
      { name: "2".repeat(62), commit: true }, // no claim tag: its age is unknown, never pruned
      { name: "3".repeat(62), claimedAt: "2026-09-01T00:00:00Z" }, // pruned, but another replica was first (422)
      { name: "4".repeat(62), claimedAt: "2026-09-01T00:00:00Z" }, // the delete fails: told, not fatal
    ]);
    gh.delete(deleteRefPath(`refs/gitgrant/notified/${b}/${"0".repeat(62)}`)).reply(204);
    gh.delete(deleteRefPath(`refs/gitgrant/notified/${b}/${"3".repeat(62)}`)).reply(422, { message: "Reference does not exist" });
    gh.delete(deleteRefPath(`refs/gitgrant/notified/${b}/${"4".repeat(62)}`)).reply(500, { message: "boom" });
    const slack = nock(SLACK).post(HOOK).reply(200, "ok");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    slack.done();
  });
});

describe("a refused request", () => {
  it("tells its requester once, mentioning them by their Slack id from identities.yaml", async () => {
    const probot = await makeProbot(undefined, { environment: ENV });
    const gh = github();
    const identities = BASE_FILES["access/identities.yaml"]!.replace("  alice:\n", "  alice:\n    slack: U0ALICE1\n");
    contextReply(gh, { files: { ...BASE_FILES, "access/identities.yaml": identities } });
    filesReply(gh, 7, [added(FILE, "reason: Check the production project's quotas for the capacity review\nduration: 30h\n")]);
    signals(gh, QUIET);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    const key = `acme/access#7@${HEAD}:refused:${FILE}:slack`;
    claimReplies(gh, key, HEAD);
    bucketReply(gh, bucketOf(key), []);
    const posted = capture();
    const slack = nock(SLACK).post(HOOK, posted.push).reply(200, "ok");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    slack.done();
    expect(posted.bodies[0].text).toBe("alice's request for gcp-prod-viewer is refused: 1d6h is over gcp-prod-viewer's cap of 12h; ask for 12h or less. https://github.com/acme/access/pull/7 <@U0ALICE1>");
  });
});

describe("chat bodies with mentions", () => {
  const e = { id: "x", type: "refused" as const, time: "2026-11-30T10:00:00Z", actor: "gitgrant", requester: "alice", resource: "r", tier: null, pr: 7, message: "<!channel> hi", details: { mentions: { slack: ["U0ALICE1", "<!here>"], teams: [{ id: "alice@acme.com", name: "alice" }] } } };
  it("Slack mentions only member ids and escapes the message; Teams uses its mention entities", () => {
    expect(slackBody(e).text).toBe("&lt;!channel&gt; hi <@U0ALICE1>");
    const card = (teamsBody(e).attachments as any[])[0].content;
    expect(card.msteams.entities).toEqual([{ type: "mention", text: "<at>alice</at>", mentioned: { id: "alice@acme.com", name: "alice" } }]);
    expect(card.body.at(-1)).toEqual({ type: "TextBlock", text: "<at>alice</at>", wrap: true });
  });
});
