/**
 * The app under test: Probot in test mode (no retries, no throttling), real webhook payloads
 * from @octokit/webhooks-examples, and GitHub faked with nock on its real wire format.
 *
 *   const gh = github();                       // nock scope, installation token included
 *   gh.context({ number: 7, files: {...} });   // the GraphQL snapshot (PR + base rules + check run)
 *   gh.files(7, [added("access/requests/x/alice.yaml", text)]);
 *   await receive(pullRequestEvent("opened", { number: 7, author: "alice" }));
 *   gh.done();
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { createApp, type AppOptions } from "../../src/app/index.js";
import { org } from "./orgs.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;

export const API = "https://api.github.com";
export const OWNER = "acme";
export const REPO = "access";
export const R = `/repos/${OWNER}/${REPO}`;
export const BASE = "b".repeat(40);
export const HEAD = "c".repeat(40);
export const NOW = new Date("2026-11-30T10:00:00Z"); // a Monday, in business hours
export const APP_ID = 1;
export const INSTALLATION = 4242;

/** The base branch's config files as the app reads them (null: missing), from test/fixtures/orgs/app. */
export const BASE_FILES: Record<string, string | null> = {
  ...org("app").files(),
  CODEOWNERS: null,
  "docs/CODEOWNERS": null,
};
export const CONFIG_ORDER = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;

/** A Probot with the app loaded, as `npm start` would run it, but with the clock pinned. */
export async function makeProbot(now: Date = NOW, options: Omit<AppOptions, "now" | "appId"> = {}): Promise<Probot> {
  const probot = new Probot({
    appId: APP_ID,
    privateKey,
    logLevel: "fatal",
    // Probot 14 replaces a plain `throttle` default; spreading the incoming options is what turns it off.
    Octokit: ProbotOctokit.defaults((instanceOptions: any) => ({
      ...instanceOptions,
      retry: { enabled: false },
      throttle: { ...instanceOptions.throttle, enabled: false },
    })),
  });
  // Claims across replicas cost one POST /git/refs per publication; each test here serves one
  // process, so they are off unless the test asks (test/app/replicas.test.ts does).
  await probot.load(createApp({ now: () => now, appId: APP_ID, claims: false, ...options }));
  return probot;
}

/** Requests nock had no interceptor for: every test file asserts this stays empty. */
export const unmatched: string[] = [];
nock.emitter.on("no match", (req: any) => unmatched.push(`${req.method} ${req.path ?? req.href ?? ""}`));

/** afterEach: no call the test did not expect, no expected call left out. */
export function settle(): void {
  const extra = unmatched.splice(0);
  const pending = nock.pendingMocks();
  nock.cleanAll();
  if (extra.length || pending.length) throw new Error(`unexpected calls: ${JSON.stringify(extra)}; calls not made: ${JSON.stringify(pending)}`);
}

let deliveries = 0;
export async function receive(probot: Probot, event: { name: string; payload: Record<string, any> }): Promise<void> {
  await probot.receive({ id: `delivery-${++deliveries}`, name: event.name, payload: event.payload } as any);
}

function example(name: string, action: string): Record<string, any> {
  const found = examples.find((e) => e.name === name)?.examples.find((x) => x.action === action && x.installation);
  if (!found) throw new Error(`no ${name}.${action} example with an installation`);
  return structuredClone(found);
}

function repository(base: Record<string, any>): Record<string, any> {
  return { ...base, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { ...base.owner, login: OWNER, type: "Organization" } };
}

export interface PrFields {
  number?: number;
  author?: string;
  head?: string;
  base?: string;
  draft?: boolean;
  labels?: string[];
  changedFiles?: number;
  /** For "closed": merged at this time. */
  mergedAt?: string;
  headRef?: string;
  baseRef?: string;
  authorType?: "User" | "Bot";
}

function pullRequest(pr: Record<string, any>, f: PrFields): Record<string, any> {
  pr.number = f.number ?? 7;
  pr.user = { ...pr.user, login: f.author ?? "alice", type: f.authorType ?? "User" };
  pr.head = { ...pr.head, sha: f.head ?? HEAD, ref: f.headRef ?? "request-access" };
  if (f.mergedAt) Object.assign(pr, { merged: true, merged_at: f.mergedAt, state: "closed", closed_at: f.mergedAt });
  pr.base = { ...pr.base, ref: f.baseRef ?? "main", sha: f.base ?? BASE, repo: repository(pr.base.repo) };
  pr.draft = f.draft ?? false;
  pr.labels = (f.labels ?? []).map((name, i) => ({ id: i + 1, name }));
  if ("changed_files" in pr || f.changedFiles !== undefined) pr.changed_files = f.changedFiles ?? 1;
  return pr;
}

export function pullRequestEvent(action: string, f: PrFields = {}): { name: string; payload: Record<string, any> } {
  const p = example("pull_request", action === "synchronize" || action === "ready_for_review" || action === "closed" ? action : "opened");
  p.action = action;
  p.number = f.number ?? 7;
  p.repository = repository(p.repository);
  p.installation = { ...p.installation, id: INSTALLATION };
  pullRequest(p.pull_request, f);
  return { name: "pull_request", payload: p };
}

export function reviewEvent(action: "submitted" | "dismissed", f: PrFields & { reviewer: string; state: string }): { name: string; payload: Record<string, any> } {
  const p = example("pull_request_review", action === "dismissed" ? "dismissed" : "submitted");
  p.action = action;
  p.repository = repository(p.repository);
  p.installation = { ...p.installation, id: INSTALLATION };
  pullRequest(p.pull_request, f);
  p.review = { ...p.review, user: { ...p.review.user, login: f.reviewer }, state: f.state.toLowerCase(), commit_id: f.head ?? HEAD };
  return { name: "pull_request_review", payload: p };
}

export function checkRunEvent(f: { head?: string; pulls: Array<{ number: number; base?: string }>; runId?: number; externalId?: string | null }): { name: string; payload: Record<string, any> } {
  const p = example("check_run", "rerequested");
  p.repository = repository(p.repository);
  p.installation = { ...p.installation, id: INSTALLATION };
  const repo = { id: p.repository.id, url: `${API}${R}`, name: REPO };
  p.check_run = {
    ...p.check_run,
    id: f.runId ?? 555,
    name: "gitgrant",
    head_sha: f.head ?? HEAD,
    external_id: f.externalId ?? "",
    pull_requests: f.pulls.map((x) => ({ url: `${API}${R}/pulls/${x.number}`, id: x.number, number: x.number, head: { ref: "topic", sha: f.head ?? HEAD, repo }, base: { ref: "main", sha: x.base ?? BASE, repo } })),
  };
  return { name: "check_run", payload: p };
}

/**
 * nock for api.github.com with the installation token a Probot asks for on its first
 * delivery (it keeps the token for later ones: pass `{ token: false }` then).
 */
export function github(options: { token?: boolean } = {}) {
  const scope = nock(API);
  if (options.token !== false) scope.post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" });
  return scope;
}

export interface ContextReply {
  number?: number;
  base?: string;
  head?: string;
  /** The PR's current head as GitHub reports it (default: the judged head). */
  currentHead?: string;
  author?: string;
  authorType?: "User" | "Bot";
  title?: string;
  body?: string;
  draft?: boolean;
  state?: "OPEN" | "CLOSED" | "MERGED";
  headRef?: string;
  labels?: string[];
  changedFiles?: number;
  fork?: boolean;
  /** Base-branch files, by path (null: missing). Default BASE_FILES. */
  files?: Record<string, string | null>;
  checkRun?: { id: number; externalId: string | null; status?: string; appId?: number; completedAt?: string } | null;
  /** The PR's base branch (default main) and the repository's default branch (default main). */
  baseRef?: string;
  /** The PR's base as GitHub reports it now (default: baseRef). */
  currentBase?: string;
  defaultBranch?: string;
  mergeQueue?: boolean;
  /** The commit body of an armed auto-merge. */
  autoMerge?: string | null;
  commits?: number;
  /** Entries under access/ at the head with their git modes (33188 = 100644), by path; default: not listed (null). */
  headModes?: Record<string, number>;
  /** Request files on the base; default none (no access/requests folder). `undefined` in the answer: pass "unlisted". */
  baseRequests?: string[] | "unlisted";
  /** Give each config blob its git id, as GitHub does (the app then parses a config once per id set). */
  oids?: boolean;
}

/** GraphQL's Tree of `paths` (relative to `prefix`), with modes when given. */
function treeOf(prefix: string, paths: string[], modes: Record<string, number> = {}): Record<string, any> {
  const root: Record<string, any> = { entries: [] };
  for (const full of paths) {
    const parts = full.slice(prefix.length + 1).split("/");
    let node = root;
    parts.forEach((name, i) => {
      const leaf = i === parts.length - 1;
      let e = node.entries.find((x: any) => x.name === name);
      if (!e) {
        const path = `${prefix}/${parts.slice(0, i + 1).join("/")}`;
        e = { name, type: leaf ? (modes[path] === 57344 ? "commit" : "blob") : "tree", mode: leaf ? (modes[path] ?? 33188) : 16384, ...(leaf ? {} : { object: { entries: [] } }) };
        node.entries.push(e);
      }
      if (!leaf) node = e.object;
    });
  }
  return root;
}

/**
 * The GraphQL snapshot query's variables are asserted here: the rules are read at the base
 * branch's tip (refs/heads/main), whose SHA the reply gives as `base` (default BASE).
 */
export function contextReply(scope: nock.Scope, c: ContextReply = {}, seen?: Array<Record<string, any>>, delayMs = 0): nock.Scope {
  const base = c.base ?? BASE;
  const head = c.head ?? HEAD;
  const interceptor = scope.post("/graphql", (body: any) => {
      if (!String(body.query).includes("query gitgrantContext")) return false;
      const v = body.variables;
      const ok = v.owner === OWNER && v.repo === REPO && v.number === (c.number ?? 7) && v.head === head && v.baseRef === `refs/heads/${c.baseRef ?? "main"}` && CONFIG_ORDER.every((p, i) => v[`c${i}`] === `refs/heads/${c.baseRef ?? "main"}:${p}`)
        && v.headAccess === `${head}:access` && v.baseRequests === `refs/heads/${c.baseRef ?? "main"}:access/requests`;
      if (ok) seen?.push(body);
      return ok;
    });
  return (delayMs ? interceptor.delay(delayMs) : interceptor).reply(200, () => {
      const files = c.files ?? BASE_FILES;
      const repository: Record<string, any> = {
        pullRequest: {
          id: `PR_node_${c.number ?? 7}`,
          number: c.number ?? 7,
          title: c.title ?? "Access request",
          body: c.body ?? "",
          isDraft: c.draft ?? false,
          state: c.state ?? "OPEN",
          headRefOid: c.currentHead ?? head,
          headRefName: c.headRef ?? "request-access",
          baseRefName: c.currentBase ?? c.baseRef ?? "main",
          changedFiles: c.changedFiles ?? 1,
          isCrossRepository: c.fork ?? false,
          author: { __typename: c.authorType ?? "User", login: c.author ?? "alice" },
          labels: { nodes: (c.labels ?? []).map((name) => ({ name })) },
          commits: { totalCount: c.commits ?? 1 },
          autoMergeRequest: c.autoMerge ? { commitBody: c.autoMerge } : null,
        },
        defaultBranchRef: { name: c.defaultBranch ?? "main" },
        mergeQueue: c.mergeQueue ? { id: "MQ_1" } : null,
        baseTip: { target: { oid: base } },
        headAccess: c.headModes ? treeOf("access", Object.keys(c.headModes), c.headModes) : null,
        ...(c.baseRequests === "unlisted" ? {} : { baseRequests: c.baseRequests?.length ? treeOf("access/requests", c.baseRequests) : null }),
        head: {
          checkSuites: {
            nodes: c.checkRun
              ? [{ app: { databaseId: c.checkRun.appId ?? APP_ID }, checkRuns: { nodes: [{ databaseId: c.checkRun.id, externalId: c.checkRun.externalId, status: c.checkRun.status ?? "COMPLETED", ...(c.checkRun.completedAt ? { completedAt: c.checkRun.completedAt } : {}) }] } }]
              : [],
          },
        },
      };
      CONFIG_ORDER.forEach((p, i) => {
        const text = p in files ? files[p] : null;
        repository[`c${i}`] = text === null || text === undefined ? null : { text, isBinary: false, isTruncated: false, ...(c.oids ? { oid: gitBlobId(text) } : {}) };
      });
      return { data: { repository } };
    });
}

/** git's id of a blob with this text. */
export function gitBlobId(text: string): string {
  const bytes = Buffer.from(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** A REST pull-request file entry as GET .../pulls/{n}/files lists it. */
export function added(filename: string, text: string) {
  const lines = text.replace(/\n$/, "").split("\n");
  const noEol = !text.endsWith("\n");
  const patch = [`@@ -0,0 +1${lines.length === 1 ? "" : `,${lines.length}`} @@`, ...lines.map((l) => `+${l}`), ...(noEol ? ["\\ No newline at end of file"] : [])].join("\n");
  return entry(filename, "added", { additions: lines.length, deletions: 0, patch });
}
export function modified(filename: string) {
  return entry(filename, "modified", { additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-a\n+b" });
}
export function removed(filename: string) {
  return entry(filename, "removed", { additions: 0, deletions: 3 });
}
function entry(filename: string, status: string, extra: Record<string, unknown>) {
  return {
    sha: "9fb037999f264ba9a7fc6274d15fa3ae2ab98312",
    filename,
    status,
    changes: Number(extra.additions ?? 0) + Number(extra.deletions ?? 0),
    blob_url: `https://github.com/${OWNER}/${REPO}/blob/${HEAD}/${filename}`,
    raw_url: `https://github.com/${OWNER}/${REPO}/raw/${HEAD}/${filename}`,
    contents_url: `${API}${R}/contents/${filename}?ref=${HEAD}`,
    ...extra,
  };
}

export function filesReply(scope: nock.Scope, number: number, files: unknown[]): nock.Scope {
  return scope.get(`${R}/pulls/${number}/files`).query({ per_page: "100" }).reply(200, files);
}

/** Records the JSON bodies of the calls a test wants to read back. */
export function capture(): { bodies: any[]; push: (body: any) => boolean } {
  const bodies: any[] = [];
  return {
    bodies,
    push: (body: any) => {
      bodies.push(body);
      return true;
    },
  };
}

export const REQUESTS = {
  /** low sensitivity, 2h: tier self-service */
  selfService: "reason: Deploy the hotfix for INC-1234 to staging\nduration: 2h\n",
  /** medium sensitivity: tier conditional (1 approval, or on-call during an incident) */
  conditional: "reason: Check the production project's quotas for the capacity review\nduration: 2h\n",
  breakGlass: "reason: Restore admin access during outage INC-42\nduration: 1h\nticket: INC-42\nincident: INC-42\nbreak_glass: true\n",
};

/**
 * GET .../pulls/{n} after a 405 on merge: gitgrant asks whether another delivery merged this
 * head meanwhile. The reply is the REST pull request (a real payload's shape), not merged
 * unless `merged` says so.
 */
export function pullReply(scope: nock.Scope, f: { number?: number; head?: string; merged?: boolean; mergeSha?: string } = {}): nock.Scope {
  const pr = pullRequest(example("pull_request", "opened").pull_request, { number: f.number ?? 7, head: f.head ?? HEAD });
  Object.assign(pr, f.merged ? { merged: true, state: "closed", merge_commit_sha: f.mergeSha ?? "e".repeat(40) } : { merged: false, state: "open", merge_commit_sha: null });
  return scope.get(`${R}/pulls/${f.number ?? 7}`).reply(200, pr);
}
