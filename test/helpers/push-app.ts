// The push handler under test: a real push payload (with an installation) from
// @octokit/webhooks-examples, a Probot with retries and throttling off, and the GitHub
// shapes the push's reads answer with.
import { createHash, generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import { Probot, ProbotOctokit } from "probot";
import type { makePushHandler } from "../../src/app/handlers/push.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
/** refs/heads/master of Codertocat/Hello-World, with installation 1. */
export const realPush = examples.find((e) => e.name === "push")!.examples.find((p) => p.installation && p.ref === "refs/heads/master" && !p.deleted)!;
export const PUSH_REPO = "/repos/Codertocat/Hello-World";
export const CONFIG_PATHS = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

/** A Probot serving only `handler` on push (app id 123). */
export function pushProbot(handler: ReturnType<typeof makePushHandler>): Probot {
  const probot = new Probot({ appId: 123, privateKey, logLevel: "fatal", Octokit: ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } })) });
  probot.load((app) => app.on("push", handler));
  return probot;
}

/** The real payload moved to before..after, its head commit landed at `landed`. */
export function pushPayload(m: { before: string; after: string }, landed = "2026-03-02T10:00:00Z"): Record<string, any> {
  const p = structuredClone(realPush);
  Object.assign(p, { before: m.before, after: m.after, created: false });
  p.head_commit = { ...p.head_commit, id: m.after, timestamp: landed };
  return p;
}

/** git's blob id of a text, as GitHub reports it. */
export function blobId(text: string): string {
  return createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest("hex");
}
