// Whose request is gitgrant's request PR? Only one the app itself opened and wrote, holding
// exactly what its issue says, is judged as the issue author's; anything else fails closed.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { gitHub } from "../../src/github/octokit.js";
import { issueRequester, type RequestPrFacts } from "../../src/operations/request.js";
import { formBody } from "../helpers/issues.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (pending.length) throw new Error(`calls not made: ${pending.join(", ")}`);
});
afterAll(() => nock.enableNetConnect());

const API = "https://api.github.com";
const R = "/repos/acme/access";
const api = gitHub(new Octokit({ auth: "t", request: { retries: 0 } }));
const where = { owner: "acme", repo: "access" };
const HEAD = "1".repeat(40);
const BOT = "gitgrant[bot]";
const EMAIL = "41898282+gitgrant[bot]@users.noreply.github.com";
const REASON = "Deploy the hotfix for INC-1234 to staging";
const BODY = formBody({ resource: "staging-deploy", duration: "2h", reason: REASON });
const FILE = "access/requests/staging-deploy/alice.yaml";
const TEXT = `# Requested by @alice in issue #12 (gitgrant's request form).\nreason: ${REASON}\nduration: 2h\n`;
const pr = (over: Partial<RequestPrFacts> = {}): RequestPrFacts => ({ headRef: "gitgrant/request/issue-12", headSha: HEAD, fromFork: false, author: BOT, authorIsBot: true, commitCount: 1, files: [{ path: FILE, text: TEXT, change: "added" }], ...over });

function replies(commit: Record<string, any> = {}, issue: Record<string, any> = {}) {
  return nock(API)
    .get(`${R}/git/commits/${HEAD}`)
    .reply(200, { sha: HEAD, author: { name: BOT, email: EMAIL }, committer: { name: BOT, email: EMAIL }, message: `Request ${FILE}\n\nOpened by gitgrant from issue #12.\n\nGitgrant-issue: 12\nRequested-by: alice\n`, verification: { verified: true, reason: "valid" }, ...commit })
    .get(`${R}/issues/12`)
    .reply(200, { number: 12, body: BODY, state: "open", user: { login: "alice", type: "User" }, ...issue });
}

describe("a request PR from an issue", () => {
  it("is the issue author's when the app opened it, wrote its one signed commit, and it holds what the issue says", async () => {
    const scope = replies();
    expect(await issueRequester(api, where, pr(), BOT)).toEqual({ login: "alice", issue: 12, reasons: ["judged as @alice's own request: gitgrant opened it from their issue #12"] });
    scope.done();
  });

  it("opened by a person on a branch of that name is theirs, at no cost", async () => {
    expect(await issueRequester(api, where, pr({ author: "mallory", authorIsBot: false }), BOT)).toMatchObject({ login: null, reasons: ["not judged as a request from issue #12: it was opened by mallory, not by gitgrant (gitgrant[bot])"] });
  });

  it("opened by another bot, or from a fork, is not the issue author's", async () => {
    expect((await issueRequester(api, where, pr({ author: "evil[bot]" }), BOT)).login).toBeNull();
    expect(await issueRequester(api, where, pr({ fromFork: true }), BOT)).toEqual({ login: null, issue: null, reasons: [] });
  });

  it("with a second commit someone pushed is not the issue author's", async () => {
    expect((await issueRequester(api, where, pr({ commitCount: 2 }), BOT)).reasons[0]).toContain("it has 2 commits; gitgrant writes exactly one, so someone else pushed to it");
  });

  it("whose commit GitHub did not sign as the app (a forged bot email) is not the issue author's", async () => {
    const scope = replies({ verification: { verified: false, reason: "unsigned" } });
    expect((await issueRequester(api, where, pr(), BOT)).reasons[0]).toContain("was not made by gitgrant (author gitgrant[bot], signature unsigned)");
    scope.done();
  });

  it("whose commit names another issue or requester is not the issue author's", async () => {
    let scope = replies({ message: "Request\n\nx\n\nGitgrant-issue: 99\nRequested-by: alice\n" });
    expect((await issueRequester(api, where, pr(), BOT)).reasons[0]).toContain("its commit names issue 99, not #12");
    scope.done();
    scope = replies({}, { user: { login: "bob", type: "User" } });
    expect((await issueRequester(api, where, pr(), BOT)).reasons[0]).toContain("its commit names another requester than #12's author @bob");
    scope.done();
  });

  it("that no longer holds exactly what the issue says (the issue edited by someone else, a file for another person) is not the issue author's", async () => {
    let scope = replies({}, { body: formBody({ resource: "staging-deploy", duration: "8h", reason: REASON }) });
    expect((await issueRequester(api, where, pr(), BOT)).reasons[0]).toContain(`it does not hold exactly ${FILE} as issue #12 says it`);
    scope.done();
    scope = replies();
    const other = pr({ files: [{ path: FILE, text: TEXT, change: "added" }, { path: "access/requests/staging-deploy/bob.yaml", text: TEXT, change: "added" }] });
    expect((await issueRequester(api, where, other, BOT)).login).toBeNull();
    scope.done();
  });

  it("without knowing the app's own bot is nobody's but its author's", async () => {
    expect((await issueRequester(api, where, pr(), null)).reasons[0]).toContain("the app could not tell its own bot's login");
  });
});
