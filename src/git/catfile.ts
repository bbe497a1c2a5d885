// Blob texts from one long-lived `git cat-file --batch`: one process for the whole audit, not
// one per file. Requests are pipelined: read() writes the SHA at once and the answers come
// back in order, so many reads can be in flight while the log is still being parsed.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { Slot } from "../core/slot.js";

export class CatFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CatFileError";
  }
}

interface Waiting {
  resolve(text: string | null): void;
  reject(e: Error): void;
}

/** Where a read's answer goes: a promise's callbacks or a Slot (no promise per read). */
type Target = Waiting | Slot<string | null>;

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class CatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: Target[] = [];
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of content still expected for the object at the head of the queue (-1: reading a header). */
  private need = -1;
  private failed: Error | null = null;
  private stderr = "";
  private outgoing: string[] = [];

  constructor(opts: { dir: string; gitBinary?: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(opts.gitBinary ?? "git", ["cat-file", "--batch"], {
      cwd: opts.dir,
      env: { ...process.env, ...opts.env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child.stdout.on("data", (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d.slice(0, 4096)));
    this.child.on("error", (e) => this.fail(new CatFileError(`git cat-file could not start: ${e.message}`)));
    this.child.on("close", (code) => {
      if (this.queue.length) this.fail(new CatFileError(`git cat-file exited (${code}) with ${this.queue.length} reads pending: ${this.stderr.trim()}`));
    });
    // A write after git exited must surface as a rejected read, not an unhandled error.
    this.child.stdin.on("error", (e) => this.fail(new CatFileError(`git cat-file stdin: ${e.message}`)));
  }

  /** The text of a blob, or null if the object is missing. */
  read(sha: string): Promise<string | null> {
    return new Promise((resolve, reject) => this.request(sha, { resolve, reject }));
  }

  /** The same, delivered into a Slot. */
  readSlot(sha: string): Slot<string | null> {
    const s = new Slot<string | null>();
    this.request(sha, s);
    return s;
  }

  private request(sha: string, target: Target): void {
    if (this.failed) return settle(target, this.failed);
    if (!/^[0-9a-f]{40,64}$/.test(sha)) return settle(target, new CatFileError(`not an object id: "${sha}"`));
    this.queue.push(target);
    // One write per burst of reads, not one per SHA: a write is a system call.
    if (this.outgoing.length === 0) setImmediate(() => this.flush());
    this.outgoing.push(sha);
  }

  private flush(): void {
    if (this.outgoing.length === 0 || this.child.stdin.destroyed) return;
    this.child.stdin.write(`${this.outgoing.join("\n")}\n`);
    this.outgoing = [];
  }

  close(): void {
    this.flush();
    if (!this.child.stdin.destroyed) this.child.stdin.end();
    if (this.child.exitCode === null && this.queue.length === 0) this.child.kill();
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
        const header = this.buf.toString("utf8", pos, nl);
        pos = nl + 1;
        if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
          settle(this.queue.shift(), null);
          continue;
        }
        // "<sha> <type> <size>"
        const size = Number(header.slice(header.lastIndexOf(" ") + 1));
        if (!Number.isSafeInteger(size)) return this.fail(new CatFileError(`bad cat-file header "${header}"`));
        this.need = size;
      }
      // Content, then one newline.
      if (this.buf.length - pos < this.need + 1) break;
      const text = utf8.decode(this.buf.subarray(pos, pos + this.need));
      pos += this.need + 1;
      this.need = -1;
      settle(this.queue.shift(), text);
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
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
