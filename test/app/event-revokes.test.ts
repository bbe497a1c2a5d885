// Revocation on events through the app: PagerDuty's v3 webhook (signature verified) opens the
// revoke PR of every request waiting for the resolved incident, and `/gitgrant revoke` on a
// merged PR (a real issue_comment payload) opens one for each file the approving code owner
// owns. The revoke PR is then gitgrant's own: the app merges it with the matching
// Revoke-reason trailer. GitHub is nock on its real wire format.
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PAGERDUTY_WEBHOOK_PATH, pagerDutyWebhookHandler, verifyPagerDutySignature } from "../../src/app/pagerduty-webhook.js";
import { parseTrailers } from "../../src/core/trailers.js";
import { parseRevokeCommand } from "../../src/operations/approval-withdrawal.js";
import { teamMembership } from "../helpers/github-replies.js";
import { BASE, BASE_FILES, HEAD, INSTALLATION, OWNER, R, REPO, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, removed, settle } from "../helpers/app.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const SECRET = "pd-webhook-secret";
const ALICE = "access/requests/gcp-prod-viewer/alice.yaml";
const BOB = "access/requests/staging-deploy/bob.yaml";
const ALICE_TEXT = "reason: Mitigate INC-1234, checkout latency\nduration: 2h\nincident: INC-1234\nuntil: incident-resolved\n";
const BOB_TEXT = "reason: Deploy the hotfix for INC-1234 to staging\nduration: 2h\nticket: INC-1234\n";
const TREE = "e".repeat(40);
const MERGE = "d".repeat(40);
const blobOf = (path: string) => createHmac("sha1", "blob").update(path).digest("hex");
const shaReply = (sha: string) => [200, sha, { "content-type": "application/vnd.github.sha; charset=utf-8" }] as const;
const trailersOf = (b: any) => parseTrailers(`${b.commit_title}\n\n${b.commit_message}`);

/** The incident.resolved event as PagerDuty's v3 webhook delivers it (docs: Webhook Payload). */
const RESOLVED = JSON.stringify({
  event: {
    id: "01DEN4HPBQAAAG05V5QQYBRZMF",
    event_type: "incident.resolved",
    resource_type: "incident",
    occurred_at: "2026-11-30T09:58:00.000Z",
    agent: { html_url: "https://acme.pagerduty.com/users/PLH1HKV", id: "PLH1HKV", self: "https://api.pagerduty.com/users/PLH1HKV", summary: "Tenex Engineer", type: "user_reference" },
    client: null,
    data: {
      id: "PT4KHLK",
      type: "incident",
      self: "https://api.pagerduty.com/incidents/PT4KHLK",
      html_url: "https://acme.pagerduty.com/incidents/PT4KHLK",
      number: 1234,
      status: "resolved",
      incident_key: "d3640fbd41094207a1c11e58e46b1662",
      created_at: "2026-11-30T08:16:27Z",
      title: "Checkout latency",
      service: { html_url: "https://acme.pagerduty.com/services/PF9KMXH", id: "PF9KMXH", self: "https://api.pagerduty.com/services/PF9KMXH", summary: "API Service", type: "service_reference" },
      assignees: [],
      urgency: "high",
      resolve_reason: null,
    },
  },
});
const sign = (body: string, secret = SECRET) => `v1=${createHmac("sha256", secret).update(body).digest("hex")}`;

function post(body: string, headers: Record<string, string>, method = "POST") {
  const req = Readable.from([Buffer.from(body, "utf8")]) as any;
  Object.assign(req, { method, url: PAGERDUTY_WEBHOOK_PATH, headers: { "content-type": "application/json", ...headers } });
  const res: any = { status: 0, body: "" };
  res.writeHead = (status: number) => ((res.status = status), res);
  res.end = (b: string) => ((res.body = b ? JSON.parse(b) : ""), res);
  return { req, res };
}

const ENV = { PAGERDUTY_WEBHOOK_SECRET: SECRET, GITGRANT_REPOSITORY: `${OWNER}/${REPO}` };

async function deliverWebhook(body: string, headers: Record<string, string>, env: Record<string, string | undefined> = ENV, method = "POST") {
  const probot = await makeProbot();
  const { req, res } = post(body, headers, method);
  const handled = await pagerDutyWebhookHandler({ app: probot, env })(req, res);
  return { handled, res };
}

/** The revoke PR's calls (GitHub's contents API deletes the one file), capturing its body. */
function revokePr(gh: nock.Scope, path: string, blob: string, number: number, into: { bodies: any[]; push: (b: any) => boolean }) {
  const branch = `gitgrant/revoke/${path.split("/")[2]}/${path.split("/")[3]!.replace(/\.yaml$/, "")}`;
  gh.get(`${R}/pulls`).query({ head: `${OWNER}:${branch}`, state: "open", per_page: "10" }).reply(200, []);
  gh.post(`${R}/git/refs`, { ref: `refs/heads/${branch}`, sha: BASE }).reply(201, { ref: `refs/heads/${branch}`, object: { sha: BASE } });
  gh.delete(`${R}/contents/${path}`, (b: any) => b.sha === blob && b.branch === branch && into.push(b)).reply(200, { content: null, commit: { sha: "f".repeat(40) } });
  gh.post(`${R}/pulls`, (b: any) => b.head === branch && b.base === "main" && into.push(b)).reply(201, { number, html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`, created_at: "2026-11-30T10:00:01Z" });
  gh.post(`${R}/issues/${number}/labels`, { labels: ["access:revoke"] }).reply(200, [{ name: "access:revoke" }]);
  return branch;
}

/** The app merging its own revoke PR #number, as on pull_request.opened. */
async function appMerges(branch: string, path: string, body: string, number: number) {
  const probot = await makeProbot();
  const gh = github();
  contextReply(gh, { number, author: "gitgrant", authorType: "Bot", headRef: branch, title: "Revoke", body });
  filesReply(gh, number, [removed(path)]);
  gh.get("/app").reply(200, { id: 1, slug: "gitgrant", name: "gitgrant" });
  const check = capture();
  gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
  gh.post(`${R}/issues/${number}/labels`, { labels: ["access:revoke"] }).reply(200, []);
  const merge = capture();
  gh.put(`${R}/pulls/${number}/merge`, (b: any) => b.sha === HEAD && merge.push(b)).reply(200, { sha: MERGE, merged: true, message: "merged" });
  await receive(probot, pullRequestEvent("opened", { number, author: "gitgrant[bot]", authorType: "Bot", headRef: branch }));
  gh.done();
  return { check: check.bodies[0], merge: merge.bodies[0] };
}

describe("PagerDuty's v3 webhook", () => {
  it("incident.resolved, signed: opens the revoke PR of the request waiting for it (only that one), which the app merges with Revoke-reason incident-resolved", async () => {
    const gh = nock("https://api.github.com");
    gh.get(`${R}/installation`).reply(200, { id: INSTALLATION, account: { login: OWNER } });
    gh.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
    gh.get(R).reply(200, { name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main" });
    gh.get(`${R}/commits/main`).reply(...shaReply(BASE));
    gh.get(`${R}/git/trees/${BASE}`).query({ recursive: "1" }).reply(200, {
      sha: TREE,
      truncated: false,
      tree: [ALICE, BOB].map((path) => ({ path, mode: "100644", type: "blob", sha: blobOf(path) })),
    });
    for (const [path, text] of [[ALICE, ALICE_TEXT], [BOB, BOB_TEXT]] as const) {
      gh.get(`${R}/git/blobs/${blobOf(path)}`).reply(200, { sha: blobOf(path), encoding: "base64", content: Buffer.from(text).toString("base64") });
    }
    gh.get(`${R}/commits/${BASE}`).reply(...shaReply(BASE));
    gh.get(`${R}/git/commits/${BASE}`).reply(200, { sha: BASE, tree: { sha: TREE } });
    const sent = capture();
    const branch = revokePr(gh, ALICE, blobOf(ALICE), 12, sent);

    // PagerDuty sends one signature per secret while it rotates them: any one matching counts.
    const { handled, res } = await deliverWebhook(RESOLVED, { "x-pagerduty-signature": `${sign(RESOLVED, "the-old-secret")},${sign(RESOLVED)}` });
    gh.done();
    expect(handled).toBe(true);
    expect(res.status).toBe(200);
    expect(res.body.revokes).toMatchObject([{ repository: `${OWNER}/${REPO}`, path: ALICE, status: "opened", pr: 12, reason: "incident-resolved" }]);
    const [deletion, pull] = sent.bodies;
    expect(parseTrailers(deletion.message)).toEqual([
      { key: "Revoke", value: ALICE },
      { key: "Revoke-reason", value: "incident-resolved" },
    ]);
    expect(deletion.message).toContain("PagerDuty incident #1234 (PT4KHLK), named by the request, was resolved at 2026-11-30T09:58:00Z (PagerDuty webhook).");
    expect(pull.title).toBe("Revoke access: gcp-prod-viewer for alice (incident-resolved)");
    expect(pull.body.split("\n")).toContain("Revoke-reason: incident-resolved");

    const { check, merge } = await appMerges(branch, ALICE, pull.body, 12);
    expect(check.output.summary).toContain("gitgrant's own revoke: always self-service");
    expect(trailersOf(merge)).toEqual([
      { key: "Revoke", value: ALICE },
      { key: "Revoke-reason", value: "incident-resolved" },
      { key: "Pull-request", value: "#12" },
    ]);
  });

  it("refuses a bad or missing signature, and everything when no secret is set, before reading GitHub", async () => {
    expect((await deliverWebhook(RESOLVED, { "x-pagerduty-signature": sign(RESOLVED, "not-the-secret") })).res).toMatchObject({ status: 403, body: { error: "invalid X-PagerDuty-Signature" } });
    expect((await deliverWebhook(RESOLVED, {})).res.status).toBe(403);
    // One byte changed after signing.
    expect((await deliverWebhook(RESOLVED.replace("1234", "1235"), { "x-pagerduty-signature": sign(RESOLVED) })).res.status).toBe(403);
    expect((await deliverWebhook(RESOLVED, { "x-pagerduty-signature": sign(RESOLVED, "") }, { GITGRANT_REPOSITORY: "acme/access" })).res).toMatchObject({ status: 503, body: { error: expect.stringContaining("PAGERDUTY_WEBHOOK_SECRET is not set") } });
    expect((await deliverWebhook("", {}, ENV, "GET")).res.status).toBe(405);
  });

  it("answers other events (a ping, an acknowledgement) with 200 and does nothing", async () => {
    const ack = RESOLVED.replace('"incident.resolved"', '"incident.acknowledged"');
    const { res } = await deliverWebhook(ack, { "x-pagerduty-signature": sign(ack) });
    expect(res).toMatchObject({ status: 200, body: { ignored: "not an incident.resolved event" } });
    const ping = JSON.stringify({ event: { id: "x", event_type: "pagey.ping", resource_type: "pagey", occurred_at: "2026-11-30T09:58:00Z", data: { message: "Hello from your friend Pagey!", type: "ping" } } });
    expect((await deliverWebhook(ping, { "x-pagerduty-signature": sign(ping) })).res.status).toBe(200);
  });

  it("other paths are not its business", async () => {
    const probot = await makeProbot();
    const { req, res } = post("{}", {});
    req.url = "/healthz";
    expect(await pagerDutyWebhookHandler({ app: probot, env: ENV })(req, res)).toBe(false);
  });

  it("the signature is checked on the raw bytes, in constant time, v1 only", () => {
    const raw = Buffer.from(RESOLVED);
    expect(verifyPagerDutySignature(raw, sign(RESOLVED), SECRET)).toBe(true);
    expect(verifyPagerDutySignature(raw, sign(RESOLVED).replace("v1=", "v2="), SECRET)).toBe(false);
    expect(verifyPagerDutySignature(raw, "v1=abc", SECRET)).toBe(false);
    expect(verifyPagerDutySignature(raw, sign(RESOLVED), "")).toBe(false);
  });
});

// ---- /gitgrant revoke ---------------------------------------------------------------------

const STAGING = "access/requests/staging-deploy/alice.yaml";
const STAGING_TEXT = "reason: Deploy the hotfix for INC-1234 to staging\nduration: 4h\n";

function commentEvent(body: string, commenter = "bob", number = 7) {
  const p = structuredClone(examples.find((e) => e.name === "issue_comment")!.examples.find((x) => x.action === "created" && x.installation)!);
  p.installation = { ...p.installation, id: INSTALLATION };
  p.repository = { ...p.repository, name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", owner: { ...p.repository.owner, login: OWNER, type: "Organization" } };
  // A comment on a pull request: GitHub's issue carries a pull_request link.
  p.issue = { ...p.issue, number, pull_request: { url: `https://api.github.com${R}/pulls/${number}`, html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`, merged_at: "2026-11-30T09:00:00Z" } };
  p.comment = { ...p.comment, body, user: { ...p.comment.user, login: commenter, type: "User" } };
  return { name: "issue_comment", payload: p };
}

function mergedPull(gh: nock.Scope, merged = true) {
  gh.get(`${R}/pulls/7`).reply(200, { number: 7, state: "closed", merged_at: merged ? "2026-11-30T09:00:00Z" : null, merge_commit_sha: merged ? MERGE : null, base: { ref: "main", sha: "a".repeat(40) }, head: { ref: "request-access", sha: HEAD } });
}

function reviews(gh: nock.Scope, rows: Array<{ login: string; state: string; at: string }>) {
  gh.get(`${R}/pulls/7/reviews`).query({ per_page: "100" }).reply(200, rows.map((r, i) => ({ id: 90 + i, user: { login: r.login, type: "User" }, state: r.state, submitted_at: r.at, commit_id: HEAD, body: "" })));
}

/** The default branch as the withdrawal reads it: its tip, the config, the request files, the file now and as merged. */
function branchState(gh: nock.Scope, textNow = STAGING_TEXT) {
  gh.get(`${R}/commits/main`).reply(...shaReply(BASE));
  // A 404 from the contents API makes the reader check the ref exists (once; then cached).
  gh.get(`${R}/commits/${BASE}`).reply(...shaReply(BASE));
  for (const path of ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]) {
    const text = BASE_FILES[path];
    const i = gh.get(`${R}/contents/${encodeURIComponent(path)}`).query({ ref: BASE });
    if (text === null || text === undefined) i.reply(404, { message: "Not Found", status: "404" });
    else i.reply(200, { type: "file", encoding: "base64", path, content: Buffer.from(text).toString("base64"), sha: blobOf(path) });
  }
  gh.get(`${R}/git/trees/${BASE}`).query({ recursive: "1" }).reply(200, { sha: TREE, truncated: false, tree: [{ path: STAGING, mode: "100644", type: "blob", sha: blobOf(STAGING) }] });
  for (const [ref, text] of [[BASE, textNow], [MERGE, STAGING_TEXT]] as const) {
    gh.get(`${R}/contents/${encodeURIComponent(STAGING)}`).query({ ref }).reply(200, { type: "file", encoding: "base64", path: STAGING, content: Buffer.from(text).toString("base64"), sha: blobOf(STAGING) });
  }
}

describe("/gitgrant revoke: approval withdrawal", () => {
  it("a code owner who approved the merged request withdraws it: revoke PR opened, answered on the PR, merged by the app with Revoke-reason approval-withdrawn", async () => {
    const probot = await makeProbot();
    const gh = github();
    mergedPull(gh);
    filesReply(gh, 7, [added(STAGING, STAGING_TEXT)]);
    reviews(gh, [{ login: "bob", state: "APPROVED", at: "2026-11-30T08:50:00Z" }]);
    branchState(gh);
    // CODEOWNERS on main: /access/requests/staging-deploy/ @acme/platform.
    teamMembership(gh, "acme/platform", "bob", true);
    gh.get(`${R}/git/commits/${BASE}`).reply(200, { sha: BASE, tree: { sha: TREE } });
    const sent = capture();
    const branch = revokePr(gh, STAGING, blobOf(STAGING), 13, sent);
    const answer = capture();
    gh.post(`${R}/issues/7/comments`, answer.push).reply(201, { id: 1 });

    await receive(probot, commentEvent("/gitgrant revoke the hotfix is out, access no longer needed"));
    gh.done();
    const [deletion, pull] = sent.bodies;
    expect(deletion.message).toContain("bob withdrew their approval of #7: the hotfix is out, access no longer needed");
    expect(parseTrailers(deletion.message)).toEqual([
      { key: "Revoke", value: STAGING },
      { key: "Revoke-reason", value: "approval-withdrawn" },
    ]);
    expect(answer.bodies[0].body).toContain(`- \`${STAGING}\`: opened revoke PR #13 (https://github.com/acme/access/pull/13); gitgrant merges it and the access ends (Revoke-reason: approval-withdrawn)`);

    const { merge } = await appMerges(branch, STAGING, pull.body, 13);
    expect(trailersOf(merge)).toContainEqual({ key: "Revoke-reason", value: "approval-withdrawn" });
  });

  it("someone whose latest review is not an approval has nothing to withdraw: refused, said why, nothing opened", async () => {
    const probot = await makeProbot();
    const gh = github();
    mergedPull(gh);
    filesReply(gh, 7, [added(STAGING, STAGING_TEXT)]);
    // carol approved, then dismissed; bob never reviewed.
    reviews(gh, [
      { login: "carol", state: "APPROVED", at: "2026-11-30T08:50:00Z" },
      { login: "carol", state: "DISMISSED", at: "2026-11-30T08:55:00Z" },
    ]);
    const answer = capture();
    gh.post(`${R}/issues/7/comments`, answer.push).reply(201, { id: 1 });
    await receive(probot, commentEvent("/gitgrant revoke", "carol"));
    gh.done();
    expect(answer.bodies[0].body).toContain(`- \`${STAGING}\`: not revoked: carol did not approve #7 (their latest review is not an approval), so there is no approval of theirs to withdraw`);
  });

  it("an approver who is not a code owner of the file on the default branch is refused", async () => {
    const probot = await makeProbot();
    const gh = github();
    mergedPull(gh);
    filesReply(gh, 7, [added(STAGING, STAGING_TEXT)]);
    reviews(gh, [{ login: "dave", state: "APPROVED", at: "2026-11-30T08:50:00Z" }]);
    branchState(gh);
    teamMembership(gh, "acme/platform", "dave", false);
    const answer = capture();
    gh.post(`${R}/issues/7/comments`, answer.push).reply(201, { id: 1 });
    await receive(probot, commentEvent("/gitgrant revoke", "dave"));
    gh.done();
    expect(answer.bodies[0].body).toContain(`not revoked: dave is not a code owner of ${STAGING} on main (owners: @acme/platform)`);
  });

  it("a file changed by a later request is not the withdrawn approval's to revoke", async () => {
    const probot = await makeProbot();
    const gh = github();
    mergedPull(gh);
    filesReply(gh, 7, [added(STAGING, STAGING_TEXT)]);
    reviews(gh, [{ login: "bob", state: "APPROVED", at: "2026-11-30T08:50:00Z" }]);
    branchState(gh, "reason: Deploy the next release to staging, a new request\nduration: 4h\n");
    const answer = capture();
    gh.post(`${R}/issues/7/comments`, answer.push).reply(201, { id: 1 });
    await receive(probot, commentEvent("/gitgrant revoke", "bob"));
    gh.done();
    expect(answer.bodies[0].body).toContain(`not revoked: ${STAGING} has changed on main since #7 (a later request)`);
  });

  it("an unmerged PR granted nothing; other comments and bots' comments are ignored", async () => {
    const probot = await makeProbot();
    let gh = github();
    mergedPull(gh, false);
    const answer = capture();
    gh.post(`${R}/issues/7/comments`, answer.push).reply(201, { id: 1 });
    await receive(probot, commentEvent("/gitgrant revoke"));
    gh.done();
    expect(answer.bodies[0].body).toBe("@bob: #7 is not merged, so it granted nothing to revoke. To stop it, dismiss your approval or close it.");

    gh = nock("https://api.github.com");
    await receive(probot, commentEvent("Looks good to me, /gitgrant revoke later maybe"));
    const bot = commentEvent("/gitgrant revoke");
    bot.payload.comment.user.type = "Bot";
    await receive(probot, bot);
    expect(gh.pendingMocks()).toEqual([]);
  });

  it("reads the command from the comment's first line only", () => {
    expect(parseRevokeCommand("/gitgrant revoke")).toEqual({});
    expect(parseRevokeCommand("  /gitgrant   revoke  left the team \nmore text")).toEqual({ note: "left the team" });
    expect(parseRevokeCommand("/GitGrant Revoke")).toEqual({});
    expect(parseRevokeCommand("/gitgrant revoked")).toBeNull();
    expect(parseRevokeCommand("please /gitgrant revoke")).toBeNull();
    expect(parseRevokeCommand("/gitgrant revokes")).toBeNull();
  });
});
