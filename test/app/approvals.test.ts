import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTrailers } from "../../src/core/trailers.js";
import { reviewFacts, signals, teamMembership } from "../helpers/github-replies.js";
import { HEAD, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, reviewEvent, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/gcp-prod-viewer/alice.yaml";
const OLD = "e".repeat(40);
/** alice is not on call and nothing is burning: the conditional tier needs one code owner. */
const QUIET = { teams: { alice: [] }, incidents: 0, member: { alice: true }, baseFiles: ["access/requests/staging-deploy/alice.yaml"] };

describe("a conditional-tier request", () => {
  it("asks the file's code owners for review, waits, and is merged after one valid approval", async () => {
    const probot = await makeProbot();
    let gh = github();
    contextReply(gh, { title: "gcp-prod-viewer for alice" });
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    signals(gh, QUIET);
    reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "web-flow" }] });
    const check = capture();
    const asked = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:conditional"] }).reply(200, []);
    gh.post(`${R}/pulls/7/requested_reviewers`, asked.push).reply(201, { number: 7 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();

    expect(check.bodies[0]).toMatchObject({ status: "in_progress", head_sha: HEAD });
    expect(check.bodies[0].conclusion).toBeUndefined();
    expect(check.bodies[0].output.title).toBe("Waiting for 1 approval(s) from @acme/platform");
    expect(check.bodies[0].output.summary).toContain("| conditional | 0 of 1 from @acme/platform |");
    expect(check.bodies[0].output.summary).toContain("auto_approve_if does not hold");
    expect(asked.bodies).toEqual([{ team_reviewers: ["platform"] }]);

    // bob, in @acme/platform, approves the head.
    gh = github({ token: false });
    contextReply(gh, { title: "gcp-prod-viewer for alice", labels: ["access:conditional"], checkRun: { id: 900, externalId: check.bodies[0].external_id, status: "IN_PROGRESS" } });
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    signals(gh, QUIET);
    reviewFacts(gh, 7, { reviews: [{ login: "bob", state: "APPROVED", commit: HEAD }], commits: [{ author: "alice", committer: "web-flow" }], requested: { teams: ["platform"] } });
    teamMembership(gh, "acme/platform", "bob", true);
    const update = capture();
    const merge = capture();
    gh.patch(`${R}/check-runs/900`, update.push).reply(200, { id: 900 });
    gh.put(`${R}/pulls/7/merge`, merge.push).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED" }));
    gh.done();

    expect(update.bodies[0]).toMatchObject({ status: "completed", conclusion: "success", output: { title: "Approved by bob: merging" } });
    expect(update.bodies[0].output.annotations).toBeUndefined();
    expect(merge.bodies[0].sha).toBe(HEAD);
    expect(parseTrailers(`${merge.bodies[0].commit_title}\n\n${merge.bodies[0].commit_message}`)).toEqual([
      { key: "Grant", value: FILE },
      { key: "Requested-by", value: "alice" },
      { key: "Approved-by", value: "bob" },
      { key: "Policy-tier", value: "conditional" },
      { key: "Pull-request", value: "#7" },
    ]);
  });

  it("does not count approvals by the requester, a committer, a non-owner, or on an older head", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    signals(gh, QUIET);
    reviewFacts(gh, 7, {
      reviews: [
        { login: "alice", state: "APPROVED", commit: HEAD },
        { login: "carol", state: "APPROVED", commit: HEAD },
        { login: "dave", state: "APPROVED", commit: HEAD },
        { login: "erin", state: "APPROVED", commit: OLD },
      ],
      commits: [{ author: "alice", committer: "carol" }],
      requested: { teams: ["platform"] },
    });
    // Only dave's membership can matter: alice and carol may not approve, erin's approval is stale.
    teamMembership(gh, "acme/platform", "dave", false);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "dave", state: "APPROVED" }));

    const summary: string = check.bodies[0].output.summary;
    expect(check.bodies[0].status).toBe("in_progress");
    expect(summary).toContain("alice cannot approve their own request");
    expect(summary).toContain("carol authored or pushed to this pull request, so their approval does not count");
    expect(summary).toContain(`dave is not a code owner of ${FILE} (@acme/platform)`);
    expect(summary).toContain(`erin's approval was given on eeeeeee, before the last push to ccccccc`);
    expect(summary).toContain("0 of 1 approval(s) so far; still needed from @acme/platform");
  });

  it("is blocked by a code owner's request for changes even with another owner's approval", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { labels: ["access:conditional"] });
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    signals(gh, QUIET);
    reviewFacts(gh, 7, {
      reviews: [
        { login: "bob", state: "APPROVED", commit: HEAD },
        { login: "frank", state: "CHANGES_REQUESTED", commit: OLD },
      ],
      commits: [{ author: "alice", committer: "alice" }],
      requested: { teams: ["platform"] },
    });
    teamMembership(gh, "acme/platform", "bob", true);
    teamMembership(gh, "acme/platform", "frank", true);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "frank", state: "CHANGES_REQUESTED" }));
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.title).toBe("Changes requested by a code owner");
    expect(check.bodies[0].output.summary).toContain("changes requested by frank: blocked until they approve or their review is dismissed");
  });

  it("is merged at once when its auto_approve_if holds (alice on call during an open incident)", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    const seen: any[] = [];
    signals(gh, { teams: { alice: ["oncall", "platform"] }, incidents: 2, member: { alice: true }, baseFiles: ["access/requests/staging-deploy/alice.yaml", "access/requests/prod-db-read/bob.yaml"] }, seen);
    const check = capture();
    const merge = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:conditional"] }).reply(200, []);
    gh.put(`${R}/pulls/7/merge`, merge.push).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();

    expect(seen[0].variables).toEqual({ org: "acme", l0: "alice", iOwner: "acme", iName: "access", iLabel: "incident", rOrg: "acme", rTeam: "responders" });
    expect(seen[0].query).toContain("t0: organization(login: $org) { teams(first: 100, userLogins: [$l0]) { nodes { slug } } }");
    expect(seen[0].query).toContain("incidents: repository(owner: $iOwner, name: $iName) { issues(labels: [$iLabel], states: OPEN, first: 100) { nodes { number author { login } timelineItems(itemTypes: [LABELED_EVENT], last: 100)");
    expect(seen[0].query).toContain("responders: organization(login: $rOrg) { team(slug: $rTeam) { members(first: 100, membership: ALL) { nodes { login } } } }");
    expect(check.bodies[0].conclusion).toBe("success");
    // medium 20 + 2h 4 + no ticket 10 + one other active grant 5
    expect(check.bodies[0].output.summary).toContain("risk score 39 (medium sensitivity +20, 2h duration +4, no ticket +10, 1 active grant(s) +5)");
    expect(check.bodies[0].output.summary).toContain("--team alice=acme/oncall --team alice=acme/platform --incident");
    expect(merge.bodies[0].commit_message).toContain("Policy-tier: conditional\nPull-request: #7\n");
    expect(merge.bodies[0].commit_message).not.toContain("Approved-by");
  });
});

describe("a request for someone else", () => {
  it("is never self-service: bob asking for alice needs a code owner", async () => {
    const probot = await makeProbot();
    const gh = github();
    const file = "access/requests/staging-deploy/alice.yaml";
    contextReply(gh, { author: "bob" });
    filesReply(gh, 7, [added(file, REQUESTS.selfService)]);
    reviewFacts(gh, 7, { commits: [{ author: "bob", committer: "bob" }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:self-service"] }).reply(200, []);
    gh.post(`${R}/pulls/7/requested_reviewers`, { team_reviewers: ["platform"] }).reply(201, {});
    await receive(probot, pullRequestEvent("opened", { author: "bob" }));
    gh.done();
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.summary).toContain("requested for alice by someone else, so it is never self-service");
    expect(check.bodies[0].output.summary).toContain("| alice | staging-deploy | self-service | 0 of 1 from @acme/platform |");
  });
});
