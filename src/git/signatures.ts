// Commit identities and signatures for the audit, checked offline by gpg against the
// repository's trust list: a throw-away GNUPGHOME holding only those keys, and one
// `git log --format=%G?...` over the first-parent commits that touch access/requests/.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommitSignature } from "../core/provenance.js";
import { Git, literalPath } from "./run.js";

export interface SignatureOptions {
  dir: string;
  gitBinary?: string;
  env?: NodeJS.ProcessEnv;
  gpgBinary?: string;
}

const US = "\x1f";
const RS = "\x1e";

/** gpg itself (git runs through the shared runner). */
function exec(bin: string, args: string[], opts: { env: NodeJS.ProcessEnv; input?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { env: opts.env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export interface TrustHome {
  /** The GNUPGHOME folder. */
  home: string;
  /** Fingerprints of every key and subkey imported (upper-case hex). */
  fingerprints: Set<string>;
  /** Problems with the key files, in words (a file gpg could not import). */
  problems: string[];
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** A temporary GNUPGHOME holding exactly the given armored public keys. */
export async function trustHome(keys: Array<{ path: string; text: string }>, opts: SignatureOptions): Promise<TrustHome> {
  const home = await mkdtemp(join(tmpdir(), "gitgrant-trust-"));
  // Trust is the list itself: every key in it is as trusted as the repository made it.
  await writeFile(join(home, "gpg.conf"), "trust-model always\nno-auto-key-retrieve\nno-auto-key-locate\n", { mode: 0o600 });
  const env = { ...process.env, ...opts.env, GNUPGHOME: home };
  const gpg = opts.gpgBinary ?? "gpg";
  const problems: string[] = [];
  for (const k of keys) {
    try {
      await exec(gpg, ["--batch", "--quiet", "--no-tty", "--import"], { env, input: k.text });
    } catch (e) {
      problems.push(`${k.path}: gpg could not import it (${(e as Error).message.split("\n")[0]})`);
    }
  }
  const fingerprints = new Set<string>();
  if (keys.length) {
    const listing = await exec(gpg, ["--batch", "--no-tty", "--with-colons", "--fixed-list-mode", "--list-keys"], { env }).catch(() => "");
    for (const line of listing.split("\n")) {
      const f = line.split(":");
      if (f[0] === "fpr" && f[9]) fingerprints.add(f[9].toUpperCase());
    }
  }
  return { home, fingerprints, problems, env, close: () => rm(home, { recursive: true, force: true }) };
}

/**
 * Author, committer and signature of every first-parent commit of `head` that touches
 * `paths`. gpg runs only for signed commits among them; with `verify` false no signature is
 * checked (status "N"), which costs git nothing.
 */
export async function readSignatures(head: string, paths: string[], verify: boolean, home: TrustHome | null, opts: SignatureOptions): Promise<Map<string, CommitSignature>> {
  const args = [...gpgConfig(opts.gpgBinary), "log", "--first-parent", `--format=${signatureFormat(verify)}`, head, "--", ...paths.map(literalPath)];
  const git = new Git(opts.dir, { gitBinary: opts.gitBinary, env: { ...opts.env, ...(home ? { GNUPGHOME: home.home } : {}) } });
  const map = new Map<string, CommitSignature>();
  for (const { sha, ...sig } of parseSignatureLog(await git.text(args), verify)) map.set(sha, sig);
  return map;
}

/** The auditor's gpg, whatever the clone's own config says (-c wins over every config file). */
export function gpgConfig(gpgBinary: string | undefined): string[] {
  const gpg = gpgBinary ?? "gpg";
  return ["-c", `gpg.program=${gpg}`, "-c", `gpg.openpgp.program=${gpg}`];
}

/** `git log --format=` for parseSignatureLog: id, author, committer (and with `verify`, the signature). */
export function signatureFormat(verify: boolean): string {
  return verify ? "%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%G?%x1f%GF%x1f%GP%x1e" : "%H%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1e";
}

/** The commits of a `git log --format=${signatureFormat(verify)}`, in log order. */
export function parseSignatureLog(out: string, verify: boolean): Array<CommitSignature & { sha: string }> {
  const commits: Array<CommitSignature & { sha: string }> = [];
  for (const rec of out.split(RS)) {
    const f = rec.replace(/^\n+/, "").split(US);
    if (f.length < 5 || !f[0]) continue;
    commits.push({
      sha: f[0],
      authorName: f[1]!,
      authorEmail: f[2]!,
      committerName: f[3]!,
      committerEmail: f[4]!,
      status: verify ? (f[5] ?? "N") : "N",
      fingerprint: verify ? (f[6] ?? "") : "",
      primaryFingerprint: verify ? (f[7] ?? "").trim() : "",
    });
  }
  return commits;
}
