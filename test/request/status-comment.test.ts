// `/gitgrant status [@login]` in a comment (a real issue_comment payload): the app answers
// once per comment with the table `gitgrant status` prints, read over the API: the branch
// judged over GraphQL (texts, then landings), the open pull requests over REST.
import { createRequire } from "node:module";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { STATUS_MARKER } from "../../src/app/status-comment.js";
import { claimRef } from "../../src/operations/claims.js";
import { parseStatusCommand } from "../../src/operations/status.js";
import { API, BASE_FILES, CONFIG_ORDER, INSTALLATION, OWNER, R, REPO, gitBlobId, github, makeProbot, receive, settle, unmatched } from "../helpers/app.js";
import { bucketOf, bucketReply, claimReplies, deleteRefPath } from "../helpers/claims.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const TIP = "e".repeat(40);
const ACTIVE = "access/requests/gcp-prod-viewer/alice.yaml";
const PENDING = "access/requests/prod-db-read/alice.yaml";
const BOBS = "access/requests/billing-console/bob.yaml";
const TEXTS: Record<string, string> = {
  [ACTIVE]: "reason: Check the production project's quotas for the capacity review\nduration: 2h\n",
  [PENDING]: "reason: Run the monthly reconciliation queries on the replica\nduration: 1h\nstarts_at: 2026-11-30T14:00:00Z\n",
  [BOBS]: "reason: Reconcile the November invoices with finance\nduration: 4h\n",
};
const LANDED: Record<string, string> = { [ACTIVE]: "2026-11-30T09:00:00Z", [PENDING]: "2026-11-30T08:00:00Z", [BOBS]: "2026-11-30T09:30:00Z" };

function commentEvent(f: { body: string; commenter?: string; type?: "User" | "Bot"; id?: number; issue?: number; pull?: boolean }) {
  const p = structuredClone(examples.find((e) => e.name === "issue_comment")!.examples.find((x) => x.action === "created" && x.installation)!);
  p.installation = { ...p.installation, id: INSTALLATION };
  p.repository = { ...p.repository, name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", owner: { ...p.repository.owner, login: OWNER, type: "Organization" } };
  const number = f.issue ?? 12;
  p.issue = { ...p.issue, number };
  if (f.pull) p.issue.pull_request = { url: `${API}${R}/pulls/${number}`, html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}` };
  else delete p.issue.pull_request;
  p.comment = { ...p.comment, id: f.id ?? 5001, body: f.body, user: { ...p.comment.user, login: f.commenter ?? "alice", type: f.type ?? "User" } };
  return { name: "issue_comment", payload: p };
}

/** The branch read over GraphQL: the tip's rules and request files, then when each landed. */
function branchReply(gh: nock.Scope): void {
  const byDir = new Map<string, string[]>();
  for (const p of Object.keys(TEXTS)) {
    const [, , dir, name] = p.split("/");
    byDir.set(dir!, [...(byDir.get(dir!) ?? []), name!]);
  }
  gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantBranch") && b.variables.owner === OWNER && b.variables.repo === REPO && b.variables.branch === "refs/heads/main" && b.variables.d0 === "access/requests")
    .reply(200, {
      data: { repository: { tip: { target: {
        oid: TIP,
        ...Object.fromEntries(CONFIG_ORDER.map((p, i) => [`c${i}`, BASE_FILES[p] == null ? null : { oid: gitBlobId(BASE_FILES[p]!), object: { text: BASE_FILES[p], isBinary: false, isTruncated: false } }])),
        d0: { object: { entries: [...byDir].map(([dir, names]) => ({ name: dir, type: "tree", mode: 16384, oid: "3".repeat(40), object: { entries: names.map((n) => {
          const text = TEXTS[`access/requests/${dir}/${n}`]!;
          return { name: n, type: "blob", mode: 33188, oid: gitBlobId(text), object: { text, isBinary: false, isTruncated: false } };
        }) } })) } },
      } } } },
    });
  const paths = [...byDir].flatMap(([dir, names]) => names.map((n) => `access/requests/${dir}/${n}`));
  gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantLandings") && b.variables.sha === TIP && paths.every((p, i) => b.variables[`p${i}`] === p))
    .reply(200, { data: { repository: { commit: Object.fromEntries(paths.map((p, i) => [`h${i}`, { nodes: [{ oid: "4".repeat(40), committedDate: LANDED[p] }] }])) } } });
}

/** Only the tip's id (a command refused before anything is judged). */
function tipReply(gh: nock.Scope): void {
  gh.post("/graphql", (b: any) => String(b.query).includes("query gitgrantTip") && b.variables.branch === "refs/heads/main" && b.variables.owner === OWNER)
    .reply(200, { data: { repository: { tip: { target: { oid: TIP } } } } });
}

/** Open pull requests: the request PR made from issue 12 (alice's support-console), and one of bob's. */
function openPulls(gh: nock.Scope): void {
  gh.get(`${R}/pulls`).query({ state: "open", per_page: "100" }).reply(200, [
    { number: 13, html_url: `https://github.com/${OWNER}/${REPO}/pull/13`, title: "support-console for alice", head: { ref: "gitgrant/request/issue-12", repo: { full_name: `${OWNER}/${REPO}` } }, created_at: "2026-11-30T09:55:00Z", draft: false, user: { login: "gitgrant[bot]" } },
    { number: 14, html_url: `https://github.com/${OWNER}/${REPO}/pull/14`, title: "bob", head: { ref: "bob-more", repo: { full_name: `${OWNER}/${REPO}` } }, created_at: "2026-11-30T09:56:00Z", draft: true, user: { login: "bob" } },
  ]);
  gh.get(`${R}/pulls/13/files`).query({ per_page: "100" }).reply(200, [{ filename: "access/requests/support-console/alice.yaml", status: "added" }]);
  gh.get(`${R}/pulls/14/files`).query({ per_page: "100" }).reply(200, [{ filename: "access/requests/staging-deploy/bob.yaml", status: "added" }]);
}

const KEY = (id: number) => `${OWNER}/${REPO}:status-comment:${id}`;

/** A delivery that reads the branch (and, asking about someone, the open PRs), claims comment `id` and posts its answer on `issue`. */
function answering(gh: nock.Scope, id: number, issue = 12, o: { refused?: boolean } = {}): string[] {
  if (o.refused) tipReply(gh);
  else {
    branchReply(gh);
    openPulls(gh);
  }
  claimReplies(gh, KEY(id), TIP);
  bucketReply(gh, bucketOf(KEY(id)), []);
  const posted: string[] = [];
  gh.post(`${R}/issues/${issue}/comments`, (b: any) => (posted.push(b.body), true)).reply(201, { id: 9000 + id });
  return posted;
}

const ALICE_TABLE = [
  "| STATE | RESOURCE | UNTIL | LEFT | FILE |",
  "|---|---|---|---|---|",
  `| active | gcp-prod-viewer | 2026-11-30T11:00:00Z | 1h left | ${ACTIVE} |`,
  `| pending | prod-db-read | 2026-11-30T15:00:00Z | starts in 4h | ${PENDING} |`,
  `| requested | support-console | - | PR #13 open | https://github.com/${OWNER}/${REPO}/pull/13 |`,
].join("\n");

describe("/gitgrant status on a request issue", () => {
  it("answers the commenter with their active, pending and requested access, once: the redelivery finds the claim and posts nothing", async () => {
    const probot = await makeProbot();
    let gh = github();
    const posted = answering(gh, 5001);
    await receive(probot, commentEvent({ body: "/gitgrant status" }));
    gh.done();
    expect(posted).toEqual([`${STATUS_MARKER}\n@alice: your access at 2026-11-30 10:00 UTC (\`gitgrant status\` on main at eeeeeee):\n\n${ALICE_TABLE}`]);

    gh = github({ token: false });
    branchReply(gh);
    openPulls(gh);
    claimReplies(gh, KEY(5001), TIP, 422);
    await receive(probot, commentEvent({ body: "/gitgrant status" }));
    gh.done();
    expect(unmatched).toEqual([]);
  });

  it("about another login on a pull request conversation: bob's rows (a draft PR says so), asked by alice, who names bob without pinging him", async () => {
    const probot = await makeProbot();
    const gh = github();
    const posted = answering(gh, 5002, 13);
    await receive(probot, commentEvent({ body: "/gitgrant status @Bob\nthanks!", id: 5002, issue: 13, pull: true }));
    gh.done();
    expect(posted[0]).toBe([
      `${STATUS_MARKER}\n@alice: Bob's access at 2026-11-30 10:00 UTC (\`gitgrant status\` on main at eeeeeee):`,
      "",
      "| STATE | RESOURCE | UNTIL | LEFT | FILE |",
      "|---|---|---|---|---|",
      `| active | billing-console | 2026-11-30T13:30:00Z | 3h30m left | ${BOBS} |`,
      `| requested | staging-deploy | - | PR #14 open (draft) | https://github.com/${OWNER}/${REPO}/pull/14 |`,
    ].join("\n"));
  });

  it("someone with nothing is told so in the CLI's words", async () => {
    const probot = await makeProbot();
    const gh = github();
    const posted = answering(gh, 5003);
    await receive(probot, commentEvent({ body: "/gitgrant status", commenter: "erin", id: 5003 }));
    gh.done();
    expect(posted[0]).toBe(`${STATUS_MARKER}\n@erin: your access at 2026-11-30 10:00 UTC (\`gitgrant status\` on main at eeeeeee):\n\nerin has no access and no open request.`);
  });

  it("a failed post gives the claim back and fails the delivery, so its redelivery answers", async () => {
    const probot = await makeProbot();
    const gh = github();
    branchReply(gh);
    openPulls(gh);
    claimReplies(gh, KEY(5004), TIP);
    gh.post(`${R}/issues/12/comments`).reply(422, { message: "Validation Failed" });
    gh.delete(deleteRefPath(claimRef(KEY(5004)))).reply(204);
    await expect(receive(probot, commentEvent({ body: "/gitgrant status", id: 5004 }))).rejects.toThrow(/Validation Failed/);
    gh.done();
  });

  it("an argument that is not a login gets a reply saying how to ask; a bot's comment gets nothing (no call at all)", async () => {
    const probot = await makeProbot();
    const gh = github();
    const posted = answering(gh, 5005, 12, { refused: true });
    await receive(probot, commentEvent({ body: "/gitgrant status <img src=x>", id: 5005 }));
    gh.done();
    expect(posted[0]).toBe(`${STATUS_MARKER}\n@alice: the argument is not a GitHub login; write /gitgrant status or /gitgrant status @login`);

    await receive(probot, commentEvent({ body: "/gitgrant status", commenter: "gitgrant[bot]", type: "Bot", id: 5006 }));
    expect(unmatched).toEqual([]);
  });
});

describe("parseStatusCommand", () => {
  it("reads the first line only, with an optional login (with or without @)", () => {
    expect(parseStatusCommand("/gitgrant status")).toEqual({});
    expect(parseStatusCommand("  /GitGrant   status  @carol-x \nmore")).toEqual({ login: "carol-x" });
    expect(parseStatusCommand("/gitgrant status dave")).toEqual({ login: "dave" });
    expect(parseStatusCommand("please /gitgrant status")).toBeNull();
    expect(parseStatusCommand("/gitgrant statuses")).toBeNull();
    expect(parseStatusCommand("/gitgrant status a--b")).toEqual({ error: expect.stringContaining("not a GitHub login") });
    expect(parseStatusCommand("/gitgrant status alice bob")).toEqual({ error: expect.stringContaining("not a GitHub login") });
  });
});
