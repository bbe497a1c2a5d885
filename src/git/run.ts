// The one way gitgrant starts git. Every process gets the same pinned settings (so a user's
// or a runner's gitconfig cannot change the shape of what we parse), the same environment
// (never prompt, never take an optional lock in someone's checkout), the same buffer limit
// and the same error type. Argument arrays only, never a shell.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { GitCommandError, commandLine } from "./errors.js";

export interface GitRunOptions {
  /** git executable; default "git" on PATH. */
  gitBinary?: string;
  /** Extra environment for git (identity, dates, HOME in tests), merged over process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Config that could change what git prints, pinned whatever the user's, the system's or the
 * repository's gitconfig says (`-c` wins over every config file).
 */
export const PINNED_CONFIG: readonly string[] = [
  "-c", "core.quotepath=off", // paths byte for byte, not "\303\251"-quoted
  "-c", "log.follow=false",
  "-c", "log.showSignature=false", // gpg output would land in the middle of a log
  "-c", "log.showRoot=true",
  "-c", "diff.renames=false", // a rename is a delete plus an add, everywhere
  "-c", "diff.relative=false", // paths from the repository root even when run in a subfolder
  "-c", "color.ui=false",
  "-c", "i18n.logOutputEncoding=UTF-8", // commit messages are decoded as UTF-8
];

/**
 * The most a buffered command may print. Anything that can be larger than this (a whole
 * history, every blob of a tree) is streamed instead: see spawnGit, CatFile and streamLog.
 */
export const MAX_BUFFER = 512 * 1024 * 1024;
/** stderr kept for an error message: enough for git's complaint, bounded for a runaway one. */
const STDERR_LIMIT = 64 * 1024;

/**
 * A path as a pathspec that means exactly that path: `top` makes it relative to the
 * repository root even when git runs in a subfolder; `literal` keeps "*" or "?" in a name
 * from acting as a glob.
 */
export function literalPath(path: string): string {
  return `:(top,literal)${path}`;
}

/** The environment every git process gets. */
export function gitEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // No credential prompt can hang a server or a workflow; read-only commands such as
  // `git status` must not take the index lock in a checkout someone is working in.
  return { ...process.env, ...extra, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0" };
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/**
 * git in one repository (a work tree, a subfolder of one, or a bare repository), with the
 * pinned settings and environment. Cheap to make: it holds no process.
 */
export class Git {
  readonly binary: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly dir: string,
    options: GitRunOptions = {},
  ) {
    this.binary = options.gitBinary ?? "git";
    this.env = gitEnv(options.env);
  }

  /**
   * Run git to the end and keep its output. A non-zero exit is a GitCommandError unless
   * `allowFailure`, when it is the answer (e.g. "no such object"); git that cannot start or
   * prints more than MAX_BUFFER is an error either way.
   */
  run(args: readonly string[], options: { allowFailure?: boolean } = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, [...PINNED_CONFIG, ...args], { cwd: this.dir, env: this.env, encoding: "buffer", maxBuffer: MAX_BUFFER }, (error, stdout, stderr) => {
        const stderrText = stderr.toString("utf8");
        if (!error) return resolve({ stdout, stderr: stderrText, exitCode: 0 });
        // A number is git's exit status; a string (ENOENT, ERR_CHILD_PROCESS_STDIO_MAXBUFFER) is not git's answer.
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code === "number" && options.allowFailure) return resolve({ stdout, stderr: stderrText, exitCode: code });
        reject(failure(this, args, code, stderrText, error));
      });
    });
  }

  /** stdout as UTF-8 text; any failure is an error. */
  async text(args: readonly string[]): Promise<string> {
    return (await this.run(args)).stdout.toString("utf8");
  }

  /**
   * A long-running git whose output is read as it comes (a log of the whole history, a
   * cat-file --batch conversation). The caller reads `child.stdout` and, with stdin "pipe",
   * writes `child.stdin`.
   */
  spawn(args: readonly string[], stdin: "pipe" | "ignore" = "ignore"): GitProcess {
    return new GitProcess(this, args, stdin);
  }
}

/** A streaming git process: its pipes, the stderr it printed, and how it ended. */
export class GitProcess {
  readonly child: ChildProcess;
  readonly stdout: Readable;
  /** Present when spawned with stdin "pipe". */
  readonly stdin: Writable | null;
  private stderrText = "";
  /**
   * Settles once, when git has exited or could not start: null for exit 0, else the error
   * (never rejects, so a process nobody waits for cannot become an unhandled rejection).
   */
  readonly ended: Promise<GitCommandError | null>;

  constructor(
    private readonly git: Git,
    readonly args: readonly string[],
    stdin: "pipe" | "ignore",
  ) {
    this.child = spawn(git.binary, [...PINNED_CONFIG, ...args], { cwd: git.dir, env: git.env, stdio: [stdin, "pipe", "pipe"] });
    this.stdout = this.child.stdout!;
    this.stdin = this.child.stdin;
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      if (this.stderrText.length < STDERR_LIMIT) this.stderrText += d.slice(0, STDERR_LIMIT - this.stderrText.length);
    });
    this.ended = new Promise((resolve) => {
      this.child.once("error", (e) => resolve(failure(git, args, (e as NodeJS.ErrnoException).code, this.stderrText, e)));
      this.child.once("close", (code, signal) => resolve(code === 0 ? null : this.error(code ?? signal ?? undefined)));
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** This command's error with its stderr so far, for a failure the reader noticed itself. */
  error(exitCode: number | string | undefined, message?: string): GitCommandError {
    return new GitCommandError(this.args, exitCode, this.stderrText, message);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }
}

function failure(git: Git, args: readonly string[], code: number | string | undefined, stderr: string, error: Error): GitCommandError {
  if (code === "ENOENT") {
    // spawn says ENOENT both for a missing program and for a missing working folder.
    const why = existsSync(git.dir) ? `"${git.binary}" was not found (is git installed and on PATH?)` : `the folder "${git.dir}" does not exist`;
    return new GitCommandError(args, code, stderr, `git ${commandLine(args)} could not start: ${why}`);
  }
  if (code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
    return new GitCommandError(args, code, stderr, `git ${commandLine(args)} printed more than ${MAX_BUFFER / (1024 * 1024)} MiB`);
  }
  return new GitCommandError(args, code, stderr || error.message);
}
