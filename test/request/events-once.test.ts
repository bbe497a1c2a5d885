// gitgrant events --once: each run sends exactly what came after the range the last run
// recorded on refs/gitgrant/events (pushed to the remote), so a second run sends nothing.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runEvents } from "../../src/cli/commands/events.js";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { slackBody } from "../../src/core/chat.js";
import { EVENTS_REF } from "../../src/operations/notify.js";
import { cleanupRepos } from "../helpers/gitrepo.js";
import { buildKnownHistory, P, type KnownHistory } from "../helpers/history.js";

const SLACK = "https://hooks.slack.com";
const SLACK_PATH = "/services/T1/B1/sekret";
const ENV = { GITGRANT_SLACK_WEBHOOK_URL: `${SLACK}${SLACK_PATH}` };
let h: KnownHistory;
let bare: string;

beforeAll(async () => {
  nock.disableNetConnect();
  h = await buildKnownHistory();
  bare = join(mkdtempSync(join(tmpdir(), "gitgrant-origin-")), "origin.git");
  execFileSync("git", ["init", "--quiet", "--bare", bare]);
  await h.repo.git("remote", "add", "origin", bare);
  await h.repo.git("push", "--quiet", "origin", "main");
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  nock.enableNetConnect();
  await cleanupRepos();
});

function io() {
  const err: string[] = [];
  const value: Io = { out: () => {}, err: (t) => err.push(t), cwd: h.repo.dir, env: ENV };
  return { io: value, err };
}

const args = (now: string) => ["events", "--repo", h.repo.dir, "--once", "--remote", "origin", "--send", "--now", now, "--format", "json"];

describe("gitgrant events --once", () => {
  it("sends the history and the due expiry notice once; the same run again sends nothing; a new commit sends only its own events", async () => {
    const all = (await runEvents({ repo: h.repo.dir, ref: "HEAD", now: "2026-03-02T18:50:00Z", format: "json" }, { ...io().io, env: {} })).events;
    const chat = all.filter((e) => ["grant", "revoke", "failure", "expiry_notice"].includes(e.type));
    expect(chat.map((e) => e.type)).toContain("expiry_notice");
    let scope = nock(SLACK);
    for (const e of chat) scope = scope.post(SLACK_PATH, slackBody(e) as nock.RequestBodyMatcher).reply(200, "ok");

    const first = io();
    expect(await main(args("2026-03-02T18:50:00Z"), first.io)).toBe(0);
    scope.done();
    expect(first.err[0]).toBe(`sent: slack ${chat.length}; failed: 0`);
    // The record is on the remote: another runner (a fresh checkout) starts from it.
    const recorded = execFileSync("git", ["--git-dir", bare, "log", "-1", "--format=%B", EVENTS_REF], { encoding: "utf8" });
    expect(recorded).toContain(`Events-to: ${h.sha.sweep}`);
    expect(recorded).toContain("Events-until: 2026-03-02T18:50:00.000Z");

    // Five minutes later, as the schedule runs it: nothing new, nothing sent (no interceptor would match).
    const second = io();
    expect(await main(args("2026-03-02T18:55:00Z"), second.io)).toBe(0);
    expect(second.err[0]).toBe("sent: slack 0; failed: 0");
    expect(nock.pendingMocks()).toEqual([]);

    // A new grant lands: only its own events go out.
    await h.repo.write(P.alice, "reason: Deploy the release candidate to staging again\nduration: 2h\n");
    const sha = await h.repo.commit("alice again, pushed by hand", { date: "2026-03-02T19:00:00Z", author: "carol" });
    await h.repo.git("push", "--quiet", "origin", "main");
    const fresh = (await runEvents({ repo: h.repo.dir, ref: "HEAD", now: "2026-03-02T19:01:00Z", format: "json" }, { ...io().io, env: {} })).events.filter((e) => e.details.sha === sha && e.type === "grant");
    expect(fresh).toHaveLength(1);
    scope = nock(SLACK).post(SLACK_PATH, slackBody(fresh[0]!) as nock.RequestBodyMatcher).reply(200, "ok");
    const third = io();
    expect(await main(args("2026-03-02T19:01:00Z"), third.io)).toBe(0);
    scope.done();
    expect(third.err[0]).toBe("sent: slack 1; failed: 0");
  });

  it("a delivery that failed is owed to the next run, and only to the sink that failed it", async () => {
    await h.repo.write(P.bob, "reason: Investigate INC-78, the replica again\nduration: 1h\n");
    await h.repo.commit("bob again", { date: "2026-03-02T20:00:00Z", author: "carol" });
    await h.repo.git("push", "--quiet", "origin", "main");
    let scope = nock(SLACK).post(SLACK_PATH).reply(400, "invalid_payload");
    const failing = io();
    expect(await main(args("2026-03-02T20:01:00Z"), failing.io)).toBe(1);
    scope.done();
    expect(failing.err.join("\n")).toContain("1 failed deliveries owed to the next run");
    scope = nock(SLACK).post(SLACK_PATH).reply(200, "ok");
    const next = io();
    expect(await main(args("2026-03-02T20:02:00Z"), next.io)).toBe(0);
    scope.done();
    expect(next.err[0]).toBe("sent: slack 1; failed: 0");
    const last = io();
    expect(await main(args("2026-03-02T20:03:00Z"), last.io)).toBe(0);
    expect(last.err[0]).toBe("sent: slack 0; failed: 0");
  });

  it("on GitHub the record is a ref written through the API: created once, then fast-forwarded only; a racing run is refused", async () => {
    const env = { GITHUB_TOKEN: "ghs_test", GITHUB_REPOSITORY: "acme/access" };
    const head = await h.repo.sha();
    const tree = (await h.repo.git("rev-parse", "HEAD^{tree}")).trim();
    const c = () => ({ io: { out: () => {}, err: (t: string) => errs.push(t), cwd: h.repo.dir, env } as Io });
    const errs: string[] = [];
    const made = "9".repeat(40);
    let gh = nock("https://api.github.com")
      .get("/repos/acme/access/git/ref/gitgrant%2Fevents").reply(404, { message: "Not Found", status: "404" })
      .post("/repos/acme/access/git/commits", (b) => b.tree === tree && b.parents.length === 0 && b.message.includes(`Events-to: ${head}`) && b.message.includes("Events-until: 2026-03-02T21:00:00.000Z"))
      .reply(201, { sha: made })
      .post("/repos/acme/access/git/refs", { ref: "refs/gitgrant/events", sha: made }).reply(201, { ref: "refs/gitgrant/events", object: { sha: made } });
    const firstCode = await main(["events", "--repo", h.repo.dir, "--once", "--now", "2026-03-02T21:00:00Z", "--format", "json"], c().io);
    expect(firstCode).toBe(0);
    gh.done();
    expect(errs.at(-1)).toBe(`recorded: events up to ${head.slice(0, 7)} and 2026-03-02T21:00:00.000Z in refs/gitgrant/events on acme/access (9999999)`);

    const next = "8".repeat(40);
    gh = nock("https://api.github.com")
      .get("/repos/acme/access/git/ref/gitgrant%2Fevents").reply(200, { ref: "refs/gitgrant/events", object: { sha: made, type: "commit" } })
      .get(`/repos/acme/access/git/commits/${made}`).reply(200, { sha: made, message: `gitgrant events: sent up to x\n\nEvents-to: ${head}\nEvents-until: 2026-03-02T21:00:00.000Z\n`.replace(/\\n/g, "\n"), tree: { sha: tree }, parents: [] })
      .post("/repos/acme/access/git/commits", (b) => b.parents[0] === made).reply(201, { sha: next })
      .patch("/repos/acme/access/git/refs/gitgrant%2Fevents", { sha: next, force: false })
      .reply(422, { message: "Update is not a fast forward", status: "422" });
    errs.length = 0;
    expect(await main(["events", "--repo", h.repo.dir, "--once", "--now", "2026-03-02T21:05:00Z", "--format", "json"], c().io)).toBe(1);
    gh.done();
    expect(errs).toEqual(["error: another run recorded refs/gitgrant/events first: the events just sent may be sent again by the next run"]);
  });

  it("--remote without --once is a usage error", async () => {
    const c = io();
    expect(await main(["events", "--repo", h.repo.dir, "--remote", "origin"], c.io)).toBe(2);
  });
});
