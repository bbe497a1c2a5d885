// A signal source that GitHub cannot answer: the request waits for a human, and the check
// run says which signal was not known and why (never a silent pass or a failed delivery).
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reviewFacts } from "../helpers/github-replies.js";
import { BASE, OWNER, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/gcp-prod-viewer/alice.yaml";

describe("a conditional request while GitHub's GraphQL API fails", () => {
  it("takes the cautious values (no team, no incident) and says so in the check run", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { title: "gcp-prod-viewer for alice" });
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantSignals")).reply(502, { message: "Server Error" });
    gh.get(`/orgs/${OWNER}/members/alice`).reply(204);
    gh.get(`${R}/git/trees/${BASE}`).query({ recursive: "1" }).reply(200, { sha: BASE, url: "", truncated: false, tree: [] });
    reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "web-flow" }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:conditional"] }).reply(200, []);
    gh.post(`${R}/pulls/7/requested_reviewers`).reply(201, { number: 7 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();

    const summary: string = check.bodies[0].output.summary;
    expect(check.bodies[0].status).toBe("in_progress");
    expect(summary).toContain("auto_approve_if does not hold");
    expect(summary).toContain("Note: could not ask GitHub teams (GitHub answered 502 on POST /graphql: Server Error); treated as in no team.");
    expect(summary).toContain("Note: could not ask GitHub incident issues (GitHub answered 502 on POST /graphql: Server Error); treated as no open incident.");
    expect(summary).toContain("requester.teams not known (GitHub teams: GitHub answered 502 on POST /graphql: Server Error), treated as in no team");
  });
});
