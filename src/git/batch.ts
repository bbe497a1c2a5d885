// Many file texts through one `git cat-file --batch` process: 10,000 request files
// without 10,000 processes. Shared by LocalGitRepo, the sweep and reconcile.
import { spawn } from "node:child_process";
import { GitCommandError } from "./errors.js";

export interface BatchOptions {
  /** Extra environment for git (identity, dates, HOME in tests), merged over process.env. */
  env?: NodeJS.ProcessEnv;
  gitBinary?: string;
}

/**
 * The texts of many blobs through one `git cat-file --batch` process: ids go in on stdin,
 * "<id> blob <size>\n<bytes>\n" comes back for each, in order.
 */
export function readBlobs(dir: string, shas: string[], options: BatchOptions = {}): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const unique = [...new Set(shas)];
  if (unique.length === 0) return Promise.resolve(texts);
  return new Promise((resolve, reject) => {
    const child = spawn(options.gitBinary ?? "git", ["cat-file", "--batch"], { cwd: dir, env: { ...process.env, ...options.env }, stdio: ["pipe", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new GitCommandError(["cat-file", "--batch"], code ?? undefined, stderr));
      const buf = Buffer.concat(chunks);
      const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
      let at = 0;
      for (const sha of unique) {
        const nl = buf.indexOf(10, at);
        if (nl < 0) return reject(new GitCommandError(["cat-file", "--batch"], 0, `output ended before ${sha}`));
        // Found: "<object id> <type> <size>". Not found: "<name as asked> missing" (the name
        // may hold spaces, as in <commit>:<path>), or "... ambiguous".
        const line = buf.subarray(at, nl).toString("utf8");
        at = nl + 1;
        if (line.endsWith(" missing") || line.endsWith(" ambiguous")) continue;
        const [, type, sizeText] = line.split(" ");
        const size = Number(sizeText);
        // A name can resolve to a folder (tree) rather than a file: that is "no such file".
        if (type === "blob") texts.set(sha, decoder.decode(buf.subarray(at, at + size)));
        at += size + 1; // the content is followed by one newline
      }
      resolve(texts);
    });
    child.stdin.on("error", () => undefined); // a failing git closes stdin early; 'close' reports why
    child.stdin.end(unique.map((s) => `${s}\n`).join(""));
  });
}

