import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createLocalProvider, readLedger, writeLedger } from "../../src/providers/local.js";
import { lockPathOf, withLedgerLock } from "../../src/providers/ledger-lock.js";
import { ProviderError } from "../../src/providers/types.js";
import { NOW, grant, resource } from "../helpers/providers.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const demo = resource("demo-db", "local", {});

let dir: string;
let ledgerFile: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "gitgrant-ledger-lock-"));
  ledgerFile = path.join(dir, "state", "ledger.json");
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// Each delivery of the app builds its own providers: one instance per grant, as under load.
const fresh = () => createLocalProvider({ ledgerPath: ledgerFile, now: () => NOW });

// A second process granting at the same time: the same provider code, run through tsx.
const CHILD = `
import { createLocalProvider } from ${JSON.stringify(path.join(root, "src/providers/local.ts"))};
const [file, count] = [process.argv[2], Number(process.argv[3])];
// Start together with the parent: say ready, wait for its go.
console.log("ready");
await new Promise((resolve) => process.stdin.once("data", resolve));
process.stdin.destroy();
const res = { id: "demo-db", provider: "local", target: {}, sensitivity: "low", max_duration: "8h" };
const start = new Date("2026-03-02T10:00:00Z"), end = new Date("2026-03-02T14:30:00Z");
await Promise.all(Array.from({ length: count }, (_, i) => {
  const login = "child" + i;
  return createLocalProvider({ ledgerPath: file }).grant({ path: "access/requests/demo-db/" + login + ".yaml", login, resource: res, principal: login, startsAt: start, expiresAt: end, reason: "load test from a second process" });
}));
console.log("child done");
`;

describe("local ledger under concurrent writers", () => {
  it("100 concurrent grants from separate providers and 30 from a second process all land", async () => {
    const script = path.join(dir, "child.mts");
    await fs.writeFile(script, CHILD);
    const tsx = path.join(root, "node_modules/tsx/dist/esm/index.mjs");
    const child = spawn(process.execPath, ["--import", tsx, script, ledgerFile, "30"], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    let stdout = "";
    const ready = new Promise<void>((resolve) => child.stdout.on("data", (chunk) => ((stdout += chunk), stdout.includes("ready") && resolve())));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await ready;
    child.stdin.end("go\n");
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => fresh().grant(grant(demo, `user${i}`, `user${i}`))));
    expect(await exited).toBe(0);
    expect(stdout).toContain("child done");
    expect(outcomes.every((o) => o.status === "granted")).toBe(true);
    const ledger = await readLedger(ledgerFile);
    const keys = Object.keys(ledger.grants);
    expect(keys).toHaveLength(130);
    for (let i = 0; i < 100; i++) expect(ledger.grants[`demo-db/user${i}`]?.principal).toBe(`user${i}`);
    for (let i = 0; i < 30; i++) expect(ledger.grants[`demo-db/child${i}`]?.principal).toBe(`child${i}`);
    // Released: no lock left behind, no temp file.
    expect((await fs.readdir(path.dirname(ledgerFile))).sort()).toEqual(["ledger.json"]);
  }, 90_000);

  it("concurrent grants and revokes from separate providers leave exactly the expected entries", async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => fresh().grant(grant(demo, `u${i}`, `u${i}`))));
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => fresh().revoke(grant(demo, `u${i}`, `u${i}`))),
      ...Array.from({ length: 20 }, (_, i) => fresh().grant(grant(demo, `v${i}`, `v${i}`))),
    ]);
    const keys = Object.keys((await readLedger(ledgerFile)).grants).sort();
    const expected = [...Array.from({ length: 20 }, (_, i) => `demo-db/u${i + 20}`), ...Array.from({ length: 20 }, (_, i) => `demo-db/v${i}`)].sort();
    expect(keys).toEqual(expected);
  }, 60_000);

  it("takes over a stale lock left by a crashed process", async () => {
    const lock = lockPathOf(ledgerFile);
    await fs.mkdir(lock, { recursive: true });
    // The holder died an hour ago: nobody has refreshed the lock since.
    const anHourAgo = new Date(Date.now() - 3600_000);
    await fs.utimes(lock, anHourAgo, anHourAgo);
    expect((await fresh().grant(grant(demo, "alice", "alice"))).status).toBe("granted");
    expect(Object.keys((await readLedger(ledgerFile)).grants)).toEqual(["demo-db/alice"]);
    await expect(fs.stat(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a lock held by a live process is waited for, then reported as a retryable conflict, and nothing is written", async () => {
    const lock = lockPathOf(ledgerFile);
    await fs.mkdir(lock, { recursive: true }); // fresh mtime: a live holder
    const provider = createLocalProvider({ ledgerPath: ledgerFile, now: () => NOW, lock: { waitMs: 0 } });
    const error = await provider.grant(grant(demo, "alice", "alice")).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe("conflict");
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`stayed locked by another gitgrant process for 0 s (lock ${lock})`);
    await expect(fs.stat(ledgerFile)).rejects.toMatchObject({ code: "ENOENT" });
    // The live holder's lock is not ours to remove.
    expect((await fs.stat(lock)).isDirectory()).toBe(true);
  });

  it("a writer that lost its lock commits nothing and leaves no temp file", async () => {
    await fresh().grant(grant(demo, "alice", "alice"));
    const before = await fs.readFile(ledgerFile, "utf8");
    const lost = () => {
      throw new ProviderError("conflict", "lost the lock on the ledger");
    };
    await expect(writeLedger(ledgerFile, { version: 1, grants: {} }, undefined, lost)).rejects.toThrow("lost the lock on the ledger");
    expect(await fs.readFile(ledgerFile, "utf8")).toBe(before);
    expect(await fs.readdir(path.dirname(ledgerFile))).toEqual(["ledger.json"]);
  });

  it("the lock is released when the work inside it fails", async () => {
    await expect(withLedgerLock(ledgerFile, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(fs.stat(lockPathOf(ledgerFile))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await withLedgerLock(ledgerFile, async () => "again")).toBe("again");
  });
});
