// gitgrant events on the known history: JSON lines out, --send to the configured webhooks.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runEvents } from "../../src/cli/commands/events.js";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { slackBody } from "../../src/core/chat.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { buildKnownHistory, type KnownHistory } from "../helpers/history.js";

let h: KnownHistory;
beforeAll(async () => {
  nock.disableNetConnect();
  h = await buildKnownHistory();
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  nock.enableNetConnect();
  await cleanupRepos();
});

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: h.repo.dir, env };
  return { io: value, out, err };
}

const SLACK_PATH = "/services/T1/B1/sekret";

describe("gitgrant events", () => {
  it("prints JSON lines since a date, with an expiry notice for the grant about to end", async () => {
    const c = io();
    const code = await main(["events", "--repo", h.repo.dir, "--since", "2026-03-02T13:00:00Z", "--now", "2026-03-02T18:50:00Z", "--format", "json"], c.io);
    expect(code).toBe(0);
    const events = c.out.join("\n").split("\n").map((l) => JSON.parse(l));
    expect(events.map((e) => [e.type, e.requester])).toEqual([["decision", "bob"], ["approval", "bob"], ["grant", "bob"], ["revoke", "dave"], ["expiry_notice", "bob"]]);
    expect(events[4].message).toBe("bob's access to prod-db-read expires in 10m (at 2026-03-02 19:00 UTC)");
  });

  it("--send posts the chat events to Slack and reports what it sent, not the URL", async () => {
    const c = io({ GITGRANT_SLACK_WEBHOOK_URL: `https://hooks.slack.com${SLACK_PATH}` });
    const { events } = await runEvents({ repo: h.repo.dir, ref: "HEAD", since: "2026-03-02T13:00:00Z", now: "2026-03-02T15:00:00Z", format: "json" }, io().io);
    const chat = events.filter((e) => ["grant", "revoke"].includes(e.type));
    let scope = nock("https://hooks.slack.com");
    for (const e of chat) scope = scope.post(SLACK_PATH, slackBody(e) as nock.RequestBodyMatcher).reply(200, "ok");
    const code = await main(["events", "--repo", h.repo.dir, "--since", "2026-03-02T13:00:00Z", "--now", "2026-03-02T15:00:00Z", "--send"], c.io);
    expect(code).toBe(0);
    expect(c.err).toEqual(["sent: slack 2; failed: 0"]);
    scope.done();
  });

  it("a failed delivery exits 1 and says why, once", async () => {
    const c = io({ GITGRANT_SLACK_WEBHOOK_URL: `https://hooks.slack.com${SLACK_PATH}` });
    const scope = nock("https://hooks.slack.com").post(SLACK_PATH).times(2).reply(404, "no_service");
    const r = await runEvents({ repo: h.repo.dir, since: "2026-03-02T13:00:00Z", now: "2026-03-02T15:00:00Z", send: true }, c.io, { sleep: async () => {} });
    expect(r.code).toBe(1);
    // The second event is still tried (a 4xx is about that request, not the sink being down), never retried.
    expect(r.deliveries.map((d) => d.outcome)).toEqual(["failed", "failed"]);
    expect(c.err).toEqual(["sent: slack 0; failed: 2", 'error: slack: HTTP 404 "no_service" (not retried)']);
    expect(c.err.join("\n")).not.toContain("sekret");
    scope.done();
  });

  it("--send with no webhook configured is a usage error", async () => {
    const c = io();
    expect(await main(["events", "--repo", h.repo.dir, "--send"], c.io)).toBe(2);
    expect(c.err).toEqual(["gitgrant: --send needs GITGRANT_SIEM_URL, GITGRANT_SLACK_WEBHOOK_URL or GITGRANT_TEAMS_WEBHOOK_URL in the environment"]);
  });
});
