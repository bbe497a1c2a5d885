import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTrailers } from "../../src/core/trailers.js";
import { BASE, HEAD, settle, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, pullReply, receive } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/staging-deploy/alice.yaml";

describe("a self-service request", () => {
  it("is checked, labelled and merged in three round trips, the merge pinned to the judged head with the trailers", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { title: "staging-deploy for alice" });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    const check = capture();
    const merge = capture();
    const labels = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, labels.push).reply(200, []);
    gh.put(`${R}/pulls/7/merge`, merge.push).reply(200, { sha: "d".repeat(40), merged: true, message: "Pull Request successfully merged" });

    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();

    const run = check.bodies[0];
    expect(run).toMatchObject({ name: "gitgrant", head_sha: HEAD, status: "completed", conclusion: "success" });
    expect(run.output.title).toBe("Self-service: merging");
    expect(run.output.annotations).toBeUndefined();
    expect(run.external_id).toMatch(/^gitgrant:[0-9a-f]{16}:[0-9a-f]{16}$/);
    expect(run.output.summary).toContain(`against the rules at base \`${BASE.slice(0, 7)}\``);
    expect(run.output.summary).toContain(`| ✅ | \`${FILE}\` (added) | alice | staging-deploy | self-service | none | tier "self-service": low sensitivity, 2h within 4h<br>no approval needed`);
    expect(run.output.summary).toContain(`npx gitgrant check --base ${BASE} --head ${HEAD} --author alice --now 2026-11-30T10:00:00Z`);
    expect(labels.bodies).toEqual([{ labels: ["access:self-service"] }]);

    expect(merge.bodies).toHaveLength(1);
    const body = merge.bodies[0];
    expect(body.sha).toBe(HEAD);
    expect(body.merge_method).toBe("squash");
    expect(body.commit_title).toBe("staging-deploy for alice (#7)");
    expect(body.commit_message).toBe(
      [
        `gitgrant judged ${HEAD} against the rules at ${BASE}:`,
        `- ${FILE}: tier self-service`,
        "",
        `Grant: ${FILE}`,
        "Requested-by: alice",
        "Policy-tier: self-service",
        "Pull-request: #7",
        "",
      ].join("\n"),
    );
    // The squash commit GitHub writes is title + blank line + message: git log reads the trailers back.
    expect(parseTrailers(`${body.commit_title}\n\n${body.commit_message}`)).toEqual([
      { key: "Grant", value: FILE },
      { key: "Requested-by", value: "alice" },
      { key: "Policy-tier", value: "self-service" },
      { key: "Pull-request", value: "#7" },
    ]);
  });

  it("in a draft is judged and labelled, but never merged", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { draft: true });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:self-service"] }).reply(200, []);
    // No merge interceptor: a merge attempt would be an unmatched request and fail the delivery.
    await receive(probot, pullRequestEvent("opened", { author: "alice", draft: true }));
    gh.done();
    expect(check.bodies[0].conclusion).toBe("success");
    expect(check.bodies[0].output.title).toBe("Self-service; a draft, so merged only when marked ready for review");
    expect(check.bodies[0].output.summary).toContain("This pull request is a draft");
  });

  it("redelivered after the merge costs two reads and changes nothing", async () => {
    const probot = await makeProbot();
    // First delivery: learn the check run's fingerprint.
    let gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();

    // Redelivery: the PR is merged, its check run shows the same verdict and it has its label.
    // (Probot keeps the installation token from the first delivery.)
    gh = github({ token: false });
    const calls: string[] = [];
    gh.on("request", (req: any) => calls.push(`${req.method} ${req.path}`));
    contextReply(gh, { state: "MERGED", labels: ["access:self-service"], checkRun: { id: 900, externalId: check.bodies[0].external_id } });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(calls).toEqual(["POST /graphql", `GET ${R}/pulls/7/files?per_page=100`]);
  });

  it("on a 405 from branch protection turns on auto-merge with the same head and message", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { title: "staging-deploy for alice" });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    const merge = capture();
    gh.put(`${R}/pulls/7/merge`, merge.push).reply(405, { message: "Required status check \"ci\" is expected.", documentation_url: "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request", status: "405" });
    pullReply(gh); // not merged by anyone else meanwhile
    const auto = capture();
    gh.post("/graphql", (b: any) => String(b.query).includes("enablePullRequestAutoMerge") && auto.push(b)).reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 7 } } } });
    const note = capture();
    gh.patch(`${R}/check-runs/900`, note.push).reply(200, { id: 900 });

    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(auto.bodies[0].query).toContain("mergeMethod: SQUASH");
    expect(auto.bodies[0].variables).toEqual({ id: "PR_node_7", head: HEAD, title: merge.bodies[0].commit_title, body: merge.bodies[0].commit_message });
    expect(note.bodies[0].output.summary).toContain(`GitHub's auto-merge is on and will squash-merge ${HEAD.slice(0, 7)}`);
    expect(note.bodies[0].conclusion).toBeUndefined();
  });
});
