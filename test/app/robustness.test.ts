import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reviewFacts, signals } from "../helpers/github-replies.js";
import { TEXT_LIMIT } from "../../src/github/limits.js";
import {
  BASE,
  BASE_FILES,
  HEAD,
  R,
  REQUESTS,
  added,
  capture,
  checkRunEvent,
  contextReply,
  filesReply,
  github,
  makeProbot,
  modified,
  pullRequestEvent,
  receive,
  settle,
} from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const SELF = "access/requests/staging-deploy/alice.yaml";
const NEXT = "f".repeat(40);

describe("rules read from the base", () => {
  it("a PR that edits access/policy.yaml with a request is judged by the base policy and not merged", async () => {
    const probot = await makeProbot();
    const gh = github();
    const seen: any[] = [];
    contextReply(gh, { changedFiles: 2 }, seen);
    // The head's policy would make everything self-service; it is never read.
    filesReply(gh, 7, [modified("access/policy.yaml"), added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:self-service"] }).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice", changedFiles: 2 }));
    gh.done();
    expect(seen[0].variables.c1).toBe("refs/heads/main:access/policy.yaml");
    expect(check.bodies[0]).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "Not merged by gitgrant: changes outside access/requests/ need normal review" } });
    expect(check.bodies[0].output.summary).toContain("access/policy.yaml is not an access request; it needs normal review and is never merged by the app");
  });

  it("a policy tightened on the base branch since the PR's last push applies: rules come from the branch's tip, not the payload's base.sha", async () => {
    const probot = await makeProbot();
    const gh = github();
    const TIP = "c".repeat(40);
    const strict = "tiers:\n  - name: everything-reviewed\n    match: {}\n    approvals: 1\n";
    contextReply(gh, { base: TIP, files: { ...BASE_FILES, "access/policy.yaml": strict } });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:everything-reviewed"] }).reply(200, []);
    gh.post(`${R}/pulls/7/requested_reviewers`).reply(201, {});
    reviewFacts(gh, 7, {});
    // The payload still names the old base (BASE), whose policy made this self-service.
    await receive(probot, pullRequestEvent("opened", { author: "alice", base: BASE }));
    gh.done();
    expect(check.bodies[0]).toMatchObject({ status: "in_progress" });
    expect(check.bodies[0].output.summary).toContain(`against the rules at base \`${TIP.slice(0, 7)}\``);
    expect(check.bodies[0].output.summary).not.toContain("self-service");
  });

  it("a missing policy on the base fails the check closed, with the problem", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { files: { ...BASE_FILES, "access/policy.yaml": null } });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0]).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "1 of 1 file(s) cannot be granted" } });
    expect(check.bodies[0].output.summary).toContain("access/policy.yaml is missing on the base branch; gitgrant refuses every request until it exists.");
  });

  it("a broken catalog on the base names the file, line and column", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { files: { ...BASE_FILES, "access/catalog.yaml": "resources:\n  x: [unclosed\n" } });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(check.bodies[0].output.summary).toMatch(/access\/catalog\.yaml:\d+:\d+: /);
  });

  it("a catalog target its provider cannot use fails the check closed, naming the resource and its place", async () => {
    const catalog = BASE_FILES["access/catalog.yaml"]!.replace("project: acme-prod", 'project: "Acme Prod"');
    expect(catalog).not.toBe(BASE_FILES["access/catalog.yaml"]);
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { files: { ...BASE_FILES, "access/catalog.yaml": catalog } });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(check.bodies[0].output.summary).toContain('access/catalog.yaml:27:13: gcp-iam resource gcp-prod-viewer: target has project "Acme Prod", which is not a project id or number');
  });
});

describe("errors in request files", () => {
  it("become annotations at the exact line, in batches of 50", async () => {
    const probot = await makeProbot();
    const gh = github();
    // 60 files, each with two errors: an unknown key on line 3, and a login identities.yaml lacks (line 1).
    const files = Array.from({ length: 60 }, (_, i) => added(`access/requests/staging-deploy/user${i}.yaml`, "reason: Deploy the hotfix for INC-1234 to staging\nduration: 2h\nflavour: vanilla\n"));
    contextReply(gh, { changedFiles: 60 });
    filesReply(gh, 7, files);
    const create = capture();
    const more = capture();
    gh.post(`${R}/check-runs`, create.push).reply(201, { id: 900 });
    gh.patch(`${R}/check-runs/900`, more.push).times(2).reply(200, { id: 900 });
    gh.post(`${R}/issues/7/labels`, { labels: ["access:self-service"] }).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice", changedFiles: 60 }));
    gh.done();
    const first = create.bodies[0];
    expect(first.conclusion).toBe("failure");
    expect(first.output.annotations).toHaveLength(50);
    expect(more.bodies.map((b) => b.output.annotations.length)).toEqual([50, 20]);
    expect(more.bodies[0].output.title).toBe(first.output.title);
    expect(more.bodies[0].output.summary).toBe(first.output.summary);
    const unknownKey = first.output.annotations.find((a: any) => a.path === "access/requests/staging-deploy/user0.yaml" && a.start_line === 3);
    expect(unknownKey).toMatchObject({ end_line: 3, annotation_level: "failure" });
    expect(first.output.summary.length).toBeLessThanOrEqual(TEXT_LIMIT);
  });

  it("a YAML error points at its line and column (a duplicate key on line 3)", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(SELF, "reason: Deploy the hotfix for INC-1234 to staging\nduration: 2h\nduration: 3h\n")]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    expect(check.bodies[0].output.annotations).toEqual([
      {
        path: SELF,
        start_line: 3,
        end_line: 3,
        start_column: 1,
        end_column: 1,
        annotation_level: "failure",
        title: "gitgrant: this request cannot be granted",
        message: "Map keys must be unique (each field may appear once)",
      },
    ]);
  });

  it("an edited request is read at the head SHA through one GraphQL call", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { labels: ["access:self-service"] });
    filesReply(gh, 7, [modified(SELF)]);
    const read = capture();
    gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantFiles") && read.push(b)).reply(200, {
      data: { repository: { f0: { text: REQUESTS.selfService, isBinary: false, isTruncated: false } } },
    });
    gh.post(`${R}/check-runs`).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("synchronize", { author: "alice" }));
    gh.done();
    expect(read.bodies[0].variables).toEqual({ owner: "acme", repo: "access", f0: `${HEAD}:${SELF}` });
  });
});

describe("GitHub trouble", () => {
  it("an API error is reported on the check run, and nothing is merged", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    gh.get(`${R}/pulls/7/files`).query({ per_page: "100" }).reply(502, { message: "Server Error" });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0]).toMatchObject({ head_sha: HEAD, status: "completed", conclusion: "failure", output: { title: "gitgrant could not judge this pull request" } });
    expect(check.bodies[0].output.summary).toContain(`GitHub answered 502 on GET ${R}/pulls/7/files: Server Error`);
    expect(check.bodies[0].output.summary).not.toContain("ghs_test");
  });

  it("a 409 on merge re-reads the PR and judges its new head before merging that", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, (b: any) => b.head_sha === HEAD).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD).reply(409, { message: "Head branch was modified. Review and try the merge again.", status: "409" });
    gh.get(`${R}/pulls/7`).reply(200, { number: 7, state: "open", head: { sha: NEXT }, base: { sha: BASE, ref: "main" }, changed_files: 1 });
    // The new head: judged in full, then merged pinned to it.
    contextReply(gh, { head: NEXT, labels: ["access:self-service"] });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    const second = capture();
    gh.post(`${R}/check-runs`, (b: any) => b.head_sha === NEXT && second.push(b)).reply(201, { id: 901 });
    const merge = capture();
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === NEXT && merge.push(b)).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(second.bodies[0].conclusion).toBe("success");
    expect(merge.bodies[0].commit_message).toContain(`gitgrant judged ${NEXT}`);
  });

  it("a PR over 3,000 files is refused without listing them", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { changedFiles: 3001 });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice", changedFiles: 3001 }));
    gh.done();
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(check.bodies[0].output.summary).toContain("This pull request changes 3001 files; GitHub lists at most 3000");
  });

  it("a redelivered review of a waiting request makes no write at all", async () => {
    const probot = await makeProbot();
    const file = "access/requests/gcp-prod-viewer/alice.yaml";
    const round = (checkRun: { id: number; externalId: string | null; status: string } | null, token: boolean) => {
      const gh = github({ token });
      contextReply(gh, { labels: ["access:conditional"], checkRun });
      filesReply(gh, 7, [added(file, REQUESTS.conditional)]);
      signals(gh, { teams: { alice: [] }, incidents: 0, member: { alice: true }, baseFiles: [] });
      reviewFacts(gh, 7, { commits: [{ author: "alice", committer: "alice" }], requested: { teams: ["platform"] } });
      return gh;
    };
    let gh = round(null, true);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    gh = round({ id: 900, externalId: check.bodies[0].external_id, status: "IN_PROGRESS" }, false);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // reads only: no check run, label, review request or merge call was made
  });
});

describe("check_run rerequested", () => {
  it("from a fork (no pull_requests) finds the PR by its head SHA and judges it", async () => {
    const probot = await makeProbot();
    const gh = github();
    gh.get(`${R}/commits/${HEAD}/pulls`).query({ per_page: "100" }).reply(200, [
      { number: 9, state: "closed", head: { sha: HEAD }, base: { sha: BASE, ref: "main" } },
      { number: 7, state: "open", head: { sha: HEAD }, base: { sha: BASE, ref: "main" } },
    ]);
    contextReply(gh, { fork: true, labels: ["access:self-service"] });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, (b: any) => b.conclusion === "success").reply(201, { id: 901 });
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, checkRunEvent({ pulls: [] }));
    gh.done();
  });

  it("with no open PR for the commit, the rerun ends neutral instead of spinning", async () => {
    const probot = await makeProbot();
    const gh = github();
    gh.get(`${R}/commits/${HEAD}/pulls`).query({ per_page: "100" }).reply(200, []);
    const update = capture();
    gh.patch(`${R}/check-runs/555`, update.push).reply(200, { id: 555 });
    await receive(probot, checkRunEvent({ pulls: [], runId: 555 }));
    gh.done();
    expect(update.bodies[0]).toMatchObject({ status: "completed", conclusion: "neutral", output: { title: "No open pull request has this commit as its head" } });
  });

  it("with its PR listed judges that PR at the run's head", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { labels: ["access:self-service"], checkRun: { id: 555, externalId: "gitgrant:old:old" } });
    filesReply(gh, 7, [added(SELF, REQUESTS.selfService)]);
    gh.post(`${R}/check-runs`, (b: any) => b.head_sha === HEAD && b.conclusion === "success").reply(201, { id: 556 });
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, checkRunEvent({ pulls: [{ number: 7 }] }));
    gh.done();
  });
});
