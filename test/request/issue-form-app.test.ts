// The request form end to end, on real `issues` webhook payloads: the issue becomes
// gitgrant's request PR, judged as the issue author's own; a code owner approves; the merge
// closes the issue with the window in words.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTrailers } from "../../src/core/trailers.js";
import { BASE, BASE_FILES, CONFIG_ORDER, OWNER, R, REPO, added, capture, contextReply, filesReply, github, makeProbot, pullRequestEvent, receive, reviewEvent, settle } from "../helpers/app.js";
import { reviewFacts, signals, teamMembership } from "../helpers/github-replies.js";
import { formBody, issueEvent } from "../helpers/issues.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const ISSUE = 12;
const PR = 13;
const BRANCH = "gitgrant/request/issue-12";
const FILE = "access/requests/gcp-prod-viewer/alice.yaml";
const COMMIT = "1".repeat(40);
const TREE = "2".repeat(40);
const BASE_TREE = "3".repeat(40);
const MERGED = "d".repeat(40);
const REASON = "Check the production project's quotas for the capacity review";
const TEXT = `# Requested by @alice in issue #12 (gitgrant's request form).\nreason: ${REASON}\nduration: 2h\n`;
const BODY = formBody({ resource: "gcp-prod-viewer: View resources in the production GCP project (medium, at most 12h)", duration: "2h", reason: REASON });
const QUIET = { teams: { alice: [] }, incidents: 0, member: { alice: true }, baseFiles: [] as string[] };
const BOT_EMAIL = "41898282+gitgrant[bot]@users.noreply.github.com";

/** The one GraphQL read of the default branch: its tip, tree and the rules there. */
function baseRules(gh: nock.Scope): void {
  gh.post("/graphql", (body: any) => {
    if (!String(body.query).includes("query gitgrantRequestBase")) return false;
    return body.variables.owner === OWNER && body.variables.repo === REPO && CONFIG_ORDER.every((p, i) => body.variables[`c${i}`] === `refs/heads/main:${p}`);
  }).reply(200, {
    data: {
      repository: {
        defaultBranchRef: { name: "main", target: { oid: BASE, tree: { oid: BASE_TREE } } },
        ...Object.fromEntries(CONFIG_ORDER.map((p, i) => [`c${i}`, BASE_FILES[p] ? { text: BASE_FILES[p], isBinary: false, isTruncated: false } : null])),
      },
    },
  });
}

/** GET /repos/{o}/{r}/git/commits/{sha}: the app's own commit, signed by GitHub. */
function appCommit(gh: nock.Scope, over: Record<string, any> = {}): void {
  gh.get(`${R}/git/commits/${COMMIT}`).reply(200, {
    sha: COMMIT,
    author: { name: "gitgrant[bot]", email: BOT_EMAIL, date: "2026-11-30T10:00:00Z" },
    committer: { name: "gitgrant[bot]", email: BOT_EMAIL, date: "2026-11-30T10:00:00Z" },
    message: `Request ${FILE}\n\nOpened by gitgrant from issue #12.\n\nGitgrant-issue: 12\nRequested-by: alice\n`,
    tree: { sha: TREE },
    parents: [{ sha: BASE }],
    verification: { verified: true, reason: "valid", signature: "-----BEGIN PGP SIGNATURE-----", payload: "tree ..." },
    ...over,
  });
}

function theIssue(gh: nock.Scope, body = BODY, author = "alice", state = "open"): void {
  gh.get(`${R}/issues/${ISSUE}`).reply(200, { number: ISSUE, title: "Access request", body, state, user: { login: author, type: "User" }, html_url: `https://github.com/${OWNER}/${REPO}/issues/12` });
}

const CONTEXT = { number: PR, head: COMMIT, headRef: BRANCH, author: "gitgrant", authorType: "Bot" as const, title: "gcp-prod-viewer for alice (from #12)" };

describe("a request issue opened from the form", () => {
  it("becomes a PR adding the author's file, judged as theirs, approved by a code owner, and the issue is told and closed", async () => {
    const probot = await makeProbot();
    let gh = github();
    gh.get("/app").reply(200, { id: 1, slug: "gitgrant", name: "gitgrant" });
    baseRules(gh);
    gh.get(`${R}/pulls`).query({ head: `${OWNER}:${BRANCH}`, state: "open", per_page: "10" }).reply(200, []);
    const tree = capture();
    const commit = capture();
    const ref = capture();
    const opened = capture();
    gh.post(`${R}/git/trees`, tree.push).reply(201, { sha: TREE });
    gh.post(`${R}/git/commits`, commit.push).reply(201, { sha: COMMIT });
    gh.post(`${R}/git/refs`, ref.push).reply(201, { ref: `refs/heads/${BRANCH}`, object: { sha: COMMIT } });
    gh.post(`${R}/pulls`, opened.push).reply(201, { number: PR, html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}`, head: { sha: COMMIT } });
    // The PR judged at once, as alice's.
    contextReply(gh, CONTEXT);
    filesReply(gh, PR, [added(FILE, TEXT)]);
    appCommit(gh);
    theIssue(gh);
    signals(gh, QUIET);
    reviewFacts(gh, PR, { commits: [{ author: "gitgrant[bot]", committer: "gitgrant[bot]" }] });
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/${PR}/labels`, { labels: ["access:conditional"] }).reply(200, []);
    gh.post(`${R}/pulls/${PR}/requested_reviewers`, { team_reviewers: ["platform"] }).reply(201, { number: PR });
    gh.get(`${R}/issues/${ISSUE}/comments`).query({ per_page: "100" }).reply(200, []);
    const said = capture();
    gh.post(`${R}/issues/${ISSUE}/comments`, said.push).reply(201, { id: 501 });

    await receive(probot, issueEvent("opened", { number: ISSUE, author: "alice", body: BODY }));
    gh.done();

    expect(tree.bodies).toEqual([{ base_tree: BASE_TREE, tree: [{ path: FILE, mode: "100644", type: "blob", content: TEXT }] }]);
    expect(commit.bodies[0]).toEqual({ message: `Request ${FILE}\n\nOpened by gitgrant from issue #12.\n\nGitgrant-issue: 12\nRequested-by: alice\n`, tree: TREE, parents: [BASE] });
    // No author or committer: GitHub then signs the commit as the app's bot.
    expect(commit.bodies[0].author).toBeUndefined();
    expect(ref.bodies).toEqual([{ ref: `refs/heads/${BRANCH}`, sha: COMMIT }]);
    expect(opened.bodies[0]).toMatchObject({ head: BRANCH, base: "main", title: "gcp-prod-viewer for alice (from #12)" });
    expect(opened.bodies[0].body).toContain("issue #12 by @alice");
    const run = check.bodies[0];
    expect(run.output.title).toBe("Waiting for 1 approval(s) from @acme/platform");
    expect(run.output.summary).toContain(`| ✅ | \`${FILE}\` (added) | alice | gcp-prod-viewer | conditional | 0 of 1 from @acme/platform |`);
    expect(run.output.summary).toContain("judged as @alice's own request: gitgrant opened it from their issue #12");
    expect(run.output.summary).toContain("--author alice");
    expect(said.bodies[0].body).toContain("<!-- gitgrant:request-verdict -->");
    expect(said.bodies[0].body).toContain("Waiting: #13 is waiting for @acme/platform (1 more approval, tier conditional)");

    // bob, a code owner in @acme/platform, approves: merged with alice as the requester.
    gh = github({ token: false });
    contextReply(gh, { ...CONTEXT, labels: ["access:conditional"], checkRun: { id: 900, externalId: run.external_id, status: "IN_PROGRESS" } });
    filesReply(gh, PR, [added(FILE, TEXT)]);
    appCommit(gh);
    theIssue(gh);
    signals(gh, QUIET);
    reviewFacts(gh, PR, { reviews: [{ login: "bob", state: "APPROVED", commit: COMMIT }], commits: [{ author: "gitgrant[bot]", committer: "gitgrant[bot]" }], requested: { teams: ["platform"] } });
    teamMembership(gh, "acme/platform", "bob", true);
    gh.patch(`${R}/check-runs/900`).reply(200, { id: 900 });
    const merge = capture();
    gh.put(`${R}/pulls/${PR}/merge`, merge.push).reply(200, { sha: MERGED, merged: true, message: "merged" });
    await receive(probot, reviewEvent("submitted", { number: PR, head: COMMIT, headRef: BRANCH, author: "gitgrant[bot]", authorType: "Bot", reviewer: "bob", state: "APPROVED" }));
    gh.done();
    expect(parseTrailers(`${merge.bodies[0].commit_title}\n\n${merge.bodies[0].commit_message}`)).toEqual([
      { key: "Grant", value: FILE },
      { key: "Requested-by", value: "alice" },
      { key: "Approved-by", value: "bob" },
      { key: "Policy-tier", value: "conditional" },
      { key: "Pull-request", value: "#13" },
    ]);

    // The merge: the issue is told until when, and closed as completed.
    gh = github({ token: false });
    // pull_request.closed also re-reads the merged PR for a break-glass review (pull-request.ts).
    contextReply(gh, { ...CONTEXT, state: "MERGED", labels: ["access:conditional"] });
    filesReply(gh, PR, [added(FILE, TEXT)]);
    appCommit(gh);
    theIssue(gh);
    signals(gh, QUIET);
    reviewFacts(gh, PR, { reviews: [{ login: "bob", state: "APPROVED", commit: COMMIT }], commits: [{ author: "gitgrant[bot]", committer: "gitgrant[bot]" }] });
    teamMembership(gh, "acme/platform", "bob", true);
    baseRules(gh);
    gh.get(`${R}/pulls/${PR}/files`).query({ per_page: "10" }).reply(200, [added(FILE, TEXT)]);
    gh.get(`${R}/contents/${encodeURIComponent(FILE)}`).query({ ref: MERGED }).reply(200, { type: "file", encoding: "base64", content: Buffer.from(TEXT).toString("base64"), path: FILE, sha: "f".repeat(40) });
    gh.get(`${R}/issues/${ISSUE}/comments`).query({ per_page: "100" }).reply(200, [{ id: 501, body: said.bodies[0].body, user: { login: "gitgrant[bot]", type: "Bot" } }]);
    const ended = capture();
    gh.post(`${R}/issues/${ISSUE}/comments`, ended.push).reply(201, { id: 502 });
    theIssue(gh);
    const closed = capture();
    gh.patch(`${R}/issues/${ISSUE}`, closed.push).reply(200, { number: ISSUE, state: "closed" });
    const close = pullRequestEvent("closed", { number: PR, head: COMMIT, headRef: BRANCH, author: "gitgrant[bot]", authorType: "Bot", mergedAt: "2026-11-30T10:00:00Z" });
    close.payload.pull_request.merge_commit_sha = MERGED;
    close.payload.pull_request.head.repo = { ...close.payload.pull_request.head.repo, full_name: `${OWNER}/${REPO}` };
    await receive(probot, close);
    gh.done();
    expect(ended.bodies[0].body).toBe("<!-- gitgrant:request-end -->\nGranted: gcp-prod-viewer for @alice until 12:00 UTC (#13 was merged). It ends by itself then; delete the file earlier to give it up.");
    expect(closed.bodies).toEqual([{ state: "closed", state_reason: "completed" }]);
  });

  it("with input that cannot be granted gets a comment saying what to fix, and no pull request", async () => {
    const probot = await makeProbot();
    const gh = github();
    baseRules(gh);
    gh.get(`${R}/issues/${ISSUE}/comments`).query({ per_page: "100" }).reply(200, []);
    const said = capture();
    gh.post(`${R}/issues/${ISSUE}/comments`, said.push).reply(201, { id: 501 });
    await receive(probot, issueEvent("opened", { number: ISSUE, author: "alice", body: formBody({ resource: "gcp-prod-viewer", duration: "3d", reason: REASON }) }));
    gh.done();
    expect(said.bodies[0].body).toBe(
      "<!-- gitgrant:request-verdict -->\ngitgrant could not turn this issue into a request yet. Edit the issue to fix:\n\n- 3d is over gcp-prod-viewer's cap of 12h; ask for 12h or less.\n\nNothing was opened or granted.",
    );
  });

  it("edited by someone other than its author changes nothing, and says so", async () => {
    const probot = await makeProbot();
    const gh = github();
    gh.get(`${R}/issues/${ISSUE}/comments`).query({ per_page: "100" }).reply(200, [{ id: 501, body: "<!-- gitgrant:request-verdict -->\nWaiting", user: { login: "gitgrant[bot]", type: "Bot" } }]);
    const said = capture();
    gh.patch(`${R}/issues/comments/501`, said.push).reply(200, { id: 501 });
    await receive(probot, issueEvent("edited", { number: ISSUE, author: "alice", sender: "mallory", body: formBody({ resource: "gcp-prod-viewer", duration: "12h", reason: REASON }) }));
    gh.done();
    expect(said.bodies[0].body).toContain("@mallory edited this request, but only @alice, who asked, can change it; the pull request still says what @alice wrote.");
  });

  it("an ordinary issue without the form is left alone (no call at all)", async () => {
    const probot = await makeProbot();
    await receive(probot, issueEvent("opened", { number: ISSUE, author: "alice", body: "The staging deploy is broken", labels: [] }));
  });

  it("edited by its author rewrites the one commit of the same PR", async () => {
    const probot = await makeProbot();
    const gh = github();
    gh.get("/app").reply(200, { id: 1, slug: "gitgrant", name: "gitgrant" });
    baseRules(gh);
    gh.get(`${R}/pulls`).query({ head: `${OWNER}:${BRANCH}`, state: "open", per_page: "10" }).reply(200, [{ number: PR, html_url: "https://github.com/acme/access/pull/13", head: { sha: "4".repeat(40) } }]);
    gh.get(`${R}/contents/${encodeURIComponent(FILE)}`).query({ ref: "4".repeat(40) }).reply(200, { type: "file", encoding: "base64", content: Buffer.from(TEXT).toString("base64") });
    const longer = TEXT.replace("duration: 2h", "duration: 4h");
    gh.post(`${R}/git/trees`, { base_tree: BASE_TREE, tree: [{ path: FILE, mode: "100644", type: "blob", content: longer }] }).reply(201, { sha: TREE });
    gh.post(`${R}/git/commits`).reply(201, { sha: COMMIT });
    gh.post(`${R}/git/refs`).reply(422, { message: "Reference already exists", status: "422" });
    gh.patch(`${R}/git/refs/heads%2Fgitgrant%2Frequest%2Fissue-12`, { sha: COMMIT, force: true }).reply(200, { ref: `refs/heads/${BRANCH}`, object: { sha: COMMIT } });
    // Judged again at once (the file now says 4h).
    contextReply(gh, CONTEXT);
    filesReply(gh, PR, [added(FILE, longer)]);
    appCommit(gh);
    theIssue(gh, formBody({ resource: "gcp-prod-viewer", duration: "4h", reason: REASON }));
    signals(gh, QUIET);
    reviewFacts(gh, PR, { commits: [{ author: "gitgrant[bot]", committer: "gitgrant[bot]" }] });
    gh.post(`${R}/check-runs`).reply(201, { id: 901 });
    gh.post(`${R}/issues/${PR}/labels`).reply(200, []);
    gh.post(`${R}/pulls/${PR}/requested_reviewers`).reply(201, { number: PR });
    gh.get(`${R}/issues/${ISSUE}/comments`).query({ per_page: "100" }).reply(200, [{ id: 501, body: "<!-- gitgrant:request-verdict -->\nold", user: { login: "gitgrant[bot]", type: "Bot" } }]);
    gh.patch(`${R}/issues/comments/501`).reply(200, { id: 501 });
    await receive(probot, issueEvent("edited", { number: ISSUE, author: "alice", body: formBody({ resource: "gcp-prod-viewer", duration: "4h", reason: REASON }) }));
    gh.done();
  });
});
