// Ownership receipts as git notes on real repositories: a bare "origin" and clones of it,
// as the Actions workflow and an auditor have them. Writers race and nobody's receipts are
// lost; a note anyone else wrote (the forged "standing" receipt that would keep access at
// revoke) is reported and ignored, and the next real write drops it.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Receipt } from "../../src/core/receipts.js";
import { GitNotesReceiptStore, NOTES_REF, ReceiptsNotTrustedError, type ReceiptTrustSettings } from "../../src/git/notes.js";
import { makeRepo, cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";

const run = promisify(execFile);
const SWEEP = "sweep@acme.example";

interface Key { fpr: string; armored: string }
let root: string;
let gnupg: string;
let sweepKey: Key;
let attackerKey: Key;
let seed: TestRepo;
let origin: string;
let applied: string;

async function gpg(...args: string[]): Promise<string> {
  return (await run("gpg", ["--batch", "--no-tty", ...args], { env: { ...process.env, GNUPGHOME: gnupg } })).stdout;
}
async function makeKey(uid: string): Promise<Key> {
  await gpg("--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never");
  const fpr = (await gpg("--with-colons", "--list-keys", uid)).split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9]!;
  return { fpr, armored: await gpg("--armor", "--export", fpr) };
}

function env(who: { name: string; email: string }): NodeJS.ProcessEnv {
  return {
    HOME: gnupg,
    GNUPGHOME: gnupg,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_AUTHOR_DATE: "2026-03-02T10:00:00Z",
    GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_COMMITTER_DATE: "2026-03-02T10:00:00Z",
  };
}
// Built once gnupg exists (beforeAll).
let SWEEP_ENV: NodeJS.ProcessEnv;
let MALLORY_ENV: NodeJS.ProcessEnv;

let clones = 0;
async function clone(): Promise<string> {
  const dir = join(root, `clone-${++clones}`);
  await run("git", ["clone", "--quiet", origin, dir], { env: { ...process.env, ...SWEEP_ENV } });
  return dir;
}
async function git(dir: string, e: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  return (await run("git", args, { cwd: dir, env: { ...process.env, ...e } })).stdout;
}

const TRUSTED: ReceiptTrustSettings = { evidence: { sweep_identity: SWEEP }, keys: [] };
function store(dir: string, o: { trust?: ReceiptTrustSettings; sign?: boolean; beforePublish?: () => Promise<void> } = {}) {
  return new GitNotesReceiptStore({
    dir,
    env: SWEEP_ENV,
    trust: async () => o.trust ?? { ...TRUSTED, keys: [{ path: "access/trust/sweep.asc", text: sweepKey.armored }] },
    ...(o.sign === false ? {} : { signingKey: sweepKey.fpr }),
    ...(o.beforePublish ? { beforePublish: o.beforePublish } : {}),
  });
}

function receipt(event: Receipt["event"], login: string, at: string, principal = login): Receipt {
  return { v: 1, event, path: `access/requests/prod-db-admins/${login}.yaml`, login, resource: "prod-db-admins", provider: "aws-iam", principal, target: { mode: "group", group: "prod-db-admins" }, at, commit: applied };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "gg-notes-"));
  gnupg = join(root, "gnupg");
  SWEEP_ENV = env({ name: "gitgrant sweep", email: SWEEP });
  MALLORY_ENV = env({ name: "mallory", email: "mallory@users.noreply.github.com" });
  await run("mkdir", ["-m", "700", gnupg]);
  sweepKey = await makeKey(`gitgrant sweep <${SWEEP}>`);
  attackerKey = await makeKey("Mallory <mallory@example.com>");
  seed = await makeRepo();
  await seed.write("access/requests/prod-db-admins/bob.yaml", "reason: Rotate the replica credentials\nduration: 2h\n");
  applied = await seed.commit("grant bob");
  origin = join(root, "origin.git");
  await run("git", ["clone", "--quiet", "--bare", seed.dir, origin]);
}, 60_000);

afterAll(async () => {
  await run("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupg } }).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
  await cleanupRepos();
});

describe("receipts in refs/notes/gitgrant of a clone with an origin", () => {
  it("a recorded receipt is pushed to origin and read back by another clone, and git shows it to an auditor", async () => {
    const a = await clone();
    const r = receipt("created", "bob", "2026-03-02T10:00:05Z", "arn:aws:iam::1:user/bob");
    await store(a).record(applied, [r]);

    const b = await clone();
    const read = await store(b).read();
    expect(read.problems).toEqual([]);
    expect(read.receipts).toContainEqual(r);
    // What an auditor runs: fetch the notes ref and show the note on the applied commit.
    await git(b, SWEEP_ENV, "fetch", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);
    const note = await git(b, SWEEP_ENV, "notes", "--ref=gitgrant", "show", applied);
    expect(note.trim().split("\n").map((l) => JSON.parse(l))).toContainEqual(r);
    expect(await git(b, SWEEP_ENV, "log", "--notes=gitgrant", "-1", applied)).toContain('"event":"created"');
  });

  it("two clones racing: the one whose push loses re-fetches and appends, so both receipts survive", async () => {
    const a = await clone();
    const b = await clone();
    const fromA = receipt("standing", "carol", "2026-03-02T11:00:00Z");
    const fromB = receipt("created", "dave", "2026-03-02T11:00:01Z");
    let raced = false;
    // A builds its commit, then B records and pushes before A publishes: A's push is rejected.
    const storeA = store(a, {
      beforePublish: async () => {
        if (raced) return;
        raced = true;
        await store(b).record(applied, [fromB]);
      },
    });
    await storeA.record(applied, [fromA]);
    expect(raced).toBe(true);

    const read = await store(await clone()).read();
    expect(read.receipts).toContainEqual(fromA);
    expect(read.receipts).toContainEqual(fromB);
  });

  it("four writers at once, each in its own clone: every receipt is on origin", { timeout: 120_000 }, async () => {
    const dirs = await Promise.all([1, 2, 3, 4].map(() => clone()));
    const mine = dirs.map((_, i) => receipt("created", `user${i}`, `2026-03-02T12:00:0${i}Z`));
    await Promise.all(dirs.map((d, i) => store(d).record(applied, [mine[i]!])));
    const read = await store(await clone()).read();
    for (const r of mine) expect(read.receipts).toContainEqual(r);
  });
});

describe("trust: a receipt counts only in a notes commit gitgrant made", () => {
  it("a forged standing receipt pushed by someone with push access is reported and ignored, and the next real write drops it", async () => {
    const gitgrant = await clone();
    const created = receipt("created", "erin", "2026-03-02T13:00:00Z");
    await store(gitgrant).record(applied, [created]);

    // Mallory, who has push access, appends a later "standing" receipt so the revoke would leave erin's access.
    const mallory = await clone();
    await git(mallory, MALLORY_ENV, "fetch", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);
    const forged = receipt("standing", "erin", "2026-03-02T13:30:00Z");
    await git(mallory, MALLORY_ENV, "notes", "--ref=gitgrant", "append", "-m", JSON.stringify(forged), applied);
    await git(mallory, MALLORY_ENV, "push", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);

    const reader = store(await clone());
    const read = await reader.read();
    expect(read.receipts).toContainEqual(created);
    expect(read.receipts).not.toContainEqual(forged);
    expect(read.problems.join("\n")).toMatch(/is not gitgrant's \(authored by mallory .*committed by mallory .*\): the receipts it wrote are ignored/);

    // gitgrant's next write builds on Mallory's tip (a fast-forward) from its own last tree.
    const later = receipt("revoked", "frank", "2026-03-02T14:00:00Z");
    await store(gitgrant).record(applied, [later]);
    const after = await store(await clone()).read();
    expect(after.problems).toEqual([]);
    expect(after.receipts).toContainEqual(created);
    expect(after.receipts).toContainEqual(later);
    expect(after.receipts).not.toContainEqual(forged);
    const check = await clone();
    await git(check, SWEEP_ENV, "fetch", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);
    expect(await git(check, SWEEP_ENV, "notes", "--ref=gitgrant", "show", applied)).not.toContain("13:30:00");
  });

  it("a notes commit dressed as the sweep's but signed by a key outside the trust list is ignored", async () => {
    const mallory = await clone();
    await git(mallory, SWEEP_ENV, "fetch", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);
    const forged = receipt("standing", "gina", "2026-03-02T15:00:00Z");
    const attacker = new GitNotesReceiptStore({ dir: mallory, env: SWEEP_ENV, trust: async () => TRUSTED, signingKey: attackerKey.fpr });
    await attacker.record(applied, [forged]);

    const read = await store(await clone()).read();
    expect(read.receipts).not.toContainEqual(forged);
    expect(read.problems.join("\n")).toMatch(/the sweep's commit carries a signature by a key not in the trust list|a good signature by a key not in the trust list/);
  });

  it("an unsigned notes commit by the sweep's identity is not trusted either, and the store never writes one", async () => {
    const dir = await clone();
    const r = receipt("standing", "hana", "2026-03-02T16:00:00Z");
    // Without a signing key the store refuses, saying why, and leaves the ref as it was.
    const before = (await run("git", ["ls-remote", origin, NOTES_REF])).stdout;
    await expect(store(dir, { sign: false }).record(applied, [r])).rejects.toThrow(/GITGRANT_SIGNING_KEY is not set; the app records them when it applies/);
    expect((await run("git", ["ls-remote", origin, NOTES_REF])).stdout).toBe(before);
    // Made by hand as the sweep identity, unsigned: read and ignored.
    await git(dir, SWEEP_ENV, "fetch", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);
    await git(dir, SWEEP_ENV, "notes", "--ref=gitgrant", "append", "-m", JSON.stringify(r), applied);
    await git(dir, SWEEP_ENV, "push", "--quiet", "origin", `${NOTES_REF}:${NOTES_REF}`);
    const read = await store(await clone()).read();
    expect(read.receipts).not.toContainEqual(r);
    expect(read.problems.join("\n")).toMatch(/carries no signature/);
  });

  it("a clone whose policy names only the app's bot writes nothing: its commits could not be trusted", async () => {
    const dir = await clone();
    const s = store(dir, { trust: { evidence: { app_bot: "gitgrant-acme[bot]" }, keys: [] } });
    await expect(s.record(applied, [receipt("created", "ivo", "2026-03-02T17:00:00Z")])).rejects.toThrow(/the policy names no sweep_identity/);
  });

  it("with no gitgrant identity configured every receipt is ignored, and none is written, each saying why", async () => {
    const dir = await clone();
    const untrusted = store(dir, { trust: { evidence: undefined, keys: [] } });
    const read = await untrusted.read();
    expect(read.receipts).toEqual([]);
    expect(read.problems.join("\n")).toMatch(/ignored: settings.evidence names no gitgrant identity/);
    const before = await git(dir, SWEEP_ENV, "rev-parse", NOTES_REF);
    await expect(untrusted.record(applied, [receipt("created", "kim", "2026-03-02T18:00:00Z")])).rejects.toBeInstanceOf(ReceiptsNotTrustedError);
    expect(await git(dir, SWEEP_ENV, "rev-parse", NOTES_REF)).toBe(before);
  });

  it("a runner with no git identity still records: the notes commit is made as the sweep identity", async () => {
    const dir = await clone();
    const bare = { HOME: gnupg, GNUPGHOME: gnupg, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", EMAIL: "", GIT_AUTHOR_NAME: "", GIT_COMMITTER_NAME: "", GIT_AUTHOR_EMAIL: "", GIT_COMMITTER_EMAIL: "" };
    const s = new GitNotesReceiptStore({ dir, env: bare, trust: async () => ({ ...TRUSTED, keys: [{ path: "k.asc", text: sweepKey.armored }] }), signingKey: sweepKey.fpr });
    const r = receipt("created", "lena", "2026-03-02T19:00:00Z");
    await s.record(applied, [r]);
    expect((await store(await clone()).read()).receipts).toContainEqual(r);
  });
});

describe("a clone without a remote", () => {
  it("records and reads locally, and a note line that is not a receipt is reported", async () => {
    const repo = await makeRepo();
    await repo.write("x.txt", "x\n");
    const sha = await repo.commit("x");
    const s = new GitNotesReceiptStore({ dir: repo.dir, env: SWEEP_ENV, trust: async () => ({ ...TRUSTED, keys: [{ path: "k.asc", text: sweepKey.armored }] }), signingKey: sweepKey.fpr });
    const r = { ...receipt("created", "ivan", "2026-03-02T17:00:00Z"), commit: sha };
    await s.record(sha, [r]);
    expect((await s.read()).receipts).toEqual([r]);
    expect(await repo.git("notes", "--ref=gitgrant", "show", sha)).toContain('"login":"ivan"');
  });
});
