// Delivery to webhooks on the wire: retried on 5xx/429/network errors, never on other 4xx,
// never sent twice in a run, and the secret URL never in an error.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { slackBody, teamsBody } from "../../src/core/chat.js";
import { EventConfigError, EventDispatcher, JsonLinesSink, sinksFromEnv } from "../../src/operations/event-sinks.js";
import type { AccessEvent } from "../../src/core/events.js";
import { retryAfterMs, WebhookSink } from "../../src/operations/event-webhook.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const SLACK = "https://hooks.slack.com";
const SLACK_PATH = "/services/T000/B000/XXXXsecretXXXX";
const TEAMS = "https://acme.webhook.office.com";
const TEAMS_PATH = "/webhookb2/secret-teams-path";
const SIEM = "https://siem.acme.example";

function event(over: Partial<AccessEvent> = {}): AccessEvent {
  return {
    id: "a".repeat(64),
    type: "grant",
    time: "2026-03-02T11:00:00Z",
    actor: "gitgrant",
    requester: "alice",
    resource: "prod-db-read",
    tier: "conditional",
    pr: 42,
    details: { path: "access/requests/prod-db-read/alice.yaml", expires_at: "2026-03-02T13:00:00Z" },
    message: "alice was granted prod-db-read for 2h, approved by bob",
    ...over,
  };
}

function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const env = { GITGRANT_SIEM_URL: `${SIEM}/ingest`, GITGRANT_SIEM_TOKEN: "siem-token-123", GITGRANT_SLACK_WEBHOOK_URL: SLACK + SLACK_PATH, GITGRANT_TEAMS_WEBHOOK_URL: TEAMS + TEAMS_PATH };

describe("webhook delivery", () => {
  it("a SIEM that fails with 500 then answers 200 gets the event twice, once accepted, after one backoff", async () => {
    const e = event();
    const scope = nock(SIEM, { reqheaders: { authorization: "Bearer siem-token-123", "content-type": "application/json" } })
      .post("/ingest", JSON.parse(JSON.stringify(e)))
      .reply(500, "upstream down")
      .post("/ingest", JSON.parse(JSON.stringify(e)))
      .reply(200, { ok: true });
    const r = recorder();
    const [siem] = sinksFromEnv({ GITGRANT_SIEM_URL: env.GITGRANT_SIEM_URL, GITGRANT_SIEM_TOKEN: env.GITGRANT_SIEM_TOKEN }, { sleep: r.sleep });
    const d = new EventDispatcher([siem!]);
    expect(await d.dispatch([e])).toEqual([{ sink: "siem", id: e.id, type: "grant", outcome: "sent" }]);
    expect(r.waits).toEqual([1000]);
    scope.done();
  });

  it("an event delivered once is not sent again in the same run", async () => {
    const e = event();
    const scope = nock(SLACK).post(SLACK_PATH, slackBody(e) as nock.RequestBodyMatcher).once().reply(200, "ok");
    const [slack] = sinksFromEnv({ GITGRANT_SLACK_WEBHOOK_URL: env.GITGRANT_SLACK_WEBHOOK_URL });
    const d = new EventDispatcher([slack!]);
    expect((await d.dispatch([e, e])).map((x) => x.outcome)).toEqual(["sent", "duplicate"]);
    expect((await d.dispatch([e])).map((x) => x.outcome)).toEqual(["duplicate"]);
    scope.done();
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("a 400 from Slack is not retried, and the error names the sink, never the URL", async () => {
    const e = event();
    const scope = nock(SLACK).post(SLACK_PATH).once().reply(400, "invalid_payload");
    const r = recorder();
    const [slack] = sinksFromEnv({ GITGRANT_SLACK_WEBHOOK_URL: env.GITGRANT_SLACK_WEBHOOK_URL }, { sleep: r.sleep });
    const [out] = await new EventDispatcher([slack!]).dispatch([e]);
    expect(out).toEqual({ sink: "slack", id: e.id, type: "grant", outcome: "failed", error: 'slack: HTTP 400 "invalid_payload" (not retried)' });
    expect(out!.error).not.toContain("secret");
    expect(r.waits).toEqual([]);
    scope.done();
  });

  it("429 waits as long as Retry-After says; a network error is retried too", async () => {
    const e = event();
    const scope = nock(TEAMS)
      .post(TEAMS_PATH, teamsBody(e) as nock.RequestBodyMatcher)
      .reply(429, "slow down", { "Retry-After": "7" })
      .post(TEAMS_PATH)
      .replyWithError({ code: "ECONNRESET", message: `socket hang up ${TEAMS}${TEAMS_PATH}` })
      .post(TEAMS_PATH)
      .reply(202);
    const r = recorder();
    const [teams] = sinksFromEnv({ GITGRANT_TEAMS_WEBHOOK_URL: env.GITGRANT_TEAMS_WEBHOOK_URL }, { sleep: r.sleep });
    expect((await new EventDispatcher([teams!]).dispatch([e]))[0]!.outcome).toBe("sent");
    expect(r.waits).toEqual([7000, 2000]);
    scope.done();
  });

  it("gives up after five attempts with exponential backoff, and does not hammer a sink that is down", async () => {
    const first = event();
    const second = event({ id: "b".repeat(64), message: "second" });
    const scope = nock(SIEM).post("/ingest").times(5).reply(503, "unavailable");
    const r = recorder();
    const [siem] = sinksFromEnv({ GITGRANT_SIEM_URL: env.GITGRANT_SIEM_URL }, { sleep: r.sleep });
    const out = await new EventDispatcher([siem!]).dispatch([first, second]);
    expect(out).toEqual([
      { sink: "siem", id: first.id, type: "grant", outcome: "failed", error: 'siem: HTTP 503 "unavailable" (gave up after 5 attempts)' },
      { sink: "siem", id: second.id, type: "grant", outcome: "failed", error: 'siem: not attempted, the sink is down (siem: HTTP 503 "unavailable" (gave up after 5 attempts))' },
    ]);
    expect(r.waits).toEqual([1000, 2000, 4000, 8000]);
    scope.done();
  });

  it("a network error's message (which may hold the URL) is reduced to its code", async () => {
    const scope = nock(SLACK).post(SLACK_PATH).replyWithError({ code: "ENOTFOUND", message: `getaddrinfo ENOTFOUND ${SLACK}${SLACK_PATH}` });
    const sink = new WebhookSink({ name: "slack", url: SLACK + SLACK_PATH, body: slackBody, retry: { attempts: 1 } });
    await expect(sink.send(event())).rejects.toThrow(/^slack: network error \(ENOTFOUND\) \(gave up after 1 attempts\)$/);
    scope.done();
  });

  it("chat sinks only get the types a person reads; the SIEM gets all", async () => {
    const sinks = sinksFromEnv(env);
    expect(sinks.map((s) => [s.name, s.wants("approval"), s.wants("grant"), s.wants("expiry_notice")])).toEqual([
      ["siem", true, true, true],
      ["slack", false, true, true],
      ["teams", false, true, true],
    ]);
    const custom = sinksFromEnv({ ...env, GITGRANT_CHAT_EVENTS: "revoke" });
    expect(custom[1]!.wants("grant")).toBe(false);
    expect(custom[1]!.wants("revoke")).toBe(true);
  });

  it("refuses a webhook URL that is not https (except localhost), without echoing it", () => {
    expect(() => sinksFromEnv({ GITGRANT_SLACK_WEBHOOK_URL: "http://hooks.example.com/secret-path" })).toThrow(new EventConfigError("GITGRANT_SLACK_WEBHOOK_URL must be an https URL"));
    expect(() => sinksFromEnv({ GITGRANT_SIEM_URL: "not a url with secret" })).toThrow("GITGRANT_SIEM_URL is not a URL");
    expect(sinksFromEnv({ GITGRANT_SIEM_URL: "http://localhost:8088/collect" })).toHaveLength(1);
  });

  it("Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-03-02T11:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs("Mon, 02 Mar 2026 11:00:10 GMT", now)).toBe(10_000);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});

describe("chat bodies", () => {
  it("Slack: text plus blocks, with <, > and & escaped so a reason cannot ping @channel or forge a link", () => {
    const e = event({ message: "alice asked for x: <!channel> see <https://evil|docs> & more" });
    expect(slackBody(e)).toEqual({
      text: "alice asked for x: &lt;!channel&gt; see &lt;https://evil|docs&gt; &amp; more",
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: "alice asked for x: &lt;!channel&gt; see &lt;https://evil|docs&gt; &amp; more" } },
        { type: "context", elements: [{ type: "mrkdwn", text: "grant · tier conditional · PR #42 · 2026-03-02T11:00:00Z" }] },
      ],
    });
  });

  it("Teams: a message with one Adaptive Card; markdown links are broken apart", () => {
    expect(teamsBody(event({ type: "expiry_notice", pr: null, tier: null, message: "see [docs](https://evil)" }))).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "TextBlock", text: "see [docs] (https://evil)", wrap: true },
              { type: "TextBlock", text: "expiry notice · 2026-03-02T11:00:00Z", wrap: true, isSubtle: true, size: "Small" },
            ],
          },
        },
      ],
    });
  });
});

describe("JSON lines", () => {
  it("appends one event per line to a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gitgrant-events-"));
    try {
      const file = join(dir, "events.jsonl");
      const d = new EventDispatcher([new JsonLinesSink({ file })]);
      await d.dispatch([event(), event({ id: "c".repeat(64), type: "revoke" })]);
      await d.close();
      const lines = (await readFile(file, "utf8")).split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[2]).toBe("");
      expect(JSON.parse(lines[0]!)).toEqual(event());
      expect(JSON.parse(lines[1]!).type).toBe("revoke");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
