// Told once. Two durable records in the repository itself, so "once" holds across webhook
// redeliveries, app replicas and scheduled runs without any state of gitgrant's own:
//
// - The events workflow records the range it sent on refs/gitgrant/events: a chain of
//   commits (empty tree) whose messages say up to which commit of the default branch and up
//   to which moment events were sent, and which deliveries failed and are owed. A run sends
//   exactly what lies after that record, then adds its own record with a fast-forward push:
//   a concurrent run's push is refused, so two runs can never both record a range.
// - The app claims each message, per sink, before sending it by creating a ref under
//   refs/gitgrant/notified/ (operations/claims.ts). GitHub creates a ref once; every later
//   attempt, from a redelivery or another replica, gets 422 and sends nothing. A failed send
//   deletes its claim, so the next delivery retries that sink only.
import type { AccessEvent } from "../core/events.js";
import { statusOf } from "../github/errors.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { git, type GitOptions } from "../git/write.js";
import { EMPTY_TREE_SHA } from "../git/local.js";

export const EVENTS_REF = "refs/gitgrant/events";

export interface EventRecord {
  /** The record commit itself (the parent of the next one). */
  commit: string;
  /** Events of commits up to this one (of the default branch) were sent. */
  to: string;
  /** Time-based events (expiry notices) due up to this moment were sent. */
  until: Date;
  /** Deliveries that failed and are still owed: sink name and event id. */
  retry: Array<{ sink: string; id: string }>;
}

/** The record's message: a title and trailers, readable with git log. */
export function recordMessage(r: Omit<EventRecord, "commit">, from: string | null): string {
  return [
    `gitgrant events: sent ${from ? `${from.slice(0, 12)}..` : "up to "}${r.to.slice(0, 12)}`,
    "",
    `Events-to: ${r.to}`,
    `Events-until: ${r.until.toISOString()}`,
    ...r.retry.map((x) => `Events-retry: ${x.sink} ${x.id}`),
    "",
  ].join("\n");
}

export function parseRecord(commit: string, message: string): EventRecord | null {
  const to = /^Events-to: ([0-9a-f]{40})$/m.exec(message)?.[1];
  const until = /^Events-until: (\S+)$/m.exec(message)?.[1];
  if (!to || !until || Number.isNaN(Date.parse(until))) return null;
  const retry = [...message.matchAll(/^Events-retry: ([a-z0-9-]+) ([0-9a-f]{64})$/gm)].map((m) => ({ sink: m[1]!, id: m[2]! }));
  return { commit, to, until: new Date(until), retry };
}

export class EventRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventRecordError";
  }
}

/** The last record, fetched from `remote` first when one is named; null before the first run. */
export async function readEventRecord(dir: string, remote: string | undefined, options: GitOptions = {}): Promise<EventRecord | null> {
  if (remote) {
    const fetched = await git(dir, ["fetch", "--quiet", remote, `+${EVENTS_REF}:${EVENTS_REF}`], { ...options, allowFailure: true });
    // A remote without the ref yet is the first run; any other failure must not look like one.
    if (fetched.exitCode !== 0) {
      const has = await git(dir, ["ls-remote", "--exit-code", remote, EVENTS_REF], { ...options, allowFailure: true });
      if (has.exitCode !== 2) throw new EventRecordError(`could not fetch ${EVENTS_REF} from ${remote}; nothing was sent, so nothing is sent twice`);
    }
  }
  const tip = await git(dir, ["rev-parse", "--verify", "--quiet", `${EVENTS_REF}^{commit}`], { ...options, allowFailure: true });
  if (tip.exitCode !== 0) return null;
  const commit = tip.stdout.trim();
  const message = (await git(dir, ["log", "-1", "--format=%B", commit], options)).stdout;
  const record = parseRecord(commit, message);
  if (!record) throw new EventRecordError(`${EVENTS_REF} (${commit.slice(0, 7)}) is not a gitgrant events record; fix or delete the ref`);
  return record;
}

/** Adds the new record on top of the last (compare-and-swap locally, fast-forward push to `remote`). */
export async function writeEventRecord(dir: string, last: EventRecord | null, next: Omit<EventRecord, "commit">, remote: string | undefined, options: GitOptions = {}): Promise<string> {
  const env = { ...options.env, GIT_AUTHOR_NAME: "gitgrant", GIT_AUTHOR_EMAIL: "gitgrant@users.noreply.github.com", GIT_COMMITTER_NAME: "gitgrant", GIT_COMMITTER_EMAIL: "gitgrant@users.noreply.github.com", GIT_AUTHOR_DATE: `${Math.floor(next.until.getTime() / 1000)} +0000`, GIT_COMMITTER_DATE: `${Math.floor(next.until.getTime() / 1000)} +0000` };
  const parents = last ? ["-p", last.commit] : [];
  const commit = (await git(dir, ["commit-tree", EMPTY_TREE_SHA, ...parents, "-m", recordMessage(next, last?.to ?? null)], { env })).stdout.trim();
  await git(dir, ["update-ref", EVENTS_REF, commit, last?.commit ?? ""], options);
  if (remote) {
    const pushed = await git(dir, ["push", "--quiet", remote, `${EVENTS_REF}:${EVENTS_REF}`], { ...options, allowFailure: true });
    if (pushed.exitCode !== 0) throw new EventRecordError(`could not push ${EVENTS_REF} to ${remote} (another run recorded first, or no permission): the events just sent may be sent again by the next run`);
  }
  return commit;
}

export async function headCommit(dir: string, ref: string, options: GitOptions = {}): Promise<string> {
  return (await git(dir, ["rev-parse", "--verify", `${ref}^{commit}`], options)).stdout.trim();
}

/** Where the record lives: a ref in the local clone (pushed to a remote), or the repository on GitHub. */
export interface EventRecordStore {
  readonly where: string;
  read(): Promise<EventRecord | null>;
  write(last: EventRecord | null, next: Omit<EventRecord, "commit">): Promise<string>;
}

export function localRecordStore(dir: string, remote: string | undefined, options: GitOptions = {}): EventRecordStore {
  return {
    where: remote ? `${EVENTS_REF} (pushed to the remote)` : EVENTS_REF,
    read: () => readEventRecord(dir, remote, options),
    write: (last, next) => writeEventRecord(dir, last, next, remote, options),
  };
}

/**
 * The record over the GitHub API (the workflow's GITHUB_TOKEN with contents: write, no
 * credentials left in the checkout). The record commit reuses the tree of the commit it
 * records (any tree would do; that one is known to exist). The ref is created once (422 if
 * another run did) and then only fast-forwarded (force: false), so a racing run is refused.
 */
export function githubRecordStore(api: GitHub, where: RepoRef, treeOf: (commit: string) => Promise<string>): EventRecordStore {
  const ref = EVENTS_REF.slice("refs/".length);
  return {
    where: `${EVENTS_REF} on ${where.owner}/${where.repo}`,
    async read() {
      let tip: string;
      try {
        const { data } = await api.rest.git.getRef({ ...where, ref });
        tip = data.object.sha;
      } catch (err) {
        if (statusOf(err) === 404) return null;
        throw err;
      }
      const { data: commit } = await api.rest.git.getCommit({ ...where, commit_sha: tip });
      const record = parseRecord(tip, commit.message);
      if (!record) throw new EventRecordError(`${EVENTS_REF} (${tip.slice(0, 7)}) is not a gitgrant events record; fix or delete the ref`);
      return record;
    },
    async write(last, next) {
      const { data: commit } = await api.rest.git.createCommit({ ...where, message: recordMessage(next, last?.to ?? null), tree: await treeOf(next.to), parents: last ? [last.commit] : [] });
      try {
        if (last) await api.rest.git.updateRef({ ...where, ref, sha: commit.sha, force: false });
        else await api.rest.git.createRef({ ...where, ref: EVENTS_REF, sha: commit.sha });
      } catch (err) {
        if (statusOf(err) === 422) throw new EventRecordError(`another run recorded ${EVENTS_REF} first: the events just sent may be sent again by the next run`);
        throw err;
      }
      return commit.sha;
    },
  };
}

export async function treeOf(dir: string, commit: string, options: GitOptions = {}): Promise<string> {
  return (await git(dir, ["rev-parse", `${commit}^{tree}`], options)).stdout.trim();
}

/** Commits of `head` after the record (all of them before the first run). */
export async function commitsAfter(dir: string, record: EventRecord | null, head: string, options: GitOptions = {}): Promise<Set<string>> {
  const range = record ? [`${record.to}..${head}`] : [head];
  const out = (await git(dir, ["rev-list", ...range], options)).stdout;
  return new Set(out.split("\n").filter(Boolean));
}

/**
 * What a run owes: history events of the new commits, expiry notices that came due after
 * the last record's moment, and the deliveries a sink failed before (by id, to that sink).
 */
export function owedEvents(
  all: AccessEvent[],
  notices: AccessEvent[],
  record: EventRecord | null,
  commits: Set<string>,
  leadMs: number,
  /** When the grant a notice is about landed (by its commit). */
  grantedAt: (sha: string) => Date | undefined,
): { fresh: AccessEvent[]; retry: Map<string, AccessEvent[]> } {
  const fresh = all.filter((e) => commits.has(String(e.details.sha)));
  for (const n of notices) {
    const expires = Date.parse(String(n.details.expires_at));
    // A notice is due lead before the end; a grant shorter than the lead is due when it landed.
    const due = Math.max(expires - leadMs, grantedAt(String(n.details.sha))?.getTime() ?? 0);
    if (!record || due > record.until.getTime()) fresh.push(n);
  }
  const byId = new Map([...all, ...notices].map((e) => [e.id, e]));
  const retry = new Map<string, AccessEvent[]>();
  for (const r of record?.retry ?? []) {
    const e = byId.get(r.id);
    if (!e) continue;
    retry.set(r.sink, [...(retry.get(r.sink) ?? []), e]);
  }
  return { fresh, retry };
}

// ---- The app: one message per key, claimed on GitHub (operations/claims.ts) ----

export { CLAIM_PREFIX, claimRef, once } from "./claims.js";
