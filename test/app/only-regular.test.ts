// Issue 11 item 4 in the app: a symlink, a submodule or any other non-regular entry under
// access/ is refused with its path on the check run (the PR file listing has no modes; the
// snapshot's head tree does), and issue 11 item 3: a case twin of a request on the base is
// refused whether the base listing came with the snapshot or had to be loaded separately.
// Real webhook payloads (@octokit/webhooks-examples), GitHub on nock.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BASE, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/staging-deploy/alice.yaml";
const SYMLINK = 0o120000;
const SUBMODULE = 0o160000;

function output(body: any): string {
  return JSON.stringify([body.output.summary, body.output.annotations ?? []]);
}

describe("only regular files under access/", () => {
  it("a request file that is a symlink (mode 120000) is refused with its path, though its 'patch' reads like text", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { headModes: { [FILE]: SYMLINK } });
    // GitHub lists a symlink as an added file whose patch is the link's target.
    filesReply(gh, 7, [added(FILE, "../../catalog.yaml")]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // no merge
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(output(check.bodies[0])).toContain(`${FILE} is a symbolic link (mode 120000); only regular files are allowed under access/.`);
  });

  it("a submodule under access/requests is refused with its path", async () => {
    const probot = await makeProbot();
    const gh = github();
    const path = "access/requests/staging-deploy/vendor";
    contextReply(gh, { headModes: { [path]: SUBMODULE } });
    filesReply(gh, 7, [{ sha: "a".repeat(40), filename: path, status: "added", additions: 1, deletions: 0, changes: 1, patch: `@@ -0,0 +1 @@\n+Subproject commit ${"a".repeat(40)}` }]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(output(check.bodies[0])).toContain(`${path} is a submodule (mode 160000)`);
  });

  it("a symlinked config file is refused too, with its path", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { headModes: { "access/policy.yaml": SYMLINK, [FILE]: 0o100644 }, changedFiles: 2 });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService), { sha: "a".repeat(40), filename: "access/policy.yaml", status: "modified", additions: 1, deletions: 1, changes: 2 }]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice", changedFiles: 2 }));
    gh.done();
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(output(check.bodies[0])).toContain("access/policy.yaml is a symbolic link (mode 120000)");
  });

  it("a regular file (100644) with the same request is judged as usual", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { headModes: { [FILE]: 0o100644 } });
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0].conclusion).toBe("success");
  });
});

describe("one file per person and resource, against the base", () => {
  const TWIN = "access/requests/staging-deploy/Alice.yaml";

  it("a case twin of a request already on the base is refused (the base listing came with the snapshot)", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { baseRequests: [FILE] });
    filesReply(gh, 7, [added(TWIN, REQUESTS.selfService)]);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done(); // not merged
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(output(check.bodies[0])).toContain(`${FILE} is also a request for the same person and resource`);
  });

  it("the same twin is refused when GitHub's answer had no listing and the base tree was read separately", async () => {
    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { baseRequests: "unlisted" });
    filesReply(gh, 7, [added(TWIN, REQUESTS.selfService)]);
    gh.get(`${R}/git/trees/${BASE}`)
      .query({ recursive: "1" })
      .reply(200, { sha: BASE, truncated: false, tree: [{ path: "access", mode: "040000", type: "tree", sha: "1".repeat(40) }, { path: FILE, mode: "100644", type: "blob", sha: "2".repeat(40) }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    await receive(probot, pullRequestEvent("opened", { author: "alice" }));
    gh.done();
    expect(check.bodies[0].conclusion).toBe("failure");
    expect(output(check.bodies[0])).toContain(`${FILE} is also a request for the same person and resource`);
  });
});
