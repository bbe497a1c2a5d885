import { createRequire } from "node:module";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reviewFacts } from "../helpers/github-replies.js";
import { BASE, BASE_FILES, HEAD, INSTALLATION, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, settle } from "../helpers/app.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const SELF = "access/requests/staging-deploy/alice.yaml";

describe("pull_request edited", () => {
  it("a new title or body judges nothing", async () => {
    const probot = await makeProbot();
    const event = pullRequestEvent("edited", { author: "alice" });
    event.payload.changes = { title: { from: "old" } };
    const gh = github({ token: false });
    await receive(probot, event);
    gh.done();
  });

  it("a new base branch is judged again, and gitgrant's stale tier label comes off", async () => {
    const probot = await makeProbot();
    const event = pullRequestEvent("edited", { author: "alice", labels: ["access:escalated", "needs-docs"] });
    event.payload.changes = { base: { ref: { from: "develop" }, sha: { from: "a".repeat(40) } } };
    const gh = github();
    contextReply(gh, { labels: ["access:escalated", "needs-docs"] });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:self-service"] }).reply(200, []);
    gh.delete(`${R}/issues/7/labels/access%3Aescalated`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, event);
    gh.done();
  });
});

describe("check_suite rerequested", () => {
  it("judges the suite's pull requests at its head", async () => {
    const probot = await makeProbot();
    const p = structuredClone(examples.find((e) => e.name === "check_suite")!.examples.find((x) => x.action === "rerequested" && x.installation)!);
    p.repository = { ...p.repository, name: "access", full_name: "acme/access", owner: { ...p.repository.owner, login: "acme", type: "Organization" } };
    p.installation = { ...p.installation, id: INSTALLATION };
    p.check_suite.head_sha = HEAD;
    p.check_suite.pull_requests = [{ ...p.check_suite.pull_requests[0], number: 7, head: { ...p.check_suite.pull_requests[0].head, sha: HEAD }, base: { ...p.check_suite.pull_requests[0].base, ref: "main", sha: BASE, repo: { ...p.check_suite.pull_requests[0].base.repo, id: p.repository.id } } }];
    const gh = github();
    contextReply(gh, { labels: ["access:self-service"] });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, (b: any) => b.head_sha === HEAD).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, { name: "check_suite", payload: p });
    gh.done();
  });
});

describe("escalated requests", () => {
  it("ask a user owner and a team owner in one review request", async () => {
    const probot = await makeProbot();
    const gh = github();
    const file = "access/requests/tenant-global-admin/alice.yaml";
    contextReply(gh);
    filesReply(gh, 7, [added(file, "reason: Rotate the break-glass account credentials\nduration: 1h\nticket: SEC-77\n")]);
    reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "alice" }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:escalated"] }).reply(200, []);
    gh.post(`${R}/pulls/7/requested_reviewers`, { reviewers: ["carol"], team_reviewers: ["security"] }).reply(201, {});
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0].output.title).toBe("Waiting for 2 approval(s) from @acme/security, @carol");
  });
});

describe("GitHub refusing part of the work", () => {
  it("an unreadable incident repository is a note and the cautious default, not a failure", async () => {
    const probot = await makeProbot();
    const gh = github();
    const policy = BASE_FILES["access/policy.yaml"]!.replace("incident_label: incident", "incident_label: incident\n  incident_repo: acme/incidents");
    contextReply(gh, { files: { ...BASE_FILES, "access/policy.yaml": policy } });
    filesReply(gh, 7, [added("access/requests/gcp-prod-viewer/alice.yaml", REQUESTS.conditional)]);
    gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantSignals") && b.variables.iOwner === "acme" && b.variables.iName === "incidents").reply(200, {
      data: { t0: { teams: { nodes: [{ slug: "oncall" }] } }, incidents: null },
      errors: [{ type: "NOT_FOUND", path: ["incidents"], message: "Could not resolve to a Repository with the name 'acme/incidents'." }],
    });
    gh.get("/orgs/acme/members/alice").reply(204);
    gh.get(`${R}/git/trees/${BASE}`).query({ recursive: "1" }).reply(200, { sha: BASE, url: "", truncated: false, tree: [] });
    reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "alice" }], requested: { teams: ["platform"] } });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    const summary: string = check.bodies[0].output.summary;
    expect(check.bodies[0].status).toBe("in_progress");
    expect(summary).toContain('Note: could not read open "incident" issues in acme/incidents; treated as no open incident.');
    expect(summary).toContain("Note: GitHub: incidents: Could not resolve to a Repository with the name 'acme/incidents'.");
  });

  it("a merge GitHub refuses outright is written on the check run", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { labels: ["access:self-service"] });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`).reply(403, { message: "Resource not accessible by integration", status: "403" });
    const note = capture();
    gh.patch(`${R}/check-runs/900`, note.push).reply(200, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(note.bodies[0].output.summary).toContain("> Not merged: GitHub refused the merge (403): Resource not accessible by integration");
  });

  it("an event for a head the PR has already left is judged, but that head is never merged", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { currentHead: "f".repeat(40), labels: ["access:self-service"] });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("synchronize", { author: "alice" }));
    gh.done();
    expect(check.bodies[0]).toMatchObject({ head_sha: HEAD, conclusion: "success", output: { title: "Self-service; not merged: the pull request has a newer head, judged on its own" } });
    expect(check.bodies[0].output.summary).toContain("The pull request has since moved to `fffffff`");
  });
});
