// The one git runner, on real repositories: what a user's gitconfig cannot change, what
// every git process is given, and what a failure says.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { CatFile, readBlobs } from "../../src/git/catfile.js";
import { GitCommandError } from "../../src/git/errors.js";
import { LocalGitRepo } from "../../src/git/local.js";
import { streamLog } from "../../src/git/log.js";
import { Git } from "../../src/git/run.js";
import { readAudit } from "../../src/operations/audit.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";

const exec = promisify(execFile);
const REQ = "access/requests";
const temps: string[] = [];
/** GNUPGHOMEs whose gpg-agent a test started. */
const gnupgHomes: string[] = [];

afterEach(async () => {
  await cleanupRepos();
  // Stop exactly the agents the signing test started, by their home, before removing it.
  for (const g of gnupgHomes.splice(0)) await exec("gpgconf", ["--kill", "all"], { env: { ...process.env, GNUPGHOME: g } }).catch(() => undefined);
  for (const t of temps.splice(0)) await rm(t, { recursive: true, force: true });
});

/** A HOME with a gitconfig, and nothing else of the machine's (no system config). */
async function homeWith(gitconfig: string): Promise<{ home: string; env: NodeJS.ProcessEnv }> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "gitgrant-home-")));
  temps.push(dir);
  await writeFile(join(dir, ".gitconfig"), gitconfig, "utf8");
  return { home: dir, env: { HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), GIT_CONFIG_NOSYSTEM: "1", GNUPGHOME: join(dir, ".gnupg"), LC_ALL: "C" } };
}

const HOSTILE = `[core]
  quotepath = true
[diff]
  renames = true
  relative = true
[log]
  showSignature = true
  follow = true
  decorate = full
[color]
  ui = always
[i18n]
  logOutputEncoding = ISO-8859-1
`;

/**
 * A history with everything those settings would change: a non-ASCII name, a rename, a
 * non-ASCII commit message, and a commit signed with a key the hostile HOME trusts.
 */
async function historyFor(home: string, env: NodeJS.ProcessEnv): Promise<{ repo: TestRepo; base: string; head: string }> {
  const repo = await makeRepo();
  await repo.write(`${REQ}/db/café.yaml`, "reason: x\n");
  await repo.write(`${REQ}/db/old-name.yaml`, "reason: a request long enough to be seen as the same file when renamed\n");
  const base = await repo.commit("first", { date: "2026-01-01T10:00:00Z" });
  await repo.git("mv", `${REQ}/db/old-name.yaml`, `${REQ}/db/new-name.yaml`);
  await repo.write(`${REQ}/db/zoë.yaml`, "reason: y\n");
  await repo.git("add", "--all");
  const gnupg = join(home, ".gnupg");
  await mkdir(gnupg, { recursive: true, mode: 0o700 });
  gnupgHomes.push(gnupg);
  const signing = { ...process.env, ...env, GIT_AUTHOR_NAME: "tester", GIT_AUTHOR_EMAIL: "tester@example.com", GIT_COMMITTER_NAME: "tester", GIT_COMMITTER_EMAIL: "tester@example.com", GIT_AUTHOR_DATE: "2026-01-02T10:00:00Z", GIT_COMMITTER_DATE: "2026-01-02T10:00:00Z" };
  await exec("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "Tester <tester@example.com>", "ed25519", "sign", "never"], { env: signing });
  await exec("git", ["-c", "user.signingkey=tester@example.com", "commit", "--quiet", "-S", "-m", "café au lait"], { cwd: repo.dir, env: signing });
  return { repo, base, head: await repo.sha() };
}

describe("pinned settings", () => {
  it("a hostile ~/.gitconfig (quotepath, renames, signatures, colour, encoding, relative, follow) changes nothing gitgrant reads", async () => {
    const hostile = await homeWith(HOSTILE);
    const clean = await homeWith("");
    const { repo, base, head } = await historyFor(hostile.home, hostile.env);

    // The settings really are hostile: plain git with that HOME prints what we must not parse.
    const plain = (args: string[]) => exec("git", args, { cwd: repo.dir, env: { ...process.env, ...hostile.env } }).then((r) => r.stdout);
    expect(await plain(["ls-files"])).toContain('"access/requests/db/caf\\303\\251.yaml"');
    expect(await plain(["diff", "--name-status", base, head])).toMatch(/^R\d+\t/m);
    expect(await plain(["log", "-1", "--format=%H"])).toMatch(/Good signature/);
    expect(await plain(["log", "-1", "--format=%s"])).not.toContain("café");

    const git = new Git(repo.dir, { env: hostile.env });
    expect(await git.text(["ls-files"])).toBe(`${REQ}/db/café.yaml\n${REQ}/db/new-name.yaml\n${REQ}/db/zoë.yaml\n`);
    expect(await git.text(["diff", "--name-status", base, head])).toBe(`A\t${REQ}/db/new-name.yaml\nD\t${REQ}/db/old-name.yaml\nA\t${REQ}/db/zoë.yaml\n`);
    expect(await git.text(["log", "-1", "--format=%H %s"])).toBe(`${head} café au lait\n`);
    expect(await git.text(["log", "--oneline", "--decorate", "-1"])).not.toContain("\x1b[");

    // Every reader gives with the hostile HOME exactly what it gives with an empty one.
    const read = async (env: NodeJS.ProcessEnv) => {
      const local = new LocalGitRepo(repo.dir, { env });
      const commits = [];
      for await (const batch of streamLog({ dir: repo.dir, head: "HEAD", env })) commits.push(...batch);
      return {
        files: await local.listFiles("HEAD", REQ),
        changes: await local.changedFiles(base, head),
        landings: [...(await local.landings("HEAD", REQ)).values()],
        texts: [...(await local.readFiles("HEAD", [`${REQ}/db/café.yaml`, `${REQ}/db/zoë.yaml`])).entries()],
        log: commits.map((c) => ({ sha: c.sha, message: c.message, entries: c.entries.map((e) => `${e.status} ${e.path}`) })),
      };
    };
    const seen = await read(hostile.env);
    expect(seen).toEqual(await read(clean.env));
    expect(seen.changes).toEqual([
      { path: `${REQ}/db/new-name.yaml`, change: "added", mode: "100644" },
      { path: `${REQ}/db/old-name.yaml`, change: "deleted" },
      { path: `${REQ}/db/zoë.yaml`, change: "added", mode: "100644" },
    ]);
    expect(seen.landings.map((l) => [l.path, l.sha])).toEqual([[`${REQ}/db/café.yaml`, base], [`${REQ}/db/new-name.yaml`, head], [`${REQ}/db/zoë.yaml`, head]]);
    expect(seen.log.map((c) => c.message)).toEqual(["first\n", "café au lait\n"]);
    expect(seen.log[1]!.entries).toEqual([`A ${REQ}/db/new-name.yaml`, `D ${REQ}/db/old-name.yaml`, `A ${REQ}/db/zoë.yaml`]);
  });

  it("run from a subfolder, paths still come from the repository root whatever diff.relative says", async () => {
    const hostile = await homeWith(HOSTILE);
    const repo = await makeRepo();
    await repo.write(`${REQ}/db/a.yaml`, "a\n");
    const base = await repo.commit("a");
    await repo.write(`${REQ}/db/b.yaml`, "b\n");
    const head = await repo.commit("b");
    const git = new Git(join(repo.dir, REQ), { env: hostile.env });
    expect(await git.text(["diff", "--name-only", base, head])).toBe(`${REQ}/db/b.yaml\n`);
  });
});

describe("the environment", () => {
  it("every git process, buffered or streamed, runs with GIT_OPTIONAL_LOCKS=0 and GIT_TERMINAL_PROMPT=0, whatever the caller passes", async () => {
    const repo = await makeRepo();
    // A shell alias runs with git's own environment: it shows what git was given.
    const show = ["-c", "alias.show-env=!printf '%s %s' \"$GIT_OPTIONAL_LOCKS\" \"$GIT_TERMINAL_PROMPT\"", "show-env"];
    const git = new Git(repo.dir, { env: { GIT_OPTIONAL_LOCKS: "1", GIT_TERMINAL_PROMPT: "1", HOME: join(repo.dir, "..", "home") } });
    expect(await git.text(show)).toBe("0 0");
    const streamed = git.spawn(show);
    let out = "";
    for await (const chunk of streamed.stdout) out += String(chunk);
    expect(await streamed.ended).toBeNull();
    expect(out).toBe("0 0");
  });

  it("the caller's environment is merged over the process's: an identity given for one call reaches git", async () => {
    const repo = await makeRepo();
    const git = new Git(repo.dir, { env: { GIT_AUTHOR_NAME: "Zoë Example", GIT_AUTHOR_EMAIL: "zoe@example.com", GIT_AUTHOR_DATE: "1767261600 +0000" } });
    expect(await git.text(["var", "GIT_AUTHOR_IDENT"])).toBe("Zoë Example <zoe@example.com> 1767261600 +0000\n");
    expect(process.env.GIT_AUTHOR_NAME).not.toBe("Zoë Example");
  });
});

describe("errors", () => {
  it("a failing command is a GitCommandError with the caller's arguments (no pinned -c), git's exit status and its stderr", async () => {
    const repo = await makeRepo();
    const git = new Git(repo.dir);
    const error = await git.run(["rev-parse", "--verify", "no-such-ref^{commit}"]).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    const e = error as GitCommandError;
    expect(e.args).toEqual(["rev-parse", "--verify", "no-such-ref^{commit}"]);
    expect(e.exitCode).toBe(128);
    expect(e.stderr).toMatch(/fatal: Needed a single revision/);
    expect(e.message).toBe(`git rev-parse --verify no-such-ref^{commit} failed (exit 128): ${e.stderr.trim()}`);
    // With allowFailure, the exit status is the answer.
    expect((await git.run(["rev-parse", "--verify", "--quiet", "no-such-ref"], { allowFailure: true })).exitCode).toBe(1);
  });

  it("arguments with spaces or control characters are quoted in the message so it can be read and copied", async () => {
    const repo = await makeRepo();
    const e = (await new Git(repo.dir).run(["log", "--format=\x1e%H", "no such ref"]).catch((x: unknown) => x)) as GitCommandError;
    expect(e.message).toMatch(/^git log "--format=\\u001e%H" "no such ref" failed \(exit 128\): fatal: /);
  });

  it("a missing git binary says so, from every kind of reader, and is never taken for 'no such file'", async () => {
    const repo = await makeRepo();
    await repo.write(`${REQ}/db/a.yaml`, "a\n");
    const sha = await repo.commit("a");
    const gitBinary = join(repo.dir, "no-such-git");
    const clear = /could not start: ".*no-such-git" was not found \(is git installed and on PATH\?\)/;
    const buffered = await new Git(repo.dir, { gitBinary }).run(["status"]).catch((e: unknown) => e);
    expect(buffered).toBeInstanceOf(GitCommandError);
    expect((buffered as GitCommandError).exitCode).toBe("ENOENT");
    expect((buffered as Error).message).toMatch(clear);
    const local = new LocalGitRepo(repo.dir, { gitBinary });
    await expect(local.resolve("HEAD")).rejects.toThrow(clear);
    await expect(readBlobs(repo.dir, [`${sha}:${REQ}/db/a.yaml`], { gitBinary })).rejects.toThrow(clear);
    const log = async () => {
      for await (const _ of streamLog({ dir: repo.dir, head: "HEAD", gitBinary })) void _;
    };
    await expect(log()).rejects.toThrow(clear);
    await expect(readAudit({ dir: repo.dir, gitBinary })).rejects.toThrow(clear);
  });

  it("a folder that does not exist is named as such, not as a missing git", async () => {
    const e = await new Git(join(tmpdir(), "gitgrant-no-such-folder")).run(["status"]).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/could not start: the folder ".*gitgrant-no-such-folder" does not exist/);
  });

  it("outside a repository, a buffered command and a batch read both fail with git's own words", async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), "gitgrant-not-a-repo-")));
    temps.push(dir);
    const env = { GIT_CEILING_DIRECTORIES: tmpdir() };
    await expect(new Git(dir, { env }).text(["rev-parse", "--is-shallow-repository"])).rejects.toThrow(/^git rev-parse --is-shallow-repository failed \(exit 128\): fatal: not a git repository/);
    const e = await readBlobs(dir, ["HEAD:a"], { env }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GitCommandError);
    expect((e as GitCommandError).args).toEqual(["cat-file", "--batch"]);
    expect((e as GitCommandError).stderr).toMatch(/not a git repository/);
  });
});

describe("one cat-file reader", () => {
  it("reads by blob id and by <commit>:<path>; a folder, a missing path and a missing id are null; the answers keep their order", async () => {
    const repo = await makeRepo();
    await repo.write(`${REQ}/db/a b.yaml`, "spaces\n");
    await repo.write(`${REQ}/db/ünï.yaml`, "\uFEFFbom and ☕\r\n");
    const sha = await repo.commit("files");
    const blob = (await repo.git("rev-parse", `${sha}:${REQ}/db/a b.yaml`)).trim();
    const cat = new CatFile({ dir: repo.dir });
    try {
      const got = await Promise.all([
        cat.readName(`${sha}:${REQ}/db/ünï.yaml`),
        cat.readName(`${sha}:${REQ}/db`),
        cat.read(blob),
        cat.readName(`${sha}:${REQ}/db/nothing missing`),
        cat.read("f".repeat(40)),
        cat.readName(`${sha}:${REQ}/db/a b.yaml`),
      ]);
      expect(got).toEqual(["\uFEFFbom and ☕\r\n", null, "spaces\n", null, null, "spaces\n"]);
      await expect(cat.readName("HEAD:a\nHEAD:b")).rejects.toThrow('not an object name: "HEAD:a\\nHEAD:b"');
      // An id-only read refuses a name: the audit asks only for ids from the log.
      await expect(cat.read(`${sha}:${REQ}/db/a b.yaml`)).rejects.toThrow(/not an object id/);
    } finally {
      cat.close();
    }
    const texts = await readBlobs(repo.dir, [blob, `${sha}:${REQ}/db`, blob, `${sha}:nope`]);
    expect([...texts.entries()]).toEqual([[blob, "spaces\n"]]);
  });
});
