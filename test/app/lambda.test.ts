// The app on AWS Lambda: Probot's adapter invoked with an API Gateway event carrying a
// webhook signed with the app's secret, GitHub faked with nock, and the PR judged.
import { createHmac, generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createHandler, type WebhookEvent } from "../../src/app/lambda.js";
import { APP_ID, BASE, HEAD, NOW, R, REQUESTS, added, capture, contextReply, filesReply, github, pullRequestEvent, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => settle());
afterAll(() => nock.enableNetConnect());

const SECRET = "a-test-webhook-secret";
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;

function probot(): Probot {
  return new Probot({
    appId: APP_ID,
    privateKey,
    secret: SECRET,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } })),
  });
}

function apiGatewayEvent(name: string, payload: unknown, secret = SECRET, base64 = false): WebhookEvent {
  const body = JSON.stringify(payload);
  return {
    httpMethod: "POST",
    path: "/api/github/webhooks",
    // Header case as API Gateway passes them on: the adapter lower-cases them.
    headers: {
      "Content-Type": "application/json",
      "X-GitHub-Event": name,
      "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      "X-Hub-Signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  };
}

const FILE = "access/requests/staging-deploy/alice.yaml";

describe("the Lambda handler", () => {
  it("verifies the signature, judges the pull request and merges a self-service request", async () => {
    const handler = createHandler({ probot: probot(), app: { now: () => NOW, appId: APP_ID }, env: { WEBHOOK_SECRET: SECRET } });
    const gh = github();
    contextReply(gh);
    filesReply(gh, 7, [added(FILE, REQUESTS.selfService)]);
    const check = capture();
    // Claims are on as in every production app: the first run of this head is claimed first.
    gh.post(`${R}/git/refs`, (b: any) => String(b.ref).startsWith("refs/gitgrant/claims/pr/") && b.sha === BASE).reply(201, { ref: "refs/gitgrant/claims/pr/x", object: { type: "commit", sha: BASE } });
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.post(`${R}/issues/7/labels`).reply(200, []);
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === HEAD && b.merge_method === "squash").reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });

    const event = pullRequestEvent("opened", { author: "alice" });
    const result = await handler(apiGatewayEvent(event.name, event.payload, SECRET, true));
    gh.done();
    expect(result.statusCode).toBe(200);
    expect(check.bodies[0]).toMatchObject({ name: "gitgrant", head_sha: HEAD, conclusion: "success", output: { title: "Self-service: merging" } });
  });

  it("refuses a webhook signed with another secret, and calls GitHub for nothing", async () => {
    const handler = createHandler({ probot: probot(), app: { now: () => NOW, appId: APP_ID }, env: { WEBHOOK_SECRET: SECRET } });
    const event = pullRequestEvent("opened", { author: "alice" });
    const result = await handler(apiGatewayEvent(event.name, event.payload, "not-the-secret"));
    expect(result.statusCode).toBeGreaterThanOrEqual(400);
    expect(result.statusCode).toBeLessThan(500);
    expect(JSON.parse(result.body).error).toMatch(/signature does not match/);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("will not be built without a real webhook secret", () => {
    expect(() => createHandler({ probot: probot(), env: {} })).toThrow(/WEBHOOK_SECRET is not set/);
    expect(() => createHandler({ probot: probot(), env: { WEBHOOK_SECRET: "development" } })).toThrow(/Probot's public default/);
  });
});
