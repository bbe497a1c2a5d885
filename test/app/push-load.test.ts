// Issue 10 item 7, the push side: merges whose push webhooks arrive together each grant
// exactly once on the real local ledger (providers built once per process, applies of one
// repository in turn), and one push delivered five times at once is applied once. Real push
// payloads from @octokit/webhooks-examples; GitHub on nock.
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APPLY_CHECK_NAME, makePushHandler } from "../../src/app/handlers/push.js";
import { Coalescer } from "../../src/app/coalesce.js";
import { ProcessProviders } from "../../src/app/providers.js";
import { ExpiryTimers } from "../../src/app/expiry-timers.js";
import { providersForApply } from "../../src/operations/apply-providers.js";
import { readLedger } from "../../src/providers/local.js";
import { RecordingProvider } from "../helpers/providers.js";
import { org, request } from "../helpers/orgs.js";
import { branchTipReads, freshReceiptNotes, tipShaRead } from "../helpers/github-replies.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
const realPush = examples.find((e) => e.name === "push")!.examples.find((p) => p.installation && p.ref === "refs/heads/master" && !p.deleted)!;

const API = "https://api.github.com";
const R = "/repos/Codertocat/Hello-World";
const NOW = new Date("2026-03-02T10:00:05Z");
const LANDED = "2026-03-02T10:00:00Z";
const CONFIG_PATHS = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

const MERGES = 30;
const sha = (n: number, salt: string) => createHash("sha1").update(`${salt}${n}`).digest("hex");
/** Every merge adds one person's staging-deploy request (the local provider). */
const login = (i: number) => `user${i}`;
const fileOf = (i: number) => `access/requests/staging-deploy/${login(i)}.yaml`;
const identities = `users:\n${Array.from({ length: MERGES }, (_, i) => `  ${login(i)}:\n    local: ${login(i)}\n`).join("")}`;
const files: Record<string, string> = { ...org("apply").files(), "access/identities.yaml": identities };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function probotWith(handler: ReturnType<typeof makePushHandler>): Probot {
  const probot = new Probot({ appId: 123, privateKey, logLevel: "fatal", Octokit: ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } })) });
  probot.load((app) => app.on("push", handler));
  return probot;
}

function pushPayload(i: number) {
  const p = structuredClone(realPush);
  Object.assign(p, { before: sha(i, "before"), after: sha(i, "after"), created: false });
  p.head_commit = { ...p.head_commit, id: sha(i, "after"), timestamp: LANDED };
  return p;
}

/** The GitHub side of merge `i`: compare, the one GraphQL read, the check run created then completed. */
function serveMerge(scope: nock.Scope, i: number, seen: string[]) {
  const before = sha(i, "before");
  const after = sha(i, "after");
  scope
    .get(`${R}/compare/${before}...${after}`)
    .query({ per_page: "1" })
    .reply(200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: fileOf(i), status: "added", additions: 2, deletions: 0, changes: 2 }] });
  scope
    .post("/graphql", (b: any) => String(b.query).includes("query gitgrantPush") && b.variables.after === after)
    .reply(200, () => {
      seen.push(after);
      const texts = [...CONFIG_PATHS.map((p) => files[p]), request("2h")];
      return { data: { repository: { ...Object.fromEntries(texts.map((t, k) => [`f${k}`, t === undefined ? null : { oid: createHash("sha1").update(String(t)).digest("hex"), text: t, isBinary: false, isTruncated: false }])), pushed: { checkSuites: { nodes: [] }, associatedPullRequests: { nodes: [] } } } } };
    });
  scope.post(`${R}/check-runs`, (b: any) => b.name === APPLY_CHECK_NAME && b.head_sha === after).reply(201, { id: 1000 + i });
  scope.patch(`${R}/check-runs/${1000 + i}`, (b: any) => b.conclusion === "success").reply(200, { id: 1000 + i });
}

describe("pushes that arrive together", () => {
  it(`${MERGES} merges delivered at once, each converged to the tip: every grant is in the local ledger exactly once, every check run says so`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "gitgrant-ledger-"));
    try {
      const ledgerPath = join(dir, "ledger.json");
      const providers = new ProcessProviders((o) => providersForApply({ ...o, local: { ledgerPath } }));
      const probot = probotWith(makePushHandler({ now: () => NOW, processProviders: providers }));
      const scope = nock(API);
      scope.post("/app/installations/1/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: {} });
      const seen: string[] = [];
      for (let i = 0; i < MERGES; i++) serveMerge(scope, i, seen);
      // Every push converges staging-deploy to the branch tip, which holds all the merges'
      // files: the first convergence grants the merges not applied yet, and their own pushes
      // then find the grant in place. The pushed trees (older than the tip) are never used.
      const tip = sha(MERGES, "tip");
      const all = { ...files, ...Object.fromEntries(Array.from({ length: MERGES }, (_, i) => [fileOf(i), request("2h")])) };
      branchTipReads(scope, { repo: R, branch: "master", sha: tip, files: all, resources: ["staging-deploy"], landed: LANDED, times: MERGES });
      tipShaRead(scope, { repo: R, branch: "master", sha: tip, times: "any" });
      freshReceiptNotes(scope, { records: false, repo: R, reads: "any" });

      await Promise.all(Array.from({ length: MERGES }, (_, i) => probot.receive({ id: `d${i}`, name: "push", payload: pushPayload(i) as never })));

      scope.done();
      const ledger = await readLedger(ledgerPath);
      expect(Object.keys(ledger.grants).sort()).toEqual(Array.from({ length: MERGES }, (_, i) => `staging-deploy/${login(i)}`).sort());
      // One provider set for the process (and one github-team for the installation), not one per delivery.
      expect(providers.builds).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("one push delivered five times at once is applied once: one read, one check run, one grant", async () => {
    const local = new RecordingProvider("local");
    const probot = probotWith(makePushHandler({ now: () => NOW, providers: () => ({ local }), inflight: { pushes: new Coalescer<void>() } }));
    const scope = nock(API);
    scope.post("/app/installations/1/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: {} });
    serveMerge(scope, 0, []);
    // The one run's convergence, once too: one tip read, one listing, the notes read again.
    branchTipReads(scope, { repo: R, branch: "master", sha: sha(0, "after"), files: { ...files, [fileOf(0)]: request("2h") }, resources: ["staging-deploy"], landed: LANDED });
    tipShaRead(scope, { repo: R, branch: "master", sha: sha(0, "after") });
    freshReceiptNotes(scope, { records: false, repo: R, reads: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => probot.receive({ id: `same-${n}`, name: "push", payload: pushPayload(0) as never })));
    scope.done();
    expect(local.calls.map((c) => c.op)).toEqual(["grant", "list"]);
  });

  it("a push's grant on a target without native expiry gets its expiry timer from the applied plan", async () => {
    const local = new RecordingProvider("local");
    const timers = new ExpiryTimers({ clock: { now: () => NOW.getTime(), setTimeout: () => 0, clearTimeout: () => {} } });
    const probot = probotWith(makePushHandler({ now: () => NOW, providers: () => ({ local }), timers, converge: false }));
    const scope = nock(API);
    scope.post("/app/installations/1/access_tokens").reply(201, { token: "ghs_installation", expires_at: "2026-03-02T11:00:00Z", permissions: {} });
    serveMerge(scope, 0, []);
    await probot.receive({ id: "timed", name: "push", payload: pushPayload(0) as never });
    scope.done();
    expect(timers.pending("Codertocat", "Hello-World")).toEqual([{ path: fileOf(0), expiresAt: "2026-03-02T12:00:00Z" }]);
  });
});
