// One streaming pass over the default branch: `git log --first-parent --reverse --raw -z`,
// spawned once and parsed incrementally as its output arrives, so the audit of a long history
// never holds the whole log in memory and overlaps its own work with git's.
import type { LogCommit, RawEntry } from "../core/audit-types.js";
import { GitOutputError } from "./errors.js";
import { Git, literalPath, type GitRunOptions } from "./run.js";

// Record separator, then fields separated by US; %B cannot hold a NUL, so the header is one
// NUL-terminated token. The raw entries that follow are ":modes blobs status" NUL path NUL.
const RS = "\x1e";
const US = "\x1f";
export const LOG_FORMAT = `${RS}%H${US}%P${US}%ct${US}%at${US}%an${US}%B${US}`;

/**
 * The git log arguments: the first-parent history of `head`, each commit with its raw
 * changes against its first parent (a merge's against the branch it landed on), oldest
 * first unless `newestFirst`. `paths` limits the walk with a pathspec; the audit passes none
 * and filters paths itself, because a pathspec together with --reverse makes git diff every
 * commit twice (once to simplify history before it can print the oldest, once to print),
 * about 1.7x the work of the walk without it.
 */
export function logArgs(head: string, paths: string[] = [], order: { newestFirst?: boolean } = {}): string[] {
  return [
    "log", "-z", "--first-parent", "--diff-merges=first-parent", ...(order.newestFirst ? [] : ["--reverse"]), "--root", "--no-renames",
    "--raw", "--no-abbrev", "--no-relative", "--no-ext-diff", "--no-textconv", `--format=${LOG_FORMAT}`, head, "--",
    ...paths.map(literalPath),
  ];
}

/** A log we could not read (never a guess). */
export class LogParseError extends GitOutputError {
  constructor(message: string) {
    super(["log"], message);
    this.name = "LogParseError";
  }
}

/**
 * Incremental parser: push() raw bytes as they come, get back the commits completed so far.
 * A commit is complete when the next one starts (or at end()).
 */
export class LogParser {
  private rest: Buffer = Buffer.alloc(0);
  private current: LogCommit | null = null;
  /** A raw status token waiting for its path. */
  private pending: Omit<RawEntry, "path"> | null = null;

  push(chunk: Buffer): LogCommit[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const done: LogCommit[] = [];
    let start = 0;
    for (let nul = buf.indexOf(0, start); nul !== -1; nul = buf.indexOf(0, start)) {
      this.token(buf.toString("utf8", start, nul), done);
      start = nul + 1;
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
    return done;
  }

  end(): LogCommit[] {
    const done: LogCommit[] = [];
    if (this.rest.length) {
      const tail = this.rest.toString("utf8").replace(/^\n+/, "");
      this.rest = Buffer.alloc(0);
      if (tail !== "") this.token(tail, done);
    }
    if (this.pending) throw new LogParseError("a status without a path at the end");
    if (this.current) done.push(this.current);
    this.current = null;
    return done;
  }

  private token(raw: string, done: LogCommit[]): void {
    if (this.pending) {
      const entry = { ...this.pending, path: raw };
      this.pending = null;
      if (!this.current) throw new LogParseError(`a file before any commit (${raw})`);
      this.current.entries.push(entry);
      return;
    }
    const tok = raw.charCodeAt(0) === 10 ? raw.replace(/^\n+/, "") : raw;
    if (tok === "") return;
    if (tok.startsWith(":")) {
      // :100644 100644 <old> <new> M
      const parts = tok.slice(1).split(" ");
      if (parts.length < 5) throw new LogParseError(`bad raw line "${tok}"`);
      const letter = parts[4]!.charAt(0);
      const status = letter === "A" || letter === "M" || letter === "D" || letter === "T" ? letter : "M";
      this.pending = { status, oldBlob: parts[2]!, newBlob: parts[3]! };
      return;
    }
    if (!tok.startsWith(RS)) throw new LogParseError(`expected a commit header, got "${tok.slice(0, 40)}"`);
    if (this.current) done.push(this.current);
    this.current = parseHeader(tok);
  }
}

function parseHeader(tok: string): LogCommit {
  // Fixed fields first; the message is everything between the fifth separator and the last one.
  const f: string[] = [];
  let at = 1;
  for (let i = 0; i < 5; i++) {
    const next = tok.indexOf(US, at);
    if (next === -1) throw new LogParseError(`short commit header "${tok.slice(0, 60)}"`);
    f.push(tok.slice(at, next));
    at = next + 1;
  }
  const last = tok.lastIndexOf(US);
  if (last < at - 1) throw new LogParseError(`commit header without a message end`);
  return {
    sha: f[0]!,
    parents: f[1] ? f[1].split(" ") : [],
    committedAt: new Date(Number(f[2]) * 1000),
    authoredAt: new Date(Number(f[3]) * 1000),
    author: f[4]!,
    message: tok.slice(at, last),
    entries: [],
  };
}

export interface StreamLogOptions extends GitRunOptions {
  dir: string;
  head: string;
  paths?: string[];
  newestFirst?: boolean;
}

/** Spawn git log and yield the commits completed by each chunk of its output, as they come (in batches: one await per chunk, not per commit). */
export async function* streamLog(opts: StreamLogOptions): AsyncGenerator<LogCommit[]> {
  const git = new Git(opts.dir, opts).spawn(logArgs(opts.head, opts.paths, opts));
  const parser = new LogParser();
  try {
    for await (const chunk of git.stdout as AsyncIterable<Buffer>) {
      const done = parser.push(chunk);
      if (done.length) yield done;
    }
    const error = await git.ended;
    if (error) throw error;
    const rest = parser.end();
    if (rest.length) yield rest;
  } finally {
    git.kill();
  }
}
