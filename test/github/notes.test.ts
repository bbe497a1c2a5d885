// The receipt store over GitHub's git database API, on the documented wire: GET
// /git/ref/notes/gitgrant, /git/commits/{sha} (with its `verification`), /git/trees/{sha}
// ?recursive=1, /git/blobs/{sha}; and POST /git/blobs, /git/trees (base_tree), /git/commits
// (parents), then PATCH /git/refs/notes/gitgrant with force:false or POST /git/refs.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Receipt } from "../../src/core/receipts.js";
import { gitHub } from "../../src/github/octokit.js";
import { GitHubNotesReceiptStore } from "../../src/github/notes.js";
import type { ReceiptTrustSettings } from "../../src/git/notes.js";

const API = "https://api.github.com";
const R = "/repos/acme/access";
const BOT = "gitgrant-acme[bot]";
const BOT_AUTHOR = { name: BOT, email: `41898282+${BOT}@users.noreply.github.com`, date: "2026-03-02T10:00:00Z" };
const GITHUB_COMMITTER = { name: "GitHub", email: "noreply@github.com", date: "2026-03-02T10:00:00Z" };
const APPLIED = "a".repeat(40);
const TIP = "1".repeat(40);
const PARENT = "2".repeat(40);
const TREE = "3".repeat(40);
const PARENT_TREE = "4".repeat(40);
const BLOB = "5".repeat(40);
const NEW_BLOB = "6".repeat(40);
const NEW_TREE = "7".repeat(40);
const NEW_COMMIT = "8".repeat(40);
const OTHER_TIP = "9".repeat(40);

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const TRUST: ReceiptTrustSettings = { evidence: { app_bot: BOT }, keys: [] };
function store(trust: ReceiptTrustSettings = TRUST) {
  return new GitHubNotesReceiptStore({ octokit: gitHub(new Octokit({ auth: "test", log: silent })), owner: "acme", repo: "access", trust: async () => trust });
}

function receipt(event: Receipt["event"], login: string, at: string): Receipt {
  return { v: 1, event, path: `access/requests/infra-admins/${login}.yaml`, login, resource: "infra-admins", provider: "github-team", principal: login, target: { org: "acme", team: "infra-admins" }, at, commit: APPLIED };
}
const line = (r: Receipt) => `${JSON.stringify(r)}\n`;
const b64 = (t: string) => Buffer.from(t, "utf8").toString("base64");

function commitReply(sha: string, tree: string, parents: string[], o: { author?: object; verified?: boolean } = {}) {
  return {
    sha,
    node_id: "C_x",
    url: `${API}${R}/git/commits/${sha}`,
    html_url: `https://github.com/acme/access/commit/${sha}`,
    author: o.author ?? BOT_AUTHOR,
    committer: o.author ? o.author : GITHUB_COMMITTER,
    message: "gitgrant: 1 ownership receipt(s)",
    tree: { sha: tree, url: `${API}${R}/git/trees/${tree}` },
    parents: parents.map((p) => ({ sha: p, url: `${API}${R}/git/commits/${p}`, html_url: "" })),
    verification: o.verified === false ? { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null } : { verified: true, reason: "valid", signature: "-----BEGIN PGP SIGNATURE-----", payload: "tree ...", verified_at: "2026-03-02T10:00:00Z" },
  };
}
function refReply(sha: string) {
  return { ref: "refs/notes/gitgrant", node_id: "REF_x", url: `${API}${R}/git/refs/notes/gitgrant`, object: { type: "commit", sha, url: `${API}${R}/git/commits/${sha}` } };
}
function treeReply(sha: string, entries: Array<{ path: string; sha: string }>) {
  return { sha, url: "", truncated: false, tree: entries.map((e) => ({ path: e.path, mode: "100644", type: "blob", sha: e.sha, size: 10, url: "" })) };
}

/** The reads of a trusted tip whose tree holds one note on APPLIED. */
function trustedTip(scope: nock.Scope, text: string, tip = TIP, tree = TREE, blob = BLOB) {
  scope.get(`${R}/git/ref/notes/gitgrant`).reply(200, refReply(tip));
  scope.get(`${R}/git/commits/${tip}`).reply(200, commitReply(tip, tree, [PARENT]));
  scope.get(`${R}/git/trees/${tree}`).query({ recursive: "1" }).reply(200, treeReply(tree, [{ path: APPLIED, sha: blob }]));
  scope.get(`${R}/git/blobs/${blob}`).reply(200, { sha: blob, node_id: "B_x", size: text.length, url: "", content: b64(text), encoding: "base64" });
}

describe("reading receipts over the API", () => {
  it("no notes ref yet (404) means no receipts and no problem", async () => {
    const scope = nock(API).get(`${R}/git/ref/notes/gitgrant`).reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/refs#get-a-reference", status: "404" });
    expect(await store().read()).toEqual({ receipts: [], problems: [] });
    scope.done();
  });

  it("ref -> commit made and verified by GitHub for the app -> tree -> blob", async () => {
    const r = receipt("standing", "bob", "2026-03-02T10:00:05Z");
    const scope = nock(API);
    trustedTip(scope, line(r));
    expect(await store().read()).toEqual({ receipts: [r], problems: [] });
    scope.done();
  });

  it("a forged tip (pushed by someone else, unverified) is reported and its receipts ignored; the trusted parent's tree is read", async () => {
    const real = receipt("created", "bob", "2026-03-02T10:00:05Z");
    const scope = nock(API);
    scope.get(`${R}/git/ref/notes/gitgrant`).reply(200, refReply(TIP));
    scope.get(`${R}/git/commits/${TIP}`).reply(200, commitReply(TIP, TREE, [PARENT], { author: { name: "mallory", email: "mallory@users.noreply.github.com", date: "2026-03-02T11:00:00Z" }, verified: false }));
    scope.get(`${R}/git/commits/${PARENT}`).reply(200, commitReply(PARENT, PARENT_TREE, []));
    scope.get(`${R}/git/trees/${PARENT_TREE}`).query({ recursive: "1" }).reply(200, treeReply(PARENT_TREE, [{ path: APPLIED, sha: BLOB }]));
    scope.get(`${R}/git/blobs/${BLOB}`).reply(200, { sha: BLOB, content: b64(line(real)), encoding: "base64" });
    const read = await store().read();
    expect(read.receipts).toEqual([real]);
    expect(read.problems).toEqual([expect.stringMatching(/^notes commit 1111111 in refs\/notes\/gitgrant is not gitgrant's \(authored by mallory .*\): the receipts it wrote are ignored$/)]);
    scope.done();
  });

  it("the app's identity without GitHub's verification is not trusted", async () => {
    const scope = nock(API);
    scope.get(`${R}/git/ref/notes/gitgrant`).reply(200, refReply(TIP));
    scope.get(`${R}/git/commits/${TIP}`).reply(200, commitReply(TIP, TREE, [], { verified: false }));
    const read = await store().read();
    expect(read.receipts).toEqual([]);
    expect(read.problems.join("\n")).toMatch(/the app's merge carries no signature/);
    scope.done();
  });
});

describe("recording receipts over the API", () => {
  it("creates the ref when absent: blob, tree without base, root commit, POST /git/refs", async () => {
    const r = receipt("created", "bob", "2026-03-02T10:00:05Z");
    const scope = nock(API)
      .get(`${R}/git/ref/notes/gitgrant`).reply(404, { message: "Not Found" })
      .post(`${R}/git/blobs`, { content: line(r), encoding: "utf-8" }).reply(201, { sha: NEW_BLOB, url: "" })
      .post(`${R}/git/trees`, { tree: [{ path: APPLIED, mode: "100644", type: "blob", sha: NEW_BLOB }] }).reply(201, treeReply(NEW_TREE, []))
      .post(`${R}/git/commits`, { message: "gitgrant: 1 ownership receipt(s) for aaaaaaa", tree: NEW_TREE, parents: [] }).reply(201, commitReply(NEW_COMMIT, NEW_TREE, []))
      .post(`${R}/git/refs`, { ref: "refs/notes/gitgrant", sha: NEW_COMMIT }).reply(201, refReply(NEW_COMMIT));
    await store().record(APPLIED, [r]);
    scope.done();
  });

  it("appends to the commit's note on the trusted base_tree, and moves the ref with force:false", async () => {
    const old = receipt("created", "bob", "2026-03-02T10:00:05Z");
    const r = receipt("revoked", "bob", "2026-03-02T12:00:00Z");
    const scope = nock(API);
    trustedTip(scope, line(old));
    scope
      .post(`${R}/git/blobs`, { content: line(old) + line(r), encoding: "utf-8" }).reply(201, { sha: NEW_BLOB })
      .post(`${R}/git/trees`, { base_tree: TREE, tree: [{ path: APPLIED, mode: "100644", type: "blob", sha: NEW_BLOB }] }).reply(201, treeReply(NEW_TREE, []))
      .post(`${R}/git/commits`, { message: "gitgrant: 1 ownership receipt(s) for aaaaaaa", tree: NEW_TREE, parents: [TIP] }).reply(201, commitReply(NEW_COMMIT, NEW_TREE, [TIP]))
      .patch(`${R}/git/refs/notes/gitgrant`, { sha: NEW_COMMIT, force: false }).reply(200, refReply(NEW_COMMIT));
    await store().record(APPLIED, [r]);
    scope.done();
  });

  it("a 422 (another writer moved the ref) re-reads and appends to the winner's note: nothing is lost", async () => {
    const theirs = receipt("created", "carol", "2026-03-02T10:00:06Z");
    const mine = receipt("created", "bob", "2026-03-02T10:00:05Z");
    const scope = nock(API);
    trustedTip(scope, "");
    scope
      .post(`${R}/git/blobs`, { content: line(mine), encoding: "utf-8" }).reply(201, { sha: NEW_BLOB })
      .post(`${R}/git/trees`).reply(201, treeReply(NEW_TREE, []))
      .post(`${R}/git/commits`).reply(201, commitReply(NEW_COMMIT, NEW_TREE, [TIP]))
      .patch(`${R}/git/refs/notes/gitgrant`, { sha: NEW_COMMIT, force: false }).reply(422, { message: "Update is not a fast forward", documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference", status: "422" });
    // The winner's tip, with its receipt on the same note.
    trustedTip(scope, line(theirs), OTHER_TIP, PARENT_TREE, "c".repeat(40));
    scope
      .post(`${R}/git/blobs`, { content: line(theirs) + line(mine), encoding: "utf-8" }).reply(201, { sha: "d".repeat(40) })
      .post(`${R}/git/trees`, { base_tree: PARENT_TREE, tree: [{ path: APPLIED, mode: "100644", type: "blob", sha: "d".repeat(40) }] }).reply(201, treeReply("e".repeat(40), []))
      .post(`${R}/git/commits`, { message: "gitgrant: 1 ownership receipt(s) for aaaaaaa", tree: "e".repeat(40), parents: [OTHER_TIP] }).reply(201, commitReply("f".repeat(40), "e".repeat(40), [OTHER_TIP]))
      .patch(`${R}/git/refs/notes/gitgrant`, { sha: "f".repeat(40), force: false }).reply(200, refReply("f".repeat(40)));
    await store().record(APPLIED, [mine]);
    scope.done();
  });

  it("a 502 on the ref update that did land is not written twice: the re-read finds our commit at the tip", async () => {
    const r = receipt("created", "bob", "2026-03-02T10:00:05Z");
    const scope = nock(API);
    trustedTip(scope, "");
    scope
      .post(`${R}/git/blobs`).reply(201, { sha: NEW_BLOB })
      .post(`${R}/git/trees`).reply(201, treeReply(NEW_TREE, []))
      .post(`${R}/git/commits`).reply(201, commitReply(NEW_COMMIT, NEW_TREE, [TIP]))
      .patch(`${R}/git/refs/notes/gitgrant`).reply(502, { message: "Server Error" });
    scope.get(`${R}/git/ref/notes/gitgrant`).reply(200, refReply(NEW_COMMIT));
    scope.get(`${R}/git/commits/${NEW_COMMIT}`).reply(200, commitReply(NEW_COMMIT, NEW_TREE, [TIP]));
    scope.get(`${R}/git/trees/${NEW_TREE}`).query({ recursive: "1" }).reply(200, treeReply(NEW_TREE, [{ path: APPLIED, sha: NEW_BLOB }]));
    await store().record(APPLIED, [r]);
    scope.done();
  });

  it("5xx on every try: a clear error after the last one, never a silent success", async () => {
    const scope = nock(API).get(`${R}/git/ref/notes/gitgrant`).times(5).reply(503, { message: "Service Unavailable" });
    await expect(store().record(APPLIED, [receipt("created", "bob", "2026-03-02T10:00:05Z")])).rejects.toThrow(/could not write 1 receipt\(s\) to refs\/notes\/gitgrant of acme\/access after 5 tries \(503/);
    scope.done();
  });

  it("a 403 (the app lacks contents: write) is not retried and says so", async () => {
    const scope = nock(API);
    scope.get(`${R}/git/ref/notes/gitgrant`).reply(404, { message: "Not Found" });
    scope.post(`${R}/git/blobs`).reply(403, { message: "Resource not accessible by integration" });
    await expect(store().record(APPLIED, [receipt("created", "bob", "2026-03-02T10:00:05Z")])).rejects.toThrow(/Resource not accessible by integration/);
    scope.done();
  });
});
