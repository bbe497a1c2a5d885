// The app's guarantees an attacker with write access would try (issue 11, items 8 to 15),
// on real webhook payloads with GitHub answered by nock.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reviewFacts, signals, teamMembership } from "../helpers/github-replies.js";
import { BASE, HEAD, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, modified, pullRequestEvent, pullReply, receive, reviewEvent, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const SELF = "access/requests/staging-deploy/alice.yaml";
const COND = "access/requests/gcp-prod-viewer/alice.yaml";
const OLD = "e".repeat(40);
const QUIET = { teams: { alice: [] }, incidents: 0, member: { alice: true }, baseFiles: [SELF] };
const armedFor = (sha: string) => `gitgrant judged ${sha} against the rules at ${BASE}:\n- ${SELF}: tier self-service`;

describe("auto-merge never merges an unjudged head (item 8: disarm on every new head)", () => {
  it("a push after gitgrant armed auto-merge for the old head turns it off before the new head's check run exists", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { autoMerge: armedFor(OLD), changedFiles: 2 });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService), modified("README.md")]);
    const order: string[] = [];
    gh.post("/graphql", (b: any) => String(b.query).includes("disablePullRequestAutoMerge") && b.variables.id === "PR_node_7" && order.push("disarm") > 0).reply(200, { data: { disablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });
    gh.post(`${R}/check-runs`, (b: any) => order.push(`check ${b.conclusion}`) > 0).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    const note = capture();
    gh.patch(`${R}/check-runs/900`, note.push).reply(200, { id: 900 });
    await receive(probot, pullRequestEvent("synchronize", { author: "alice", changedFiles: 2 }));
    gh.done();
    // The new head touches a file outside access/requests/: neutral, and nothing may merge it.
    expect(order).toEqual(["disarm", "check neutral"]);
    expect(note.bodies[0].output.summary).toContain(`GitHub's auto-merge, armed by gitgrant for ${OLD.slice(0, 7)}, was turned off`);
  });

  it("armed for this very head and still approved: left on, and the merge is tried again", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { autoMerge: armedFor(HEAD) });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("synchronize", { author: "alice" }));
    gh.done();
  });

  it("auto-merge someone else armed is not gitgrant's to turn off", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { autoMerge: "Merged by hand", changedFiles: 2 });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService), modified("README.md")]);
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "neutral").reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("synchronize", { author: "alice", changedFiles: 2 }));
    gh.done();
  });
});

describe("only the default branch (item 9)", () => {
  it("a self-service request into another branch is judged by that branch's rules, labelled, and not merged", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { baseRef: "release" });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice", baseRef: "release" }));
    gh.done(); // no PUT .../merge
    expect(check.bodies[0]).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Not merged by gitgrant: the base branch is release, not the default branch main; only merges there grant access" } });
  });

  it("a base changed to another branch after judging is caught by the state read in the delivery, not the payload", async () => {
    const probot = await makeProbot();
    const gh = github();
    // The payload still says main; GitHub now says the PR targets develop.
    contextReply(gh, { currentBase: "develop" });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "neutral").reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("synchronize", { author: "alice" }));
    gh.done(); // no PUT .../merge
  });
});

describe("approvals (item 10)", () => {
  function conditional(gh: nock.Scope, facts: Parameters<typeof reviewFacts>[2], commits = 1) {
    contextReply(gh, { labels: ["access:conditional"], commits });
    filesReply(gh, 7, [added(COND, REQUESTS.conditional)]);
    signals(gh, QUIET);
    reviewFacts(gh, 7, { requested: { teams: ["platform"] }, ...facts });
  }

  it("an approval whose commit_id is missing never counts", async () => {
    const probot = await makeProbot();
    const gh = github();
    conditional(gh, { reviews: [{ login: "bob", state: "APPROVED", commit: null as unknown as string }], commits: [{ author: "alice", committer: "web-flow" }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED" }));
    gh.done();
    expect(check.bodies[0]).toMatchObject({ status: "in_progress", output: { title: "Waiting for 1 approval(s) from @acme/platform" } });
    expect(check.bodies[0].output.summary).toContain("bob's approval names no commit, so it is not counted");
  });

  it("over 250 commits, approvals are refused: GitHub would not list every committer", async () => {
    const probot = await makeProbot();
    const gh = github();
    conditional(gh, { reviews: [{ login: "bob", state: "APPROVED", commit: HEAD }], commits: [{ author: "alice", committer: "web-flow" }] }, 251);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED" }));
    gh.done(); // no team look-up for bob, no merge
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.summary).toContain("this pull request has 251 commits and GitHub lists only 250");
  });

  it("a commit with an unlinked email makes its author unknown, so bob's approval cannot count", async () => {
    const probot = await makeProbot();
    const gh = github();
    conditional(gh, { reviews: [{ login: "bob", state: "APPROVED", commit: HEAD }], commits: [{ author: "alice", committer: "web-flow" }, { author: null, committer: "web-flow" }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED" }));
    gh.done();
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.summary).toContain("carries an email no GitHub account is linked to");
  });

  it("with every commit linked and 250 of them, the same approval counts", async () => {
    const probot = await makeProbot();
    const gh = github();
    conditional(gh, { reviews: [{ login: "bob", state: "APPROVED", commit: HEAD }], commits: [{ author: "alice", committer: "web-flow" }] }, 250);
    teamMembership(gh, "acme/platform", "bob", true);
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "success").reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED" }));
    gh.done();
  });
});

describe("merge queue (item 14)", () => {
  it("never queues: a refused direct merge on a merge-queue branch says why instead of arming auto-merge", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { mergeQueue: true });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(405, { message: "Changes must be made through the merge queue", status: "405" });
    pullReply(gh);
    const note = capture();
    gh.patch(`${R}/check-runs/900`, note.push).reply(200, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // no enablePullRequestAutoMerge
    expect(note.bodies[0].output.summary).toContain("uses a merge queue, which would drop gitgrant's evidence trailers");
  });
});

describe("a pull request that is gone (item 15)", () => {
  it("deleted or transferred while the delivery waited: skipped quietly, no red check", async () => {
    const probot = await makeProbot();
    const gh = github();
    gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantContext")).reply(200, {
      data: { repository: { pullRequest: null, baseTip: { target: { oid: BASE } }, head: null } },
      errors: [{ type: "NOT_FOUND", path: ["repository", "pullRequest"], locations: [{ line: 3, column: 5 }], message: "Could not resolve to a PullRequest with the number of 7." }],
    });
    gh.get(`${R}/pulls/7/files`).query({ per_page: "100" }).reply(404, { message: "Not Found", status: "404" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // and settle(): no check run was posted
  });

  it("a repository gone (404 on the files) is skipped the same way", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    gh.get(`${R}/pulls/7/files`).query({ per_page: "100" }).reply(404, { message: "Not Found", status: "404" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
  });
});

describe("the incident signal comes from responders only (item 13)", () => {
  const ONCALL = { teams: { alice: ["oncall", "platform"] }, member: { alice: true }, baseFiles: [SELF] };

  it("an incident issue opened and labelled by someone outside @acme/responders does not open the conditional tier", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(COND, REQUESTS.conditional)]);
    signals(gh, { ...ONCALL, incidentIssues: [{ author: "mallory", labeledBy: ["mallory"] }] });
    reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "web-flow" }], requested: { teams: ["platform"] } });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // no merge
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.summary).toContain('1 open "incident" issue(s) were neither opened nor labelled by @acme/responders and do not count');
  });

  it("the same issue labelled by a responder counts: alice on call is merged at once", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(COND, REQUESTS.conditional)]);
    signals(gh, { ...ONCALL, incidentIssues: [{ author: "mallory", labeledBy: ["mallory", "rita"] }] });
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "success").reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
  });

  it("without settings.incident_responders no issue is an incident, and the check says so", async () => {
    const probot = await makeProbot();
    const gh = github();
    const { BASE_FILES } = await import("../helpers/app.js");
    const policy = BASE_FILES["access/policy.yaml"]!.replace("  incident_responders: acme/responders\n", "");
    contextReply(gh, { files: { ...BASE_FILES, "access/policy.yaml": policy } });
    filesReply(gh, 7, [added(COND, REQUESTS.conditional)]);
    // Teams only: the incident part of the query is not even asked.
    signals(gh, ONCALL);
    reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "web-flow" }], requested: { teams: ["platform"] } });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.summary).toContain("settings.incident_responders is not set, so no open issue counts as an incident");
  });
});
