// Approvers and requesters told once: the app claims each chat message on GitHub (a ref per
// pull request, head and outcome) before sending, so a redelivery sends nothing more.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { slackBody, teamsBody } from "../../src/core/chat.js";
import { claimRef } from "../../src/operations/notify.js";
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
const KEY_WAIT = `acme/access#7@${HEAD}:review_requested:${FILE}`;

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
    gh.post(`${R}/git/refs`, { ref: claimRef(KEY_WAIT), sha: HEAD }).reply(201, { ref: claimRef(KEY_WAIT) });
    const posted = capture();
    const slack = nock(SLACK).post(HOOK, posted.push).reply(200, "ok");
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    slack.done();
    expect(posted.bodies[0].text).toBe("alice asks for gcp-prod-viewer until 12:00 UTC if approved now (tier conditional): @acme/platform, please review https://github.com/acme/access/pull/7");

    gh = github({ token: false });
    waitingPr(gh);
    gh.post(`${R}/git/refs`, { ref: claimRef(KEY_WAIT), sha: HEAD }).reply(422, { message: "Reference already exists", status: "422" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    // No Slack interceptor is left: a second post would be an unmatched request.
  });

  it("a failed post gives the claim back, so the next delivery tries again", async () => {
    const probot = await makeProbot(undefined, { environment: ENV });
    const gh = github();
    waitingPr(gh);
    gh.post(`${R}/git/refs`).reply(201, { ref: claimRef(KEY_WAIT) });
    gh.delete(`${R}/git/refs/${encodeURIComponent(claimRef(KEY_WAIT).slice(5))}`).reply(204);
    const slack = nock(SLACK).post(HOOK).reply(404, "no_service");
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
    gh.post(`${R}/git/refs`, { ref: claimRef(`acme/access#7@${HEAD}:refused:${FILE}`), sha: HEAD }).reply(201, {});
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
