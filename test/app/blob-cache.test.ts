// Issue 10 gap: one process-wide receipt blob cache. Blobs never change by id, so a second
// push (or an expiry timer) reads only the notes it has not read before. Real push payloads
// from @octokit/webhooks-examples, GitHub's git database API on nock.
import { createHash } from "node:crypto";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BlobCache } from "../../src/app/blob-cache.js";
import { APPLY_CHECK_NAME, makePushHandler } from "../../src/app/handlers/push.js";
import { timerReceipts } from "../../src/app/index.js";
import { gitHub } from "../../src/github/octokit.js";
import { Octokit } from "@octokit/rest";
import { RecordingProvider } from "../helpers/providers.js";
import { org, request } from "../helpers/orgs.js";
import { CONFIG_PATHS, PUSH_REPO as R, pushPayload as payload, pushProbot as probotWith } from "../helpers/push-app.js";

const API = "https://api.github.com";
const NOW = new Date("2026-03-02T10:00:05Z");
const BOT = "gitgrant-acme[bot]";
const files: Record<string, string> = {
  ...org("apply").files(),
  "access/identities.yaml": "users:\n  user1:\n    local: user1\n  user2:\n    local: user2\n",
  "access/policy.yaml": org("apply").files()["access/policy.yaml"]!.replace("settings:\n", `settings:\n  evidence: { app_bot: "${BOT}" }\n`),
};
const sha = (s: string) => createHash("sha1").update(s).digest("hex");
const b64 = (t: string) => Buffer.from(t, "utf8").toString("base64");
const noteOn = (commit: string, login: string) =>
  `${JSON.stringify({ v: 1, event: "created", path: `access/requests/staging-deploy/${login}.yaml`, login, resource: "staging-deploy", provider: "local", principal: login, target: { name: "staging-deploy" }, at: "2026-03-01T10:00:00.000Z", commit })}\n`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("BlobCache", () => {
  it("keeps at most maxEntries texts, forgetting the least recently used first", () => {
    const c = new BlobCache({ maxEntries: 2 });
    c.set("a", "A");
    c.set("b", "B");
    expect(c.get("a")).toBe("A"); // a is now the most recent
    c.set("c", "C");
    expect([c.get("a"), c.get("b"), c.get("c")]).toEqual(["A", undefined, "C"]);
    expect(c.size).toBe(2);
  });

  it("keeps at most maxChars in all, and never a text larger than the whole budget", () => {
    const c = new BlobCache({ maxChars: 10 });
    c.set("a", "12345");
    c.set("b", "12345");
    c.set("c", "123");
    expect([c.get("a"), c.get("b"), c.get("c")]).toEqual([undefined, "12345", "123"]);
    c.set("huge", "x".repeat(11));
    expect(c.get("huge")).toBeUndefined();
    expect(c.get("b")).toBe("12345");
  });
});

const commitReply = (c: string, tree: string, parents: string[]) => ({
  sha: c,
  author: { name: BOT, email: `41898282+${BOT}@users.noreply.github.com`, date: "2026-03-02T10:00:00Z" },
  committer: { name: "GitHub", email: "noreply@github.com", date: "2026-03-02T10:00:00Z" },
  message: "gitgrant: ownership receipts",
  tree: { sha: tree },
  parents: parents.map((p) => ({ sha: p })),
  verification: { verified: true, reason: "valid", signature: "-----BEGIN PGP SIGNATURE-----", payload: "tree ..." },
});

/** The notes tip `tip` (a trusted commit by the app's bot) whose tree holds `notes` (commit -> blob id). */
function notesAt(scope: nock.Scope, tip: string, notes: Array<{ commit: string; blob: string }>, times = 1) {
  const tree = sha(`tree:${tip}`);
  scope.get(`${R}/git/ref/notes/gitgrant`).times(times).reply(200, { ref: "refs/notes/gitgrant", object: { type: "commit", sha: tip } });
  scope.get(`${R}/git/commits/${tip}`).times(times).reply(200, commitReply(tip, tree, [sha(`parent:${tip}`)]));
  scope.get(`${R}/git/trees/${tree}`).query({ recursive: "1" }).times(times).reply(200, { sha: tree, truncated: false, tree: notes.map((n) => ({ path: n.commit, mode: "100644", type: "blob", sha: n.blob, size: 10 })) });
  return tree;
}

/** One merge adding `login`'s staging-deploy request, its receipts read then one recorded on it. */
function serveMerge(scope: nock.Scope, n: number, login: string, notes: Array<{ commit: string; blob: string }>, blobReads: string[]) {
  const before = sha(`before${n}`);
  const after = sha(`after${n}`);
  const path = `access/requests/staging-deploy/${login}.yaml`;
  scope.get(`${R}/compare/${before}...${after}`).query({ per_page: "1" }).reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: path, status: "added", additions: 2, deletions: 0, changes: 2 }] });
  scope
    .post("/graphql", (b: any) => String(b.query).includes("query gitgrantPush") && b.variables.after === after)
    .reply(200, () => {
      const texts = [...CONFIG_PATHS.map((p) => files[p]), request("2h")];
      return { data: { repository: { ...Object.fromEntries(texts.map((t, k) => [`f${k}`, t === undefined ? null : { oid: sha(String(t)), text: t, isBinary: false, isTruncated: false }])), pushed: { checkSuites: { nodes: [] }, associatedPullRequests: { nodes: [] } } } } };
    });
  scope.post(`${R}/check-runs`, (b: any) => b.name === APPLY_CHECK_NAME && b.head_sha === after).reply(201, { id: 1000 + n });
  const tip = sha(`tip${n}`);
  // read (ownership) then record (the write builds on the same trusted tip).
  const tree = notesAt(scope, tip, notes, 2);
  for (const note of notes) {
    scope.get(`${R}/git/blobs/${note.blob}`).optionally().reply(200, () => {
      blobReads.push(note.blob);
      return { sha: note.blob, size: 10, content: b64(noteOn(note.commit, `u-${note.blob.slice(0, 4)}`)), encoding: "base64" };
    });
  }
  const [blob, newTree, commit] = [`blob${n}`, `newtree${n}`, `commit${n}`].map(sha);
  scope.post(`${R}/git/blobs`, (b: any) => String(b.content).includes(`"login":"${login}"`)).reply(201, { sha: blob });
  scope.post(`${R}/git/trees`, (b: any) => b.base_tree === tree && b.tree[0].path === after).reply(201, { sha: newTree });
  scope.post(`${R}/git/commits`, (b: any) => b.tree === newTree && b.parents[0] === tip).reply(201, { sha: commit, tree: { sha: newTree }, parents: [{ sha: tip }] });
  scope.patch(`${R}/git/refs/notes/gitgrant`, { sha: commit, force: false }).reply(200, { ref: "refs/notes/gitgrant", object: { type: "commit", sha: commit } });
  scope.patch(`${R}/check-runs/${1000 + n}`, (b: any) => b.conclusion === "success").reply(200, { id: 1000 + n });
  return { before, after };
}

describe("one receipt blob cache per process", () => {
  it("a second push reads no note blob the first already read; only the note that is new since", async () => {
    const local = new RecordingProvider("local");
    const cache = new BlobCache();
    const probot = probotWith(makePushHandler({ now: () => NOW, providers: () => ({ local }), blobCache: cache, converge: false }));
    const scope = nock(API);
    scope.post("/app/installations/1/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: {} });
    const reads: string[] = [];
    const old = [1, 2, 3].map((i) => ({ commit: sha(`applied${i}`), blob: sha(`note${i}`) }));
    const first = serveMerge(scope, 1, "user1", old, reads);
    await probot.receive({ id: "p1", name: "push", payload: payload(first) as never });
    expect(reads.sort()).toEqual(old.map((n) => n.blob).sort());

    // The second push: the notes now hold one more blob (the first push's own note).
    reads.length = 0;
    const added = { commit: first.after, blob: sha("note-first") };
    const second = serveMerge(scope, 2, "user2", [...old, added], reads);
    await probot.receive({ id: "p2", name: "push", payload: payload(second) as never });
    scope.done();
    expect(reads).toEqual([added.blob]);
    expect(local.calls.map((c) => c.op)).toEqual(["grant", "grant"]);
  });

  it("the expiry timers' receipt store shares the cache: a note the push read is not read again", async () => {
    const cache = new BlobCache();
    const note = { commit: sha("applied1"), blob: sha("note1") };
    cache.set(note.blob, noteOn(note.commit, "user1"));
    const scope = nock(API);
    // The default branch's settings.evidence (GraphQL config read at the tip) and the notes.
    const api = gitHub(new Octokit({ auth: "ghs_test", log: { debug() {}, info() {}, warn() {}, error() {} } }));
    const store = timerReceipts(async () => BOT, cache)({ owner: "Codertocat", repo: "Hello-World", installation: "installation 1", api, providers: () => undefined as never, branch: "master" });
    const tipSha = sha("branch-tip");
    scope.get(`${R}/commits/master`).optionally().reply(200, tipSha, { "content-type": "application/vnd.github.sha" });
    for (const p of CONFIG_PATHS) {
      const text = files[p];
      scope.get(`${R}/contents/${encodeURIComponent(p)}`).query(true).optionally().reply(text === undefined ? 404 : 200, text === undefined ? { message: "Not Found" } : { type: "file", encoding: "base64", content: b64(text), sha: sha(text), path: p });
    }
    notesAt(scope, sha("tip"), [note]);
    const read = await store.read();
    expect(read.problems).toEqual([]);
    expect(read.receipts.map((r) => r.login)).toEqual(["user1"]);
    expect(cache.hits).toBe(1);
    expect(nock.pendingMocks().filter((m) => m.includes("/git/blobs/"))).toEqual([]);
  });
});
