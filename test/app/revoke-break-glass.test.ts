import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTrailers } from "../../src/core/trailers.js";
import { marker } from "../../src/app/break-glass.js";
import { reviewFacts, teamMembership } from "../helpers/github-replies.js";
import { HEAD, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, removed, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const ALICE = "access/requests/staging-deploy/alice.yaml";
const trailersOf = (b: any) => parseTrailers(`${b.commit_title}\n\n${b.commit_message}`);

function merged(scope: nock.Scope, into: { bodies: any[]; push: (b: any) => boolean }) {
  scope.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD && into.push(b)).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
}

describe("revokes", () => {
  it("deleting one's own file is self-service and recorded as relinquished", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { title: "Done with staging" });
    filesReply(gh, 7, [removed(ALICE)]);
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "success").reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:revoke"] }).reply(200, []);
    const merge = capture();
    merged(gh, merge);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(trailersOf(merge.bodies[0])).toEqual([
      { key: "Revoke", value: ALICE },
      { key: "Revoke-reason", value: "relinquished" },
      { key: "Pull-request", value: "#7" },
    ]);
  });

  it("gitgrant's own revoke PR (a bot's gitgrant/revoke/ branch) is self-service, with the reason from its body", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, {
      author: "gitgrant",
      authorType: "Bot",
      headRef: "gitgrant/revoke/staging-deploy/alice",
      title: "Revoke expired access: staging-deploy for alice",
      body: `gitgrant's expiry sweep.\n\nRevoke: ${ALICE}\nRevoke-reason: expired`,
    });
    filesReply(gh, 7, [removed(ALICE)]);
    // Asked as the App, once: which bot is gitgrant's own.
    gh.get("/app").reply(200, { id: 1, slug: "gitgrant", name: "gitgrant" });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:revoke"] }).reply(200, []);
    const merge = capture();
    merged(gh, merge);
    await receive(probot, pullRequestEvent("opened", { author: "gitgrant[bot]", authorType: "Bot", headRef: "gitgrant/revoke/staging-deploy/alice" }));
    gh.done();
    expect(check.bodies[0].output.summary).toContain("gitgrant's own revoke: always self-service");
    expect(check.bodies[0].output.summary).toContain("--author gitgrant[bot] --now 2026-11-30T10:00:00Z --revoke-pr");
    expect(trailersOf(merge.bodies[0])).toContainEqual({ key: "Revoke-reason", value: "expired" });
  });

  it("the sweep's configured login (the workflow's token) opens gitgrant's own revoke PRs too, with no call to ask who the app is", async () => {
    const probot = await makeProbot(undefined, { sweepLogins: ["github-actions[bot]"] });
    const gh = github();
    contextReply(gh, { author: "github-actions", authorType: "Bot", headRef: "gitgrant/revoke/staging-deploy/alice", body: `Revoke: ${ALICE}\nRevoke-reason: expired` });
    filesReply(gh, 7, [removed(ALICE)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    const merge = capture();
    merged(gh, merge);
    await receive(probot, pullRequestEvent("opened", { author: "github-actions[bot]", authorType: "Bot", headRef: "gitgrant/revoke/staging-deploy/alice" }));
    gh.done();
    expect(check.bodies[0].output.summary).toContain("gitgrant's own revoke: always self-service");
  });

  it("another bot on a gitgrant/revoke/ branch is an ordinary author: its deletion of alice's file waits for a code owner", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { author: "dependabot", authorType: "Bot", headRef: "gitgrant/revoke/staging-deploy/alice", body: "Revoke-reason: expired" });
    filesReply(gh, 7, [removed(ALICE)]);
    gh.get("/app").reply(200, { id: 1, slug: "gitgrant", name: "gitgrant" });
    reviewFacts(gh, 7, { reviews: [], commits: [{ author: "dependabot[bot]", committer: "dependabot[bot]" }], requested: { teams: ["platform"] } });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "dependabot[bot]", authorType: "Bot", headRef: "gitgrant/revoke/staging-deploy/alice" }));
    gh.done();
    expect(check.bodies[0].status).toBe("in_progress");
    expect(check.bodies[0].output.summary).not.toContain("gitgrant's own revoke");
    expect(check.bodies[0].output.summary).not.toContain("--revoke-pr");
  });

  it("the same branch from a person is not the app's revoke: removing alice's file needs a code owner", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { author: "bob", headRef: "gitgrant/revoke/staging-deploy/alice", body: "Revoke-reason: offboarding" });
    filesReply(gh, 7, [removed(ALICE)]);
    reviewFacts(gh, 7, { reviews: [{ login: "carol", state: "APPROVED", commit: HEAD }], commits: [{ author: "bob", committer: "bob" }], requested: { teams: ["platform"] } });
    teamMembership(gh, "acme/platform", "carol", true);
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "success").reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    const merge = capture();
    merged(gh, merge);
    await receive(probot, pullRequestEvent("opened", { author: "bob", headRef: "gitgrant/revoke/staging-deploy/alice" }));
    gh.done();
    expect(trailersOf(merge.bodies[0])).toEqual([
      { key: "Revoke", value: ALICE },
      { key: "Approved-by", value: "carol" },
      { key: "Revoke-reason", value: "offboarding" },
      { key: "Pull-request", value: "#7" },
    ]);
  });
});

describe("break-glass", () => {
  const FILE = "access/requests/infra-admins/alice.yaml";

  it("is merged at once, labelled, with the Break-glass trailer", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(FILE, REQUESTS.breakGlass)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:break-glass", "access:escalated"] }).reply(200, []);
    const merge = capture();
    merged(gh, merge);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0].output.summary).toContain("break-glass for incident INC-42: granted at once, code owners review it after the fact");
    expect(trailersOf(merge.bodies[0])).toContainEqual({ key: "Break-glass", value: "true" });
  });

  it("once merged, opens one review issue for the code owners with the PR and the window; a redelivery opens none", async () => {
    const probot = await makeProbot();
    const closed = pullRequestEvent("closed", { author: "alice", labels: ["access:break-glass", "access:escalated"], mergedAt: "2026-11-30T10:05:00Z" });

    let gh = github();
    contextReply(gh, { state: "MERGED", labels: ["access:break-glass", "access:escalated"] });
    filesReply(gh, 7, [added(FILE, REQUESTS.breakGlass)]);
    gh.get(`${R}/issues`).query({ labels: "access:break-glass-review", state: "all", sort: "created", direction: "desc", per_page: "100" }).reply(200, [{ number: 3, body: marker(6) }]);
    const issue = capture();
    gh.post(`${R}/issues`, issue.push).reply(201, { number: 12 });
    await receive(probot, closed);
    gh.done();
    const body: string = issue.bodies[0].body;
    expect(issue.bodies[0].title).toBe("Break-glass review: alice on infra-admins (#7)");
    expect(issue.bodies[0].labels).toEqual(["access:break-glass-review"]);
    expect(body.startsWith(marker(7))).toBe(true);
    expect(body).toContain(`| \`${FILE}\` | alice | infra-admins | INC-42 | 2026-11-30T10:05:00Z to 2026-11-30T11:05:00Z | Restore admin access during outage INC-42 |`);
    expect(body).toContain("@acme/security: please review #7");

    gh = github({ token: false });
    contextReply(gh, { state: "MERGED", labels: ["access:break-glass", "access:escalated"] });
    filesReply(gh, 7, [added(FILE, REQUESTS.breakGlass)]);
    gh.get(`${R}/issues`).query(true).reply(200, [{ number: 12, body: issue.bodies[0].body }]);
    await receive(probot, closed);
    gh.done();
  });

  it("the issue comes from the merge itself: a break-glass PR whose label a writer removed still gets it", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { state: "MERGED", labels: [] });
    filesReply(gh, 7, [added(FILE, REQUESTS.breakGlass)]);
    gh.get(`${R}/issues`).query(true).reply(200, []);
    const issue = capture();
    gh.post(`${R}/issues`, issue.push).reply(201, { number: 13 });
    await receive(probot, pullRequestEvent("closed", { author: "alice", labels: [], mergedAt: "2026-11-30T10:05:00Z" }));
    gh.done();
    expect(issue.bodies[0].body.startsWith(marker(7))).toBe(true);
  });

  it("a merged PR with no break-glass file opens no issue", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { state: "MERGED", labels: ["access:self-service"] });
    filesReply(gh, 7, [added(FILE.replace("infra-admins", "staging-deploy"), REQUESTS.selfService)]);
    await receive(probot, pullRequestEvent("closed", { author: "alice", labels: ["access:self-service"], mergedAt: "2026-11-30T10:05:00Z" }));
    gh.done();
  });
});
