// A GitHub stand-in for the burst benchmark, on nock: the REST and GraphQL calls the app
// makes for self-service PRs and the pushes of their merges, answered as GitHub would from
// a little state (PRs, check runs, merges), with a fixed latency per call, a count of
// calls per delivery kind, and GitHub's secondary rate limit when more than 100 calls are
// in flight at once (a 403 with retry-after, as GitHub documents it).
import { createHash } from "node:crypto";
import nock from "nock";

export const API = "https://api.github.com";
export const OWNER = "acme";
export const REPO = "access";
const R = `/repos/${OWNER}/${REPO}`;
const CONFIG_ORDER = ["access/catalog.yaml", "access/policy.yaml", "access/identities.yaml", ".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

export const sha = (salt: string, n: number) => createHash("sha1").update(`${salt}:${n}`).digest("hex");
const blobId = (text: string) => createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest("hex");

export interface StandInOptions {
  /** The base branch's files by path. */
  files: Record<string, string>;
  /** Each PR's one added request file and its text, by PR number. */
  pulls: Map<number, { path: string; text: string; head: string; author: string }>;
  /** Each push's before/after and the PR it merged, by after SHA. */
  pushes: Map<string, { before: string; number: number }>;
  latencyMs: number;
  /** The first this many content-creating calls (POST/PATCH/PUT) get GitHub's secondary rate limit (retry-after 1 s). */
  limitFirstWrites?: number;
}

export interface StandIn {
  /** Calls answered (a rate-limited answer is counted in `limited` instead). */
  /** push: the fast apply's calls; converge: the convergence after it (tip read, landings, tip re-check, receipts re-read). */
  calls: { pr: number; push: number; converge: number; other: number };
  inFlight: number;
  peakInFlight: number;
  limited: number;
  overLimit: number;
  checkRuns: Map<number, { name: string; head: string; conclusion?: string; externalId?: string }>;
  merges: Map<number, number>;
  /** Merge PUTs per PR, answered 200 or 405 (merged already). */
  mergeAttempts: Map<number, number>;
  done(): void;
}

export function standIn(o: StandInOptions): StandIn {
  const s: StandIn = { calls: { pr: 0, push: 0, converge: 0, other: 0 }, inFlight: 0, peakInFlight: 0, limited: 0, overLimit: 0, checkRuns: new Map(), merges: new Map(), mergeAttempts: new Map(), done: () => nock.cleanAll() };
  let nextRun = 1000;
  let writes = 0;
  const pushRuns = new Set<number>();
  const scope = nock(API).persist();
  const blob = (text: string | undefined) => (text === undefined ? null : { oid: blobId(text), text, isBinary: false, isTruncated: false });
  // Each answer waits latencyMs; more than 100 in flight is GitHub's secondary limit.
  const answer = (kind: keyof StandIn["calls"], write: boolean, body: () => [number, unknown]) => async (): Promise<[number, unknown, Record<string, string>?]> => {
    s.calls[kind]++;
    s.inFlight++;
    s.peakInFlight = Math.max(s.peakInFlight, s.inFlight);
    try {
      if (s.inFlight > 100) {
        s.overLimit++;
        return [403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", status: "403" }, { "retry-after": "1" }];
      }
      await new Promise((r) => setTimeout(r, o.latencyMs));
      // Every other one of the first writes: a retry after the wait gets through, as it would on GitHub.
      if (write && writes++ % 2 === 0 && s.limited < (o.limitFirstWrites ?? 0)) {
        s.limited++;
        s.calls[kind]--;
        return [403, { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", status: "403" }, { "retry-after": "1" }];
      }
      return body();
    } finally {
      s.inFlight--;
    }
  };
  const reply = (i: nock.Interceptor, kind: (uri: string, body: any) => keyof StandIn["calls"], write: boolean, body: (uri: string, req: any) => [number, unknown]) =>
    i.reply(async function (uri, req) {
      const parsed = typeof req === "string" && req ? JSON.parse(req) : req;
      const [status, data, headers] = await answer(kind(uri, parsed), write, () => body(uri, parsed))();
      return [status, data as nock.Body, headers ?? {}];
    });

  scope.post(/\/app\/installations\/\d+\/access_tokens/).reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z", permissions: {} });

  const convergeQueries = /query (gitgrantBranch|gitgrantLandings|gitgrantTipSha)\b/;
  // The branch tip moves with every merge: a push's convergence reads it, judged whole.
  const tipOid = () => sha("tip", [...s.merges.values()].reduce((a, b) => a + b, 0));
  reply(scope.post("/graphql"), (_u, b) => (String(b.query).includes("gitgrantContext") ? "pr" : String(b.query).includes("query gitgrantPush") ? "push" : convergeQueries.test(String(b.query)) ? "converge" : "other"), false, (_u, b) => {
    const q = String(b.query);
    const v = b.variables;
    if (q.includes("query gitgrantTipSha")) return [200, { data: { repository: { tip: { target: { oid: tipOid() } } } } }];
    if (q.includes("query gitgrantBranch")) {
      const merged = [...s.merges.keys()].map((n) => o.pulls.get(n)!);
      const folders: Record<string, unknown> = {};
      for (const [k, dir] of Object.entries(v)) {
        if (!/^d\d+$/.test(k)) continue;
        const entries = merged.filter((pr) => pr.path.startsWith(`${dir}/`)).map((pr) => ({ name: pr.path.slice(String(dir).length + 1), type: "blob", mode: 33188, oid: blobId(pr.text), object: { text: pr.text, isBinary: false, isTruncated: false } }));
        folders[k] = entries.length ? { object: { entries } } : null;
      }
      const configs = Object.fromEntries(CONFIG_ORDER.map((p, i) => [`c${i}`, o.files[p] === undefined ? null : { oid: blobId(o.files[p]!), object: blob(o.files[p]) }]));
      return [200, { data: { repository: { tip: { target: { oid: tipOid(), ...configs, ...folders } } } } }];
    }
    if (q.includes("query gitgrantLandings")) {
      const nodes = Object.keys(v).filter((k) => /^p\d+$/.test(k)).map((k) => [`h${k.slice(1)}`, { nodes: [{ oid: v.sha, committedDate: "2026-11-30T10:00:00Z" }] }]);
      return [200, { data: { repository: { commit: Object.fromEntries(nodes) } } }];
    }
    if (q.includes("query gitgrantContext")) {
      const pr = o.pulls.get(v.number)!;
      const merged = s.merges.has(v.number);
      const runs = [...s.checkRuns.entries()].filter(([, r]) => r.name === "gitgrant" && r.head === pr.head);
      return [200, { data: { repository: {
        pullRequest: { id: `PR_${v.number}`, number: v.number, title: "Access request", body: "", isDraft: false, state: merged ? "MERGED" : "OPEN", headRefOid: pr.head, headRefName: `request-${v.number}`, baseRefName: "main", changedFiles: 1, isCrossRepository: false, author: { __typename: "User", login: pr.author }, labels: { nodes: [] }, commits: { totalCount: 1 }, autoMergeRequest: null },
        defaultBranchRef: { name: "main" }, mergeQueue: null, baseTip: { target: { oid: sha("base", 0) } },
        headAccess: null, baseRequests: null,
        ...Object.fromEntries(CONFIG_ORDER.map((p, i) => [`c${i}`, blob(o.files[p])])),
        head: { checkSuites: { nodes: runs.length ? [{ app: { databaseId: 1 }, checkRuns: { nodes: runs.map(([id, r]) => ({ databaseId: id, externalId: r.externalId ?? null, status: "COMPLETED", completedAt: "2026-11-30T10:00:00Z" })) } }] : [] } },
      } } }];
    }
    if (q.includes("query gitgrantPush")) {
      const push = o.pushes.get(v.after)!;
      const pr = o.pulls.get(push.number)!;
      const fields: Record<string, unknown> = {};
      for (const [k, expr] of Object.entries(v)) {
        if (!/^f\d+$/.test(k)) continue;
        const path = String(expr).slice(41);
        fields[k] = blob(path === pr.path ? pr.text : o.files[path]);
      }
      const runs = [...s.checkRuns.entries()].filter(([, r]) => r.name === "gitgrant/apply" && r.head === v.after);
      return [200, { data: { repository: { ...fields, pushed: {
        checkSuites: { nodes: runs.length ? [{ app: { databaseId: 1 }, checkRuns: { nodes: runs.map(([id, r]) => ({ databaseId: id, status: r.conclusion ? "COMPLETED" : "IN_PROGRESS", startedAt: "2026-11-30T10:00:00Z" })) } }] : [] },
        associatedPullRequests: { nodes: [{ number: push.number, mergedAt: "2026-11-30T10:00:00Z", baseRefName: "main", mergeCommit: { oid: v.after } }] },
      } } } }];
    }
    if (q.includes("query gitgrantTip")) {
      const fields: Record<string, unknown> = {};
      for (const [k, path] of Object.entries(v)) if (/^p\d+$/.test(k)) fields[k] = o.files[String(path)] !== undefined ? { oid: blobId(o.files[String(path)]!) } : null;
      return [200, { data: { repository: { tip: { target: { oid: sha("base", 0), ...fields } } } } }];
    }
    return [200, { data: {} }];
  });

  reply(scope.get(/\/repos\/acme\/access\/pulls\/\d+\/files/), () => "pr", false, (uri) => {
    const n = Number(/pulls\/(\d+)\/files/.exec(uri)![1]);
    const pr = o.pulls.get(n)!;
    const lines = pr.text.replace(/\n$/, "").split("\n");
    return [200, [{ sha: blobId(pr.text), filename: pr.path, status: "added", additions: lines.length, deletions: 0, changes: lines.length, patch: [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join("\n") }]];
  });
  reply(scope.post(`${R}/check-runs`), (_u, b) => (b.name === "gitgrant/apply" ? "push" : "pr"), true, (_u, b) => {
    const id = nextRun++;
    s.checkRuns.set(id, { name: b.name, head: b.head_sha, ...(b.conclusion ? { conclusion: b.conclusion } : {}), ...(b.external_id ? { externalId: b.external_id } : {}) });
    if (b.name === "gitgrant/apply") pushRuns.add(id);
    return [201, { id }];
  });
  reply(scope.patch(/\/repos\/acme\/access\/check-runs\/\d+/), (u) => (pushRuns.has(Number(/check-runs\/(\d+)/.exec(u)![1])) ? "push" : "pr"), true, (u, b) => {
    const id = Number(/check-runs\/(\d+)/.exec(u)![1]);
    const run = s.checkRuns.get(id);
    if (run && b.conclusion) run.conclusion = b.conclusion;
    if (run && b.external_id) run.externalId = b.external_id;
    return [200, { id }];
  });
  reply(scope.post(/\/repos\/acme\/access\/issues\/\d+\/labels/), () => "pr", true, () => [200, []]);
  reply(scope.put(/\/repos\/acme\/access\/pulls\/\d+\/merge/), () => "pr", true, (u) => {
    const n = Number(/pulls\/(\d+)\/merge/.exec(u)![1]);
    s.mergeAttempts.set(n, (s.mergeAttempts.get(n) ?? 0) + 1);
    if (s.merges.has(n)) return [405, { message: "Pull Request is not mergeable", status: "405" }];
    s.merges.set(n, (s.merges.get(n) ?? 0) + 1);
    return [200, { sha: sha("merge", n), merged: true, message: "Pull Request successfully merged" }];
  });
  reply(scope.get(/\/repos\/acme\/access\/compare\/[0-9a-f]+\.\.\.[0-9a-f]+/), () => "push", false, (u) => {
    const after = /\.\.\.([0-9a-f]{40})/.exec(u)![1]!;
    const pr = o.pulls.get(o.pushes.get(after)!.number)!;
    return [200, { status: "ahead", ahead_by: 1, behind_by: 0, total_commits: 1, commits: [], files: [{ filename: pr.path, status: "added", additions: 2, deletions: 0, changes: 2 }] }];
  });
  reply(scope.get(/\/repos\/acme\/access\/pulls\/\d+$/), () => "pr", false, (u) => {
    const n = Number(/pulls\/(\d+)$/.exec(u)![1]);
    const merged = s.merges.has(n);
    return [200, { number: n, state: merged ? "closed" : "open", merged, head: { sha: o.pulls.get(n)!.head }, merge_commit_sha: merged ? sha("merge", n) : null }];
  });
  // Claim refs (src/app/claims.ts): created once; the second create of a name is GitHub's 422.
  const refs = new Set<string>();
  reply(scope.post(`${R}/git/refs`), (_u, b) => (String(b.ref).includes("/claims/apply/") ? "push" : "pr"), true, (_u, b) => {
    if (refs.has(b.ref)) return [422, { message: "Reference already exists", status: "422" }];
    refs.add(b.ref);
    return [201, { ref: b.ref, object: { type: "commit", sha: b.sha } }];
  });
  reply(scope.get(/\/repos\/acme\/access\/commits\/[0-9a-f]{40}\/check-runs/), (u) => (u.includes("gitgrant%2Fapply") || u.includes("gitgrant/apply") ? "push" : "pr"), false, (u) => {
    const head = /commits\/([0-9a-f]{40})/.exec(u)![1]!;
    const name = decodeURIComponent(/check_name=([^&]+)/.exec(u)![1]!);
    const runs = [...s.checkRuns.entries()].filter(([, r]) => r.name === name && r.head === head).sort((a, b) => b[0] - a[0]);
    return [200, { total_count: runs.length, check_runs: runs.map(([id, r]) => ({ id, name, head_sha: head, status: r.conclusion ? "completed" : "in_progress", conclusion: r.conclusion ?? null, external_id: r.externalId ?? null, started_at: "2026-11-30T10:00:00Z" })) }];
  });
  reply(scope.post(/\/repos\/acme\/access\/issues\/\d+\/comments/), () => "push", true, () => [201, { id: 1 }]);
  // No receipts yet (settings.evidence is not set in the bench's org): the notes ref is absent.
  let notesReads = 0;
  // Each push reads the notes twice: for the fast apply, then again for its convergence.
  reply(scope.get(`${R}/git/ref/notes/gitgrant`), () => (notesReads++ % 2 ? "converge" : "push"), false, () => [404, { message: "Not Found", status: "404" }]);
  reply(scope.delete(/\/orgs\/acme\/teams\/[^/]+\/memberships\/[^/]+/), () => "other", true, () => [204, ""]);
  reply(scope.get(/\/orgs\/acme\/invitations/), () => "other", false, () => [200, []]);
  return s;
}
