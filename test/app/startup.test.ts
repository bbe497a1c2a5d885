// Running the app in production: the webhook secret it refuses to start without, what it
// says on start and per delivery, the health endpoint, and "cannot reach GitHub" said as such.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import type { Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError } from "../../src/github/errors.js";
import { gitHub } from "../../src/github/octokit.js";
import { withDeliveryLog } from "../../src/app/delivery-log.js";
import { createApp } from "../../src/app/index.js";
import { checkStartup, configuredProviders } from "../../src/app/startup.js";
import { VERSION } from "../../src/operations/package-root.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

type Listener = (context: any) => Promise<void>;

/** Just enough of a Probot to load the app into: records listeners and log lines. */
function fakeApp() {
  const lines: string[] = [];
  const listeners = new Map<string, Listener>();
  const app = {
    on: (events: string | string[], fn: Listener) => [events].flat().forEach((e) => listeners.set(e, fn)),
    log: { info: (m: string) => void lines.push(m), warn: (m: string) => void lines.push(m), error: (m: string) => void lines.push(m) },
  };
  return { app: app as unknown as Probot, lines, listeners };
}

describe("starting the app", () => {
  it("refuses without WEBHOOK_SECRET or with Probot's public default, unless NODE_ENV=development", () => {
    expect(() => checkStartup({})).toThrow("WEBHOOK_SECRET is not set: gitgrant refuses to start");
    expect(() => checkStartup({ WEBHOOK_SECRET: "development", NODE_ENV: "production" })).toThrow(/Probot's public default "development"/);
    expect(() => checkStartup({ WEBHOOK_SECRET: "development", NODE_ENV: "test" })).toThrow(/refuses to start/);
    expect(() => checkStartup({ NODE_ENV: "development" })).not.toThrow();
    expect(() => checkStartup({ WEBHOOK_SECRET: "s3cret-from-the-app-settings" })).not.toThrow();
    const { app } = fakeApp();
    expect(() => createApp({ production: true, environment: {} })(app, { cwd: "/", addHandler: () => {} })).toThrow(/WEBHOOK_SECRET/);
  });

  it("logs one line with its version, app id, the events it serves and the providers configured", () => {
    const { app, lines } = fakeApp();
    createApp({ production: true, appId: 77, environment: { WEBHOOK_SECRET: "x", AZURE_TENANT_ID: "t", AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "never-logged", AWS_PROFILE: "gitgrant" } })(app, { cwd: "/", addHandler: () => {} });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^gitgrant ${VERSION.replace(/\./g, "\\.")} started: app id 77; serving `));
    for (const e of ["pull_request.opened", "pull_request.synchronize", "pull_request_review.submitted", "check_run.rerequested", "check_suite.rerequested", "push"]) expect(lines[0]).toContain(e);
    expect(lines[0]).toContain("providers github-team (installation token), aws-iam (profile gitgrant), gcp-iam (application default credentials, nothing set), entra-group (client credentials), local (.gitgrant/ledger.json)");
    expect(lines[0]).not.toContain("never-logged");
    expect(configuredProviders({})).not.toContain("entra-group (client credentials)");
  });

  it("serves GET /healthz without calling GitHub, and nothing else", async () => {
    // Probot's server tries the added handlers in order, awaiting each, until one takes the request.
    const handlers: Array<(req: any, res: any) => boolean | Promise<boolean>> = [];
    createApp({ production: true, appId: 77, environment: { WEBHOOK_SECRET: "x" } })(fakeApp().app, { cwd: "/", addHandler: (h) => void handlers.push(h as never) });
    const server = createServer(async (req, res) => {
      for (const h of handlers) if (await h(req, res)) return;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    nock.enableNetConnect("127.0.0.1");
    try {
      const ok = await fetch(`${base}/healthz`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-type")).toBe("application/json");
      expect(await ok.json()).toEqual({ status: "ok", version: VERSION, app_id: 77 });
      expect((await fetch(`${base}/healthz`, { method: "POST" })).status).toBe(405);
      expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
      // The PagerDuty webhook route is there too, and refuses everything without its secret.
      expect((await fetch(`${base}/pagerduty/webhook`, { method: "POST", body: "{}" })).status).toBe(503);
    } finally {
      nock.disableNetConnect();
      await new Promise((r) => server.close(r));
    }
  });
});

describe("each delivery", () => {
  const context = (log: string[]) => ({
    id: "d-1",
    name: "pull_request",
    payload: { action: "opened", repository: { full_name: "acme/access" }, pull_request: { number: 7 } },
    log: { info: (m: string) => void log.push(m), error: (m: string) => void log.push(m) },
  });

  it("logs one line when it arrives and one with its outcome", async () => {
    const { app, listeners } = fakeApp();
    let t = 1000;
    const logged = withDeliveryLog(app, [], () => (t += 25));
    logged.on("pull_request.opened", async () => {});
    const log: string[] = [];
    await listeners.get("pull_request.opened")!(context(log));
    expect(log).toEqual(["delivery d-1 pull_request.opened acme/access#7: received", "delivery d-1 pull_request.opened acme/access#7: handled in 25 ms"]);
  });

  it("says GitHub cannot be reached when the name does not resolve or the connection is refused, not that GitHub answered 500", async () => {
    const api = gitHub(new Octokit({ auth: "ghs_test", request: { retries: 0 } }));
    for (const code of ["ENOTFOUND", "ECONNREFUSED"]) {
      const scope = nock("https://api.github.com").get("/repos/acme/access").replyWithError({ code, message: `connect ${code} api.github.com` });
      const err = await api.rest.repos.get({ owner: "acme", repo: "access" }).catch((e: unknown) => e);
      scope.done();
      expect(describeError(err)).toBe(`cannot reach GitHub (${code}) on GET /repos/{owner}/{repo}: connect ${code} api.github.com`);

      const { app, listeners } = fakeApp();
      withDeliveryLog(app, [], () => 0).on("pull_request.opened", async () => {
        throw err;
      });
      const log: string[] = [];
      await expect(listeners.get("pull_request.opened")!(context(log))).rejects.toBe(err);
      expect(log[1]).toBe(`delivery d-1 pull_request.opened acme/access#7: failed after 0 ms: cannot reach GitHub (${code}) on GET /repos/{owner}/{repo}: connect ${code} api.github.com`);
    }
    const answered = nock("https://api.github.com").get("/repos/acme/access").reply(500, { message: "Server Error" });
    const err = await api.rest.repos.get({ owner: "acme", repo: "access" }).catch((e: unknown) => e);
    answered.done();
    expect(describeError(err)).toBe("GitHub answered 500 on GET /repos/{owner}/{repo}: Server Error");
  });
});
