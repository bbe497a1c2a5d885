// The push handler over the real wire: a real push payload (with an installation) from
// @octokit/webhooks-examples, the GitHub API answered by nock, providers recorded.
import { createHash, generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { APPLY_CHECK_NAME, makePushHandler, registerPush, type PushHandlerOptions } from "../../src/app/handlers/push.js";
import { RecordingProvider } from "../helpers/providers.js";
import { org, replicaRequest as request } from "../helpers/orgs.js";
import { branchTipReads, freshReceiptNotes, tipShaRead } from "../helpers/github-replies.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
const pushExamples = examples.find((e) => e.name === "push")!.examples;
/** refs/heads/master, created by the push, with installation 1: the shape a real delivery has. */
const realPush = pushExamples.find((p) => p.installation && p.ref === "refs/heads/master" && !p.deleted)!;
const realTagDeletion = pushExamples.find((p) => p.installation && p.ref.startsWith("refs/tags/"))!;

const API = "https://api.github.com";
const R = "/repos/Codertocat/Hello-World";
const BEFORE = "1111111111111111111111111111111111111111";
const AFTER = "2222222222222222222222222222222222222222";
const NOW = new Date("2026-03-02T10:00:05Z");
const LANDED = "2026-03-02T10:00:00Z";
const ERIN = "access/requests/staging-deploy/erin.yaml";
const BOB = "access/requests/prod-db-read/bob.yaml";
const ALICE_TEAM = "access/requests/infra-admins/alice.yaml";
const CONFIG_PATHS = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function payload(overrides: Record<string, unknown> = {}) {
  const p = structuredClone(realPush);
  p.before = BEFORE;
  p.after = AFTER;
  p.created = false;
  p.head_commit = { ...p.head_commit, id: AFTER, timestamp: LANDED };
  return { ...p, ...overrides };
}

function probotWith(options: PushHandlerOptions, register = (app: Probot) => app.on("push", makePushHandler(options))) {
  const probot = new Probot({
    appId: 123,
    privateKey,
    logLevel: "fatal",
    // Probot 14 replaces a plain `throttle` object, so switch retry and throttling off in a function.
    Octokit: ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } })),
  });
  probot.load(register);
  return probot;
}

const deliver = (probot: Probot, p: Record<string, unknown>) => probot.receive({ id: "delivery-1", name: "push", payload: p as never });

function github() {
  const scope = nock(API);
  scope.post("/app/installations/1/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: { checks: "write" } });
  return scope;
}

interface PushReply {
  /** Files read at `after` then at `before`, in the order the app asks for them. */
  reads: Array<{ sha: string; path: string; text: string | undefined }>;
  /** gitgrant's apply runs on `after` (appId: the app that made them). */
  runs?: Array<{ id: number; status: string; appId?: number }>;
  pulls?: Array<{ number: number; mergedAt: string | null; baseRefName: string; mergeCommit: { oid: string } | null }>;
}

/**
 * The push's one GraphQL read (query gitgrantPush): the variables name exactly the files
 * asked for, as `<sha>:<path>` expressions; the reply is GitHub's Blob shape, null for a
 * path with no file, with the check suites and pull requests of the pushed commit.
 */
function pushGraphql(scope: nock.Scope, r: PushReply) {
  return scope
    .post("/graphql", (body: any) => {
      if (!String(body.query).includes("query gitgrantPush")) return false;
      const v = body.variables;
      return v.after === AFTER && r.reads.every((x, i) => v[`f${i}`] === `${x.sha}:${x.path}`) && v[`f${r.reads.length}`] === undefined;
    })
    .reply(200, {
      data: {
        repository: {
          ...Object.fromEntries(r.reads.map((x, i) => [`f${i}`, x.text === undefined ? null : { oid: blobId(x.text), text: x.text, isBinary: false, isTruncated: false }])),
          pushed: {
            checkSuites: { nodes: (r.runs ?? []).map((run) => ({ app: { databaseId: run.appId ?? 123 }, checkRuns: { nodes: [{ databaseId: run.id, status: run.status }] } })) },
            associatedPullRequests: { nodes: r.pulls ?? [] },
          },
        },
      },
    });
}

/** git's blob id of a text, as GitHub reports it. */
function blobId(text: string): string {
  const bytes = Buffer.from(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

const reads = (sha: string, files: Record<string, string>, paths: string[]) => paths.map((path) => ({ sha, path, text: files[path] }));

/** before: bob holds prod-db-read; after: bob's file deleted, erin's added. */
function mergedPushApi(scope: nock.Scope, extra: Omit<PushReply, "reads"> = {}) {
  const base = { ...org("apply").files(), [BOB]: request("2h") };
  const head = { ...org("apply").files(), [ERIN]: request("2h") };
  scope
    .get(`${R}/compare/${BEFORE}...${AFTER}`)
    .query({ per_page: "1" })
    .reply(200, {
      status: "ahead",
      ahead_by: 1,
      behind_by: 0,
      total_commits: 1,
      commits: [],
      files: [
        { filename: ERIN, status: "added", additions: 2, deletions: 0, changes: 2 },
        { filename: BOB, status: "removed", additions: 0, deletions: 2, changes: 2 },
      ],
    });
  pushGraphql(scope, { reads: [...reads(AFTER, head, [...CONFIG_PATHS, ERIN]), ...reads(BEFORE, base, CONFIG_PATHS)], ...extra });
}

describe("push handler", () => {
  let local: RecordingProvider;
  let aws: RecordingProvider;
  let delays: number[];
  let options: PushHandlerOptions;

  beforeEach(() => {
    local = new RecordingProvider("local", { [ERIN]: ["transient", "ok"] });
    aws = new RecordingProvider("aws-iam", { [BOB]: ["denied"] }, true);
    delays = [];
    options = {
      providers: () => ({ local, "aws-iam": aws }),
      now: () => NOW,
      sleep: async (ms) => void delays.push(ms),
      // The fast path alone here; the convergence after it: the last test and push-converge.test.ts.
      converge: false,
    };
  });

  it("a merged request: grants from the head commit's time, revokes, one check run on the pushed commit, one comment on the PR", async () => {
    const scope = github();
    mergedPushApi(scope, {
      pulls: [
        { number: 7, mergedAt: "2026-03-02T09:00:00Z", mergeCommit: { oid: "3333333333333333333333333333333333333333" }, baseRefName: "master" },
        { number: 12, mergedAt: LANDED, mergeCommit: { oid: AFTER }, baseRefName: "master" },
      ],
    });
    // The receipts are read (none yet); with no settings.evidence nothing could trust a new
    // one, so none is written (a problem in the log, not a failed grant).
    freshReceiptNotes(scope, { records: false, repo: R });
    scope
      .post(`${R}/check-runs`, { name: APPLY_CHECK_NAME, head_sha: AFTER, status: "in_progress", started_at: "2026-03-02T10:00:05.000Z" })
      .reply(201, { id: 4242, name: APPLY_CHECK_NAME, status: "in_progress" });
    scope
      .patch(`${R}/check-runs/4242`, {
        status: "completed",
        conclusion: "failure",
        completed_at: "2026-03-02T10:00:05.000Z",
        output: {
          title: "1 granted, 1 failed",
          summary: [
            "Applied 1111111..2222222: 1 granted, 1 failed.",
            "",
            "| | File | Result |",
            "|---|---|---|",
            "| ❌ | `access/requests/prod-db-read/bob.yaml` | could not revoke bob → prod-db-read: aws-iam said denied for access/requests/prod-db-read/bob.yaml |",
            "| ✅ | `access/requests/staging-deploy/erin.yaml` | granted erin → staging-deploy until 2026-03-02 12:00 UTC (removed by the sweep at expiry): erin-contractor added to staging-deploy |",
            "",
            "A grant with native expiry ends on time in the target system itself; any other is removed by the sweep's revoke pull request when it expires.",
          ].join("\n"),
        },
      })
      .reply(200, { id: 4242 });
    scope
      .post(`${R}/issues/12/comments`, {
        body: [
          "**gitgrant** applied this merge (2222222):",
          "",
          "- ❌ could not revoke bob → prod-db-read: aws-iam said denied for access/requests/prod-db-read/bob.yaml",
          "- ✅ granted erin → staging-deploy until 2026-03-02 12:00 UTC",
          "",
          "Details are on the `gitgrant/apply` check run of the merge commit.",
        ].join("\n"),
      })
      .reply(201, { id: 1 });

    await deliver(probotWith(options), payload());

    scope.done();
    expect(local.calls).toEqual([
      { op: "grant", path: ERIN, principal: "erin-contractor", expiresAt: "2026-03-02T12:00:00.000Z" },
      { op: "grant", path: ERIN, principal: "erin-contractor", expiresAt: "2026-03-02T12:00:00.000Z" },
    ]);
    expect(delays).toHaveLength(1); // one transient failure, retried once
    expect(aws.calls).toEqual([{ op: "revoke", path: BOB, principal: "bob" }]);
  });

  it("a redelivery of an applied push changes nothing and comments nothing", async () => {
    const scope = github();
    // With the app's id known, only its own check runs of that name count: another app's completed one does not.
    mergedPushApi(scope, { runs: [{ id: 4242, status: "COMPLETED", appId: 123 }, { id: 9999, status: "IN_PROGRESS", appId: 77 }] });

    await deliver(probotWith({ ...options, appId: 123 }), payload());

    scope.done();
    expect(local.calls).toEqual([]);
    expect(aws.calls).toEqual([]);
  });

  it("a delivery that died after creating its check run is finished on redelivery, in the same check run", async () => {
    const scope = github();
    // A push straight to the branch, not a merge (no pull request): results go on the check run only.
    mergedPushApi(scope, { runs: [{ id: 4242, status: "IN_PROGRESS" }] });
    scope.patch(`${R}/check-runs/4242`, (body) => body.status === "completed" && body.conclusion === "failure").reply(200, { id: 4242 });

    await deliver(probotWith(options), payload());

    scope.done();
    expect(local.calls.map((c) => c.op)).toEqual(["grant", "grant"]);
  });

  it("pushes to other branches, tag pushes and branch deletions are ignored without an API call", async () => {
    const scope = nock(API); // no interceptor: any request would fail the delivery
    await deliver(probotWith(options), payload({ ref: "refs/heads/feature" }));
    await deliver(probotWith(options), payload({ ref: "refs/heads/master", deleted: true, after: "0".repeat(40) }));
    await deliver(probotWith(options), realTagDeletion);
    await deliver(probotWith(options), payload({ ref: "refs/tags/v1.0.0" }));
    scope.done();
    expect(local.calls).toEqual([]);
  });

  it("the default providers: a branch-creating push grants a github-team request through the installation's token", async () => {
    const scope = github();
    const head = { ...org("apply").files(), [ALICE_TEAM]: request("1h", "ticket: INC-9\n") };
    // All-zero before: every file at after is new, listed from one recursive tree call.
    scope
      .get(`${R}/git/trees/${AFTER}`)
      .query({ recursive: "1" })
      .reply(200, {
        sha: AFTER,
        truncated: false,
        tree: Object.keys(head).map((path) => ({ path, mode: "100644", type: "blob", sha: "9fb037999f264ba9a7fc6274d15fa3ae2ab98312" })),
      });
    pushGraphql(scope, { reads: reads(AFTER, head, [...CONFIG_PATHS, ALICE_TEAM]) });
    scope.post(`${R}/check-runs`).reply(201, { id: 9 });
    freshReceiptNotes(scope, { records: false, repo: R, reads: 2 });
    scope
      .get("/orgs/acme/teams/infra-admins/memberships/alice")
      .matchHeader("authorization", "token ghs_installation")
      .reply(404, { message: "Not Found", status: "404" });
    scope
      .get("/orgs/acme/memberships/alice")
      .matchHeader("authorization", "token ghs_installation")
      .reply(200, { state: "active", role: "member", url: `${API}/orgs/acme/memberships/alice` });
    scope
      .put("/orgs/acme/teams/infra-admins/memberships/alice", { role: "member" })
      .matchHeader("authorization", "token ghs_installation")
      .reply(200, { role: "member", state: "active", url: `${API}/organizations/1/team/2/memberships/alice` });
    // Then convergence of the touched resource at the branch tip: its folder, the team's own
    // members (alice, just added), and the tip again (unmoved, so one pass).
    branchTipReads(scope, { repo: R, branch: "master", sha: AFTER, files: head, resources: ["infra-admins"], landed: LANDED });
    scope
      .post("/graphql", (b: any) => String(b.query).includes("membership: IMMEDIATE") && b.variables.org === "acme" && b.variables.team === "infra-admins" && b.variables.cursor === null)
      .matchHeader("authorization", "token ghs_installation")
      .reply(200, { data: { organization: { team: { members: { nodes: [{ login: "alice" }], pageInfo: { hasNextPage: false, endCursor: null } } } } } });
    tipShaRead(scope, { repo: R, branch: "master", sha: AFTER });
    scope
      .patch(`${R}/check-runs/9`, (body) => {
        expect(body.conclusion).toBe("success");
        expect(body.output.title).toBe("1 granted");
        expect(body.output.summary).toContain(
          "| ✅ | `access/requests/infra-admins/alice.yaml` | granted alice → infra-admins until 2026-03-02 11:00 UTC (removed by the sweep at expiry): added alice to acme/infra-admins (GitHub does not expire it; the sweep revokes it) |",
        );
        expect(body.output.summary).toContain("### Convergence\n\n`infra-admins` listed at 2222222: the target matches the tree.");
        return true;
      })
      .reply(200, { id: 9 });

    // Registered as src/app/index.ts does: the app's clock, providers from the environment.
    await deliver(probotWith({}, (app) => registerPush(app, { now: () => NOW })), payload({ before: "0".repeat(40) }));
    scope.done();
  });
});

describe("convergence after the fast apply", () => {
  const NEWER = "4444444444444444444444444444444444444444";
  const CAROL = "access/requests/staging-deploy/carol.yaml";
  const FRANK = "access/requests/staging-deploy/frank.yaml";
  const head = { ...org("apply").files(), [ERIN]: request("2h") };

  /** A merge that adds erin's staging-deploy request: the compare and the push's one read. */
  function erinMerge(scope: nock.Scope) {
    scope
      .get(`${R}/compare/${BEFORE}...${AFTER}`)
      .query({ per_page: "1" })
      .reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: ERIN, status: "added", additions: 2, deletions: 0, changes: 2 }] });
    pushGraphql(scope, { reads: reads(AFTER, head, [...CONFIG_PATHS, ERIN]) });
    scope.post(`${R}/check-runs`, (b) => b.name === APPLY_CHECK_NAME && b.head_sha === AFTER).reply(201, { id: 77 });
    freshReceiptNotes(scope, { records: false, repo: R, reads: "any" });
  }

  /** The check run's final PATCH, whose body the test then reads. */
  function finalCheckRun(scope: nock.Scope): { body?: any } {
    const seen: { body?: any } = {};
    scope.patch(`${R}/check-runs/77`, (b) => ((seen.body = b), true)).reply(200, { id: 77 });
    return seen;
  }

  const held = (provider: RecordingProvider, path: string, principal: string) =>
    provider.held.set(path, { path, principal, resource: { id: "staging-deploy" }, expiresAt: new Date("2026-03-02T12:00:00Z") } as never);

  it("access an earlier push failed to revoke is revoked by the next push on that resource, with the reason on the check run", async () => {
    const local = new RecordingProvider("local");
    held(local, FRANK, "frank"); // frank's file was deleted long ago; that revoke failed and was never retried
    const scope = github();
    erinMerge(scope);
    branchTipReads(scope, { repo: R, branch: "master", sha: AFTER, files: head, resources: ["staging-deploy"], landed: LANDED });
    tipShaRead(scope, { repo: R, branch: "master", sha: AFTER, times: 2 }); // before the revoke, and after it
    const run = finalCheckRun(scope);

    await deliver(probotWith({ providers: () => ({ local }), now: () => NOW }), payload());

    scope.done();
    expect(local.calls.map((c) => `${c.op} ${c.principal}`)).toEqual(["grant erin-contractor", "list *", "revoke frank"]);
    expect(run.body.conclusion).toBe("success");
    expect(run.body.output.summary).toContain("### Convergence\n\n`staging-deploy` listed at 2222222: 1 change(s).");
    expect(run.body.output.summary).toContain(
      "| ✅ | `access/requests/staging-deploy/frank.yaml` | revoked frank → staging-deploy: frank removed from staging-deploy (no ownership receipt says who made this access, so it was done as identities.yaml and the catalog name it now) | no request file on the branch covers frank's staging-deploy access, which gitgrant marked as its own |",
    );
  });

  it("an older push delivered late converges to the tip: a newer merge's grant the pushed tree lacks is left in place", async () => {
    const local = new RecordingProvider("local");
    held(local, CAROL, "carol"); // carol's merge landed after this push and was applied first
    const scope = github();
    erinMerge(scope);
    // The tip (NEWER) holds carol's file; the pushed commit (AFTER) does not. Reading the tip is
    // what keeps carol's grant: converging to AFTER would revoke it.
    branchTipReads(scope, { repo: R, branch: "master", sha: NEWER, files: { ...head, [CAROL]: request("2h") }, resources: ["staging-deploy"], landed: LANDED });
    tipShaRead(scope, { repo: R, branch: "master", sha: NEWER });
    const run = finalCheckRun(scope);

    await deliver(probotWith({ providers: () => ({ local }), now: () => NOW }), payload());

    scope.done();
    expect(local.calls.map((c) => `${c.op} ${c.principal}`)).toEqual(["grant erin-contractor", "list *"]);
    expect(local.held.has(CAROL)).toBe(true);
    expect(run.body.output.summary).toContain("`staging-deploy` listed at 4444444: the target matches the tree.");
  });

  it("the branch moving during convergence makes it run again at the new tip, which a merge there may need", async () => {
    const local = new RecordingProvider("local");
    const scope = github();
    erinMerge(scope);
    // Pass 1 at AFTER; meanwhile carol's merge lands (NEWER). Pass 2 at NEWER grants carol,
    // whose own push this replica has not seen yet; the tip then holds still.
    branchTipReads(scope, { repo: R, branch: "master", resources: ["staging-deploy"], landed: LANDED, tips: [{ sha: AFTER, files: head }, { sha: NEWER, files: { ...head, [CAROL]: request("2h") } }] });
    // After pass 1 (no change to make there): moved. Pass 2: before carol's grant, and after it.
    tipShaRead(scope, { repo: R, branch: "master", shas: [NEWER, NEWER, NEWER] });
    const run = finalCheckRun(scope);

    await deliver(probotWith({ providers: () => ({ local }), now: () => NOW }), payload());
    scope.done();
    expect(local.calls.map((c) => `${c.op} ${c.principal}`)).toEqual(["grant erin-contractor", "list *", "list *", "grant carol"]);
    expect(run.body.output.summary).toContain("`staging-deploy` listed at 4444444 (2 passes: the branch moved): 1 change(s).");
  });

  it("a merge that lands while the targets are listed is never undone from the older tree: the change waits for the next pass", async () => {
    const local = new RecordingProvider("local");
    held(local, CAROL, "carol"); // carol's own merge (NEWER) landed and was applied by another replica
    const scope = github();
    erinMerge(scope);
    // Pass 1 reads AFTER, where carol has no file, and would revoke her; the tip asked before
    // that change is NEWER, so nothing changes. Pass 2 reads NEWER: carol's file covers her.
    branchTipReads(scope, { repo: R, branch: "master", resources: ["staging-deploy"], landed: LANDED, tips: [{ sha: AFTER, files: head }, { sha: NEWER, files: { ...head, [CAROL]: request("2h") } }] });
    tipShaRead(scope, { repo: R, branch: "master", shas: [NEWER, NEWER] });
    const run = finalCheckRun(scope);

    await deliver(probotWith({ providers: () => ({ local }), now: () => NOW }), payload());

    scope.done();
    expect(local.calls.map((c) => `${c.op} ${c.principal}`)).toEqual(["grant erin-contractor", "list *", "list *"]);
    expect(local.held.has(CAROL)).toBe(true);
    expect(run.body.conclusion).toBe("success");
    expect(run.body.output.summary).toContain("`staging-deploy` listed at 4444444 (2 passes: the branch moved): the target matches the tree.");
  });

  it("a branch that never holds still is said on the check run, and what converged stays done", async () => {
    const local = new RecordingProvider("local");
    const scope = github();
    erinMerge(scope);
    const [t5, t6, t7] = ["5", "6", "7"].map((c) => c.repeat(40));
    branchTipReads(scope, { repo: R, branch: "master", resources: ["staging-deploy"], landed: LANDED, tips: [AFTER, t5!, t6!].map((sha) => ({ sha, files: head })) });
    tipShaRead(scope, { repo: R, branch: "master", shas: [t5!, t6!, t7!] });
    const run = finalCheckRun(scope);

    await deliver(probotWith({ providers: () => ({ local }), now: () => NOW }), payload());

    scope.done();
    expect(run.body.conclusion).toBe("failure");
    expect(run.body.output.summary).toContain("master moved away from 6666666 during each of 3 convergence passes; what another apply changed meanwhile is converged by the next push or the sweep");
    expect(local.held.has(ERIN)).toBe(true);
  });

  it("a failed read of the tip fails the check run loudly and keeps the fast apply's grant", async () => {
    const local = new RecordingProvider("local");
    const scope = github();
    erinMerge(scope);
    scope.post("/graphql", (b) => String(b.query).includes("query gitgrantBranch")).reply(502, { message: "Server Error" });
    const run = finalCheckRun(scope);

    await deliver(probotWith({ providers: () => ({ local }), now: () => NOW }), payload());

    scope.done();
    expect(run.body.conclusion).toBe("failure");
    expect(run.body.output.title).toBe("1 granted");
    expect(run.body.output.summary).toContain("- convergence: Server Error (the sweep converges these resources)");
    expect(local.held.has(ERIN)).toBe(true);
  });
});

describe("ownership receipts with no settings.evidence: the app trusts its own bot", () => {
  const BOT = "gitgrant-acme[bot]";
  const [BLOB, TREE, NOTE] = ["d1", "d2", "d3"].map((c) => c.repeat(20)) as [string, string, string];

  it("a github-team grant that finds alice already a member records `standing`, and the convergence after it believes the app's own notes commit", async () => {
    const scope = github();
    const head = { ...org("apply").files(), [ALICE_TEAM]: request("1h", "ticket: INC-9\n") };
    scope
      .get(`${R}/compare/${BEFORE}...${AFTER}`)
      .query({ per_page: "1" })
      .reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: ALICE_TEAM, status: "added", additions: 2, deletions: 0, changes: 2 }] });
    pushGraphql(scope, { reads: reads(AFTER, head, [...CONFIG_PATHS, ALICE_TEAM]) });
    scope.post(`${R}/check-runs`).reply(201, { id: 9 });
    // alice is in the team already (standing access): no PUT, and the receipt says so.
    scope.get("/orgs/acme/teams/infra-admins/memberships/alice").reply(200, { state: "active", role: "member", url: `${API}/orgs/acme/teams/infra-admins/memberships/alice` });
    const missing = { message: "Not Found", status: "404" };
    scope.get(`${R}/git/ref/notes/gitgrant`).times(2).reply(404, missing);
    let note = "";
    scope.post(`${R}/git/blobs`, (b) => ((note = b.content), b.encoding === "utf-8")).reply(201, { sha: BLOB, url: "" });
    scope.post(`${R}/git/trees`, (b) => b.tree[0].sha === BLOB && b.tree[0].path === AFTER).reply(201, { sha: TREE, url: "", tree: [], truncated: false });
    scope.post(`${R}/git/commits`, (b) => b.tree === TREE && b.parents.length === 0).reply(201, { sha: NOTE, tree: { sha: TREE }, parents: [] });
    scope.post(`${R}/git/refs`, { ref: "refs/notes/gitgrant", sha: NOTE }).reply(201, { ref: "refs/notes/gitgrant", object: { type: "commit", sha: NOTE } });
    // The convergence reads the notes back: GitHub's verified commit by the app's bot.
    scope.get(`${R}/git/ref/notes/gitgrant`).reply(200, { ref: "refs/notes/gitgrant", object: { type: "commit", sha: NOTE } });
    scope.get(`${R}/git/commits/${NOTE}`).reply(200, {
      sha: NOTE,
      author: { name: BOT, email: `41898282+${BOT}@users.noreply.github.com`, date: LANDED },
      committer: { name: "GitHub", email: "noreply@github.com", date: LANDED },
      tree: { sha: TREE },
      parents: [],
      verification: { verified: true, reason: "valid", signature: "-----BEGIN PGP SIGNATURE-----", payload: "tree ...", verified_at: LANDED },
    });
    scope.get(`${R}/git/trees/${TREE}`).query({ recursive: "1" }).reply(200, { sha: TREE, tree: [{ path: AFTER, mode: "100644", type: "blob", sha: BLOB }], truncated: false });
    scope.get(`${R}/git/blobs/${BLOB}`).reply(200, () => ({ sha: BLOB, encoding: "base64", content: Buffer.from(note).toString("base64") }));
    branchTipReads(scope, { repo: R, branch: "master", sha: AFTER, files: head, resources: ["infra-admins"], landed: LANDED });
    scope
      .post("/graphql", (b: any) => String(b.query).includes("membership: IMMEDIATE") && b.variables.team === "infra-admins")
      .reply(200, { data: { organization: { team: { members: { nodes: [{ login: "alice" }], pageInfo: { hasNextPage: false, endCursor: null } } } } } });
    tipShaRead(scope, { repo: R, branch: "master", sha: AFTER });
    let summary = "";
    scope.patch(`${R}/check-runs/9`, (b) => ((summary = b.output.summary), b.conclusion === "success")).reply(200, { id: 9 });

    await deliver(probotWith({}, (app) => registerPush(app, { now: () => NOW, appBot: async () => BOT })), payload());

    scope.done();
    expect(note.trim().split("\n").map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ event: "standing", login: "alice", resource: "infra-admins", principal: "alice", commit: AFTER })]);
    expect(summary).toContain("alice already had standing access to infra-admins; gitgrant will leave it");
    // The receipts read back are the app's own: no "ignored" problem on the check run.
    expect(summary).not.toContain("Problems");
  });
});
