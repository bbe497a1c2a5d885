// File texts through one `git cat-file --batch` process, not one process per file: the audit
// keeps one open for the whole history, LocalGitRepo.readFiles and the sweep open one per
// batch (10,000 request files without 10,000 processes). Requests are pipelined: a read
// writes its name at once and the answers come back in order, so many reads can be in
// flight while the caller is still working.
import { Slot } from "../core/slot.js";
import type { GitCommandError } from "./errors.js";
import { Git, type GitProcess, type GitRunOptions } from "./run.js";

interface Waiting {
  resolve(text: string | null): void;
  reject(e: Error): void;
}

/** Where a read's answer goes: a promise's callbacks or a Slot (no promise per read). */
type Target = Waiting | Slot<string | null>;

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ARGS = ["cat-file", "--batch"];

export class CatFile {
  private readonly git: GitProcess;
  private readonly queue: Target[] = [];
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of content still expected for the object at the head of the queue (-1: reading a header). */
  private need = -1;
  /** Whether the object being read is a blob (a folder or a commit is "no such file"). */
  private isBlob = false;
  private failed: Error | null = null;
  private outgoing: string[] = [];

  constructor(opts: GitRunOptions & { dir: string }) {
    this.git = new Git(opts.dir, opts).spawn(ARGS, "pipe");
    this.git.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    void this.git.ended.then((e) => this.onEnd(e));
    // A write after git exited must surface as a rejected read, not an unhandled error; and
    // only once git has ended, so the error carries everything it printed (an EPIPE can come
    // before git's stderr is read, and "not a git repository" would be lost under load).
    this.git.stdin!.on("error", (e) => void this.git.ended.then(() => this.fail(this.git.error(undefined, `git cat-file stdin: ${e.message}`))));
  }

  /** The text of a blob by its object id, or null if there is no such blob. */
  read(sha: string): Promise<string | null> {
    return new Promise((resolve, reject) => this.request(sha, true, { resolve, reject }));
  }

  /** The same, delivered into a Slot. */
  readSlot(sha: string): Slot<string | null> {
    const s = new Slot<string | null>();
    this.request(sha, true, s);
    return s;
  }

  /**
   * The text of a file by any object name git understands (`<commit>:<path>`, a blob id),
   * or null when it names nothing or a folder. A name cannot hold a newline: batch input is
   * one name a line.
   */
  readName(name: string): Promise<string | null> {
    return new Promise((resolve, reject) => this.request(name, false, { resolve, reject }));
  }

  private request(name: string, idOnly: boolean, target: Target): void {
    if (this.failed) return settle(target, this.failed);
    if (idOnly ? !OBJECT_ID.test(name) : name === "" || name.includes("\n")) {
      return settle(target, this.git.error(undefined, `not an object ${idOnly ? "id" : "name"}: ${JSON.stringify(name)}`));
    }
    this.queue.push(target);
    // One write per burst of reads, not one per name: a write is a system call.
    if (this.outgoing.length === 0) setImmediate(() => this.flush());
    this.outgoing.push(name);
  }

  private flush(): void {
    if (this.outgoing.length === 0 || this.git.stdin!.destroyed) return;
    this.git.stdin!.write(`${this.outgoing.join("\n")}\n`);
    this.outgoing = [];
  }

  close(): void {
    this.flush();
    if (!this.git.stdin!.destroyed) this.git.stdin!.end();
    if (this.queue.length === 0) this.git.kill();
  }

  private onEnd(error: GitCommandError | null): void {
    if (this.queue.length === 0) return;
    const pending = `${this.queue.length} reads pending`;
    this.fail(error ? this.git.error(error.exitCode, `${error.message} (${pending})`) : this.git.error(0, `git cat-file --batch exited with ${pending}`));
  }

  private fail(e: Error): void {
    if (!this.failed) this.failed = e;
    for (const w of this.queue.splice(0)) settle(w, this.failed);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      if (this.need < 0) {
        const nl = this.buf.indexOf(10, pos);
        if (nl === -1) break;
        // Found: "<object id> <type> <size>". Not found: "<name as asked> missing" (the name
        // may hold spaces, as in <commit>:<path>), or "... ambiguous".
        const header = this.buf.toString("utf8", pos, nl);
        pos = nl + 1;
        if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
          settle(this.queue.shift(), null);
          continue;
        }
        const sizeAt = header.lastIndexOf(" ");
        const size = Number(header.slice(sizeAt + 1));
        if (!Number.isSafeInteger(size)) return this.fail(this.git.error(0, `bad cat-file header "${header}"`));
        this.isBlob = header.lastIndexOf(" blob", sizeAt) === sizeAt - 5;
        this.need = size;
      }
      // Content, then one newline.
      if (this.buf.length - pos < this.need + 1) break;
      const text = this.isBlob ? utf8.decode(this.buf.subarray(pos, pos + this.need)) : null;
      pos += this.need + 1;
      this.need = -1;
      settle(this.queue.shift(), text);
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }
}

/**
 * The texts of many files in one process: each name (a blob id or `<commit>:<path>`) that
 * names a file maps to its text; a missing one, or a folder, is absent from the map.
 */
export async function readBlobs(dir: string, names: string[], options: GitRunOptions = {}): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const unique = [...new Set(names)];
  if (unique.length === 0) return texts;
  const cat = new CatFile({ ...options, dir });
  try {
    const read = await Promise.all(unique.map((n) => cat.readName(n)));
    unique.forEach((n, i) => {
      const text = read[i];
      if (text != null) texts.set(n, text);
    });
    return texts;
  } finally {
    cat.close();
  }
}

function settle(t: Target | undefined, result: string | null | Error): void {
  if (!t) return;
  if (t instanceof Slot) {
    if (result instanceof Error) t.fail(result);
    else t.set(result);
  } else if (result instanceof Error) t.reject(result);
  else t.resolve(result);
}
