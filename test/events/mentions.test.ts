// The events workflow's grant, expiry notice and revoke messages mention the requester by the
// chat handles of identities.yaml (`slack` / `teams`) at the commit each one reports: a grant
// by the identities it was judged with, a notice by today's, a revoke by those of its commit.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { evidenceMessage } from "../../src/core/trailers.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";
import { AUDIT_ORG, P } from "../helpers/history.js";

const SLACK = "https://hooks.slack.com";
const SLACK_PATH = "/services/T1/B1/sekret";
const TEAMS = "https://acme.webhook.office.com";
const TEAMS_PATH = "/webhookb2/x/IncomingWebhook/y/z";
const ENV = { GITGRANT_SLACK_WEBHOOK_URL: `${SLACK}${SLACK_PATH}`, GITGRANT_TEAMS_WEBHOOK_URL: `${TEAMS}${TEAMS_PATH}` };
const IDS = "access/identities.yaml";
const identities = (slack: string) => `users:\n  alice: { local: alice, slack: ${slack}, teams: alice@acme.com }\n  bob: { local: bob }\n  carol: { local: carol }\n  dave: { local: dave }\n`;

let repo: TestRepo;

beforeAll(async () => {
  nock.disableNetConnect();
  repo = await makeRepo();
  await repo.writeAll({ ...AUDIT_ORG.files(), [IDS]: identities("U0ALICE1") });
  await repo.commit("Set up the access repository", { date: "2026-03-02T09:00:00Z", author: "admin" });
  await repo.write(P.alice, "reason: Deploy the release candidate to staging\nduration: 2h\n");
  await repo.commit(evidenceMessage("Grant staging-deploy to alice (#1)", "", { grants: [{ path: P.alice, requester: "alice", tier: "self-service" }], revokes: [], approvedBy: [], pullRequest: 1 }), { date: "2026-03-02T10:02:00Z", author: "gitgrant[bot]" });
  // alice's Slack account changes after her grant.
  await repo.write(IDS, identities("U0ALICE2"));
  await repo.commit("alice's new Slack account", { date: "2026-03-02T11:00:00Z", author: "admin" });
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  nock.enableNetConnect();
  await cleanupRepos();
});

function capture() {
  const bodies: any[] = [];
  return { bodies, push: (b: any) => (bodies.push(b), true) };
}

/** One run that posts exactly `messages` chat messages to each of Slack and Teams. */
async function run(now: string, since: string, messages: number): Promise<{ slack: any[]; teams: any[] }> {
  const slack = capture();
  const teams = capture();
  const s = nock(SLACK).post(SLACK_PATH, slack.push).times(messages).reply(200, "ok");
  const t = nock(TEAMS).post(TEAMS_PATH, teams.push).times(messages).reply(202, "");
  const io: Io = { out: () => {}, err: () => {}, cwd: repo.dir, env: ENV };
  expect(await main(["events", "--repo", repo.dir, "--send", "--since", since, "--now", now, "--format", "json"], io)).toBe(0);
  s.done();
  t.done();
  return { slack: slack.bodies, teams: teams.bodies };
}

describe("gitgrant events --send mentions the requester", () => {
  it("the grant by the Slack id it was judged with, the expiry notice by today's, and both Teams cards carry the mention entity", async () => {
    const { slack, teams } = await run("2026-03-02T11:50:00Z", "2026-03-02T00:00:00Z", 2);
    expect(slack.map((b) => b.text)).toEqual([
      "alice was granted staging-deploy for 2h, no approval needed (tier self-service) <@U0ALICE1>",
      "alice's access to staging-deploy expires in 12m (at 2026-03-02 12:02 UTC) <@U0ALICE2>",
    ]);
    expect(teams).toHaveLength(2);
    for (const card of teams.map((b) => b.attachments[0].content)) {
      expect(card.msteams.entities).toEqual([{ type: "mention", text: "<at>alice</at>", mentioned: { id: "alice@acme.com", name: "alice" } }]);
      expect(card.body.at(-1)).toEqual({ type: "TextBlock", text: "<at>alice</at>", wrap: true });
    }
  });

  it("the revoke at expiry by the identities of the revoke's commit; a person without a handle is named in text only", async () => {
    await repo.rm(P.alice);
    await repo.write(IDS, identities("U0ALICE3"));
    // The sweep's revoke lands with the identities of its parent (U0ALICE2); U0ALICE3 comes with it, for the next commit.
    await repo.commit(evidenceMessage("Revoke staging-deploy from alice (#5)", "", { grants: [], revokes: [{ path: P.alice, reason: "expired" }], approvedBy: [], pullRequest: 5 }), { date: "2026-03-02T12:05:00Z", author: "gitgrant[bot]" });
    await repo.write(P.bob, "reason: Investigate INC-77, slow queries on the replica\nduration: 4h\nticket: INC-77\n");
    await repo.commit(evidenceMessage("Grant prod-db-read to bob (#2)", "", { grants: [{ path: P.bob, requester: "bob", tier: "conditional" }], revokes: [], approvedBy: ["carol"], pullRequest: 2 }), { date: "2026-03-02T12:10:00Z", author: "gitgrant[bot]" });
    const { slack, teams } = await run("2026-03-02T12:15:00Z", "2026-03-02T12:00:00Z", 2);
    expect(slack.map((b) => b.text)).toEqual([
      "alice's access to staging-deploy was revoked (expired) in #5 <@U0ALICE2>",
      "bob was granted prod-db-read for 4h, approved by carol",
    ]);
    expect(teams[0].attachments[0].content.msteams.entities[0].mentioned).toEqual({ id: "alice@acme.com", name: "alice" });
    expect(teams[1].attachments[0].content.msteams).toBeUndefined();
  });
});
