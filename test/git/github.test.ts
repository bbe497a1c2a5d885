import { Octokit } from "@octokit/rest";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubRepo, LANDINGS_NEED_CLONE } from "../../src/github/repo.js";
import { gitHub } from "../../src/github/octokit.js";
import { RepoLimitError, UnknownRefError, UnsupportedOperationError, ZERO_SHA } from "../../src/git/local.js";

const API = "https://api.github.com";
const R = "/repos/acme/access";
const MAIN_SHA = "1111111111111111111111111111111111111111";
const BASE_SHA = "2222222222222222222222222222222222222222";
const HEAD_SHA = "3333333333333333333333333333333333333333";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

// Octokit logs every 4xx; the tests provoke them on purpose.
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function makeRepo() {
  return new GitHubRepo({ octokit: gitHub(new Octokit({ auth: "test", log: silent })), owner: "acme", repo: "access" });
}

/** A scope and a counter of the requests it answered, to prove the cache. */
function api() {
  const counter = { calls: 0 };
  const scope = nock(API).on("request", () => counter.calls++);
  return { scope, counter };
}

/** A contents-API file object, base64 wrapped at 60 columns as GitHub sends it. */
function fileObject(path: string, text: string) {
  const b64 = Buffer.from(text, "utf8").toString("base64").replace(/(.{60})/g, "$1\n");
  return {
    type: "file",
    encoding: "base64",
    size: Buffer.byteLength(text),
    name: path.split("/").pop(),
    path,
    content: b64,
    sha: "9fb037999f264ba9a7fc6274d15fa3ae2ab98312",
  };
}

function shaReply(sha: string) {
  return [200, sha, { "content-type": "application/vnd.github.sha; charset=utf-8" }] as const;
}

describe("GitHubRepo.resolve", () => {
  it("asks for the sha media type once per ref", async () => {
    const { scope, counter } = api();
    scope
      .get(`${R}/commits/main`)
      .matchHeader("accept", "application/vnd.github.v3.sha")
      .reply(...shaReply(MAIN_SHA));
    const repo = makeRepo();
    expect(await repo.resolve("main")).toBe(MAIN_SHA);
    expect(await repo.resolve("main")).toBe(MAIN_SHA);
    scope.done();
    expect(counter.calls).toBe(1);
  });

  it("a ref GitHub does not know is an UnknownRefError", async () => {
    const { scope } = api();
    scope.get(`${R}/commits/nope`).reply(422, {
      message: "No commit found for SHA: nope",
      documentation_url: "https://docs.github.com/rest/commits/commits#get-a-commit",
      status: "422",
    });
    const err = await makeRepo().resolve("nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownRefError);
    expect((err as Error).message).toBe('unknown git ref "nope"');
    scope.done();
  });
});

describe("GitHubRepo.readFile", () => {
  it("decodes the file's base64 byte for byte and reads it once per delivery", async () => {
    const text = "\uFEFFresources:\n  prod-db:\n    description: \"café ☕ — read-only replica access for on-call\"\n";
    const { scope, counter } = api();
    scope
      .get(`${R}/contents/access%2Fcatalog.yaml`)
      .query({ ref: BASE_SHA })
      .matchHeader("accept", "application/vnd.github.v3.object")
      .reply(200, fileObject("access/catalog.yaml", text));
    const repo = makeRepo();
    const [a, b] = await Promise.all([
      repo.readFile(BASE_SHA, "access/catalog.yaml"),
      repo.readFile(BASE_SHA, "access/catalog.yaml"),
    ]);
    expect(a).toBe(text);
    expect(b).toBe(text);
    expect(await repo.readFile(BASE_SHA, "./access/catalog.yaml")).toBe(text);
    scope.done();
    expect(counter.calls).toBe(1);
  });

  it("a missing file is null (checked once), after making sure the ref exists", async () => {
    const { scope, counter } = api();
    scope
      .get(`${R}/contents/access%2Fidentities.yaml`)
      .query({ ref: "main" })
      .reply(404, { message: "Not Found", status: "404" })
      .get(`${R}/commits/main`)
      .reply(...shaReply(MAIN_SHA));
    const repo = makeRepo();
    expect(await repo.readFile("main", "access/identities.yaml")).toBeNull();
    expect(await repo.readFile("main", "access/identities.yaml")).toBeNull();
    scope.done();
    expect(counter.calls).toBe(2);
  });

  it("a 404 because the ref is unknown is an UnknownRefError, not null", async () => {
    const { scope } = api();
    scope
      .get(`${R}/contents/access%2Fpolicy.yaml`)
      .query({ ref: "gone" })
      .reply(404, { message: "No commit found for the ref gone", status: "404" })
      .get(`${R}/commits/gone`)
      .reply(422, { message: "No commit found for SHA: gone", status: "422" });
    await expect(makeRepo().readFile("gone", "access/policy.yaml")).rejects.toThrow('unknown git ref "gone"');
    scope.done();
  });

  it("a file over 1 MB comes without content and is read through the blobs API", async () => {
    const big = "x: 1\n".repeat(10);
    const { scope, counter } = api();
    scope
      .get(`${R}/contents/access%2Fidentities.yaml`)
      .query({ ref: "main" })
      .reply(200, { ...fileObject("access/identities.yaml", big), content: "", encoding: "none", size: 1_500_000 })
      .get(`${R}/git/blobs/9fb037999f264ba9a7fc6274d15fa3ae2ab98312`)
      .reply(200, {
        sha: "9fb037999f264ba9a7fc6274d15fa3ae2ab98312",
        size: big.length,
        encoding: "base64",
        content: Buffer.from(big).toString("base64"),
      });
    const repo = makeRepo();
    expect(await repo.readFile("main", "access/identities.yaml")).toBe(big);
    expect(await repo.readFile("main", "access/identities.yaml")).toBe(big);
    scope.done();
    expect(counter.calls).toBe(2);
  });

  it("a folder is not a file", async () => {
    const { scope } = api();
    scope
      .get(`${R}/contents/access%2Frequests`)
      .query({ ref: "main" })
      .reply(200, { type: "dir", name: "requests", path: "access/requests", sha: MAIN_SHA, entries: [] });
    expect(await makeRepo().readFile("main", "access/requests/")).toBeNull();
    scope.done();
  });

  it("works with Probot's context.octokit", async () => {
    const Probotish = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...(options.throttle as object), enabled: false },
    }));
    const octokit = new Probotish({ auth: { token: "test" }, log: silent });
    const { scope } = api();
    scope
      .get(`${R}/contents/access%2Fpolicy.yaml`)
      .query({ ref: "main" })
      .reply(200, fileObject("access/policy.yaml", "tiers: []\n"));
    const repo = new GitHubRepo({ octokit: gitHub(octokit), owner: "acme", repo: "access" });
    expect(await repo.readFile("main", "access/policy.yaml")).toBe("tiers: []\n");
    scope.done();
  });
});

const blob = (path: string, sha: string, mode = "100644") => ({ path, mode, type: "blob", sha, size: 10 });
const dir = (path: string) => ({ path, mode: "040000", type: "tree", sha: "f484d249c660418515fb01c2b9662073663c242e" });

/** main's recursive tree as GitHub sends it: folders, blobs, one outside the requests folder. */
function mainTree(...more: object[]) {
  return api().scope
    .get(`${R}/git/trees/main`)
    .query({ recursive: "1" })
    .reply(200, {
      sha: MAIN_SHA,
      truncated: false,
      tree: [
        dir("access"),
        blob("access/catalog.yaml", "a1"),
        dir("access/requests"),
        dir("access/requests/prod-db"),
        blob("access/requests/prod-db/bob.yaml", "b1"),
        blob("access/requests/prod-db/alice.yaml", "c1"),
        blob("access/requests-old/x.yaml", "d1"),
        ...more,
      ],
    });
}

describe("GitHubRepo.listFiles", () => {
  it("lists blobs under the folder from one recursive tree call, sorted", async () => {
    const scope = mainTree();
    expect(await makeRepo().listFiles("main", "access/requests")).toEqual([
      "access/requests/prod-db/alice.yaml",
      "access/requests/prod-db/bob.yaml",
    ]);
    scope.done();
  });

  it("a truncated tree is an error, never a partial list", async () => {
    const { scope } = api();
    scope
      .get(`${R}/git/trees/main`)
      .query({ recursive: "1" })
      .reply(200, { sha: MAIN_SHA, truncated: true, tree: [blob("access/requests/a/b.yaml", "x")] });
    const err = await makeRepo().listFiles("main", "access/requests").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RepoLimitError);
    expect((err as Error).message).toMatch(/too large for the GitHub API/);
    scope.done();
  });
});

describe("GitHubRepo.listBlobs and treeId", () => {
  it("lists the blobs under a folder with their ids from the same recursive tree call, sorted; a submodule is no blob", async () => {
    const scope = mainTree({ path: "access/requests/vendored", mode: "160000", type: "commit", sha: "e1" });
    expect(await makeRepo().listBlobs("main", "access/requests")).toEqual([
      { path: "access/requests/prod-db/alice.yaml", sha: "c1" },
      { path: "access/requests/prod-db/bob.yaml", sha: "b1" },
    ]);
    scope.done();
  });

  it("reads blobs by id through the blobs API, each distinct id once, byte for byte", async () => {
    const { scope, counter } = api();
    const text = "reason: café ☕\r\nduration: 1h\n";
    scope
      .get(`${R}/git/blobs/c1`)
      .reply(200, { sha: "c1", encoding: "base64", content: Buffer.from(text).toString("base64"), size: Buffer.byteLength(text) })
      .get(`${R}/git/blobs/b1`)
      .reply(200, { sha: "b1", encoding: "base64", content: "", size: 0 });
    const got = await makeRepo().readBlobs(["c1", "b1", "c1"]);
    expect([...got]).toEqual([
      ["c1", text],
      ["b1", ""],
    ]);
    scope.done();
    expect(counter.calls).toBe(2);
  });

  it("names a commit's tree through the git data API (after resolving the ref), once per ref", async () => {
    const { scope, counter } = api();
    scope
      .get(`${R}/commits/main`)
      .reply(...shaReply(MAIN_SHA))
      .get(`${R}/git/commits/${MAIN_SHA}`)
      .reply(200, { sha: MAIN_SHA, tree: { sha: "4b825dc642cb6eb9a060e54bf8d69288fbee4904", url: "" }, parents: [], message: "m" });
    const repo = makeRepo();
    expect(await repo.treeId("main")).toBe("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    expect(await repo.treeId("main")).toBe("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
    scope.done();
    expect(counter.calls).toBe(2);
  });

  it("an unknown ref is an UnknownRefError before any tree is asked for", async () => {
    const { scope } = api();
    scope.get(`${R}/commits/nope`).reply(422, { message: "No commit found for SHA: nope" });
    await expect(makeRepo().treeId("nope")).rejects.toBeInstanceOf(UnknownRefError);
    scope.done();
  });
});

describe("GitHubRepo.changedFiles", () => {
  const file = (filename: string, status: string, extra: Record<string, unknown> = {}) => ({
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    filename,
    status,
    additions: 1,
    deletions: 0,
    changes: 1,
    ...extra,
  });

  it("maps compare statuses; a rename is a delete plus an add", async () => {
    const { scope } = api();
    scope
      .get(`${R}/compare/${BASE_SHA}...${HEAD_SHA}`)
      .query({ per_page: "1" })
      .reply(200, {
        status: "ahead",
        ahead_by: 2,
        behind_by: 0,
        total_commits: 2,
        commits: [],
        files: [
          file("access/requests/db/new.yaml", "added"),
          file("access/requests/db/edit.yaml", "modified"),
          file("access/requests/db/gone.yaml", "removed"),
          file("access/requests/db2/carol.yaml", "renamed", { previous_filename: "access/requests/db/carol.yaml" }),
          file("access/requests/db/mode.yaml", "changed"),
        ],
      });
    expect(await makeRepo().changedFiles(BASE_SHA, HEAD_SHA)).toEqual([
      { path: "access/requests/db/carol.yaml", change: "deleted" },
      { path: "access/requests/db/edit.yaml", change: "modified" },
      { path: "access/requests/db/gone.yaml", change: "deleted" },
      { path: "access/requests/db/mode.yaml", change: "modified" },
      { path: "access/requests/db/new.yaml", change: "added" },
      { path: "access/requests/db2/carol.yaml", change: "added" },
    ]);
    scope.done();
  });

  const baseTree = [
    dir("access"),
    blob("access/requests/db/alice.yaml", "a1"),
    blob("access/requests/db/bob.yaml", "b1"),
    blob("access/requests/db/exec.sh", "e1"),
  ];
  const headTree = [
    dir("access"),
    blob("access/requests/db/bob.yaml", "b2"),
    blob("access/requests/db/exec.sh", "e1", "100755"),
    blob("access/requests/db/dave.yaml", "d1"),
  ];
  const treeDiff = [
    { path: "access/requests/db/alice.yaml", change: "deleted" },
    { path: "access/requests/db/bob.yaml", change: "modified" },
    { path: "access/requests/db/dave.yaml", change: "added" },
    { path: "access/requests/db/exec.sh", change: "modified" },
  ];

  it("when base is not an ancestor of head (force-push), diffs the two trees exactly", async () => {
    const { scope } = api();
    scope
      .get(`${R}/compare/${BASE_SHA}...${HEAD_SHA}`)
      .query({ per_page: "1" })
      .reply(200, { status: "diverged", ahead_by: 1, behind_by: 1, commits: [], files: [] })
      .get(`${R}/git/trees/${BASE_SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: BASE_SHA, truncated: false, tree: baseTree })
      .get(`${R}/git/trees/${HEAD_SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: HEAD_SHA, truncated: false, tree: headTree });
    expect(await makeRepo().changedFiles(BASE_SHA, HEAD_SHA)).toEqual(treeDiff);
    scope.done();
  });

  it("when compare hits its 300-file cap, diffs the two trees instead of trusting a cut list", async () => {
    const files = Array.from({ length: 300 }, (_, i) => file(`access/requests/r/u${i}.yaml`, "added"));
    const { scope } = api();
    scope
      .get(`${R}/compare/${BASE_SHA}...${HEAD_SHA}`)
      .query({ per_page: "1" })
      .reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, commits: [], files })
      .get(`${R}/git/trees/${BASE_SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: BASE_SHA, truncated: false, tree: baseTree })
      .get(`${R}/git/trees/${HEAD_SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: HEAD_SHA, truncated: false, tree: headTree });
    expect(await makeRepo().changedFiles(BASE_SHA, HEAD_SHA)).toEqual(treeDiff);
    scope.done();
  });

  it("the all-zero base of a branch-creating push lists everything in head as added", async () => {
    const { scope } = api();
    scope
      .get(`${R}/git/trees/${HEAD_SHA}`)
      .query({ recursive: "1" })
      .reply(200, { sha: HEAD_SHA, truncated: false, tree: headTree });
    expect(await makeRepo().changedFiles(ZERO_SHA, HEAD_SHA)).toEqual([
      { path: "access/requests/db/bob.yaml", change: "added" },
      { path: "access/requests/db/dave.yaml", change: "added" },
      { path: "access/requests/db/exec.sh", change: "added" },
    ]);
    scope.done();
  });

  it("an unknown head is an UnknownRefError", async () => {
    const { scope } = api();
    scope
      .get(`${R}/compare/${BASE_SHA}...nope`)
      .query({ per_page: "1" })
      .reply(404, { message: "Not Found", status: "404" })
      .get(`${R}/commits/${BASE_SHA}`)
      .reply(...shaReply(BASE_SHA))
      .get(`${R}/commits/nope`)
      .reply(422, { message: "No commit found for SHA: nope", status: "422" });
    await expect(makeRepo().changedFiles(BASE_SHA, "nope")).rejects.toThrow('unknown git ref "nope"');
    scope.done();
  });
});

describe("GitHubRepo.landings", () => {
  it("refuses, pointing at a local clone, without calling the API", async () => {
    const err = await makeRepo().landings("main", "access/requests").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOperationError);
    expect((err as Error).message).toBe(LANDINGS_NEED_CLONE);
    expect(LANDINGS_NEED_CLONE).toBe("landings need a local clone: run the sweep in a checkout with full history");
  });
});
