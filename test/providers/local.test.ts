import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  createLocalProvider,
  readLedger,
  resolveLedgerPath,
  type LedgerFs,
  type LedgerFileHandle,
} from "../../src/providers/local.js";
import { ProviderError } from "../../src/providers/types.js";
import { EXPIRES_AT, NOW, grant, ref, resource } from "../helpers/providers.js";

const demo = resource("demo-db", "local", {});
const other = resource("other", "local", {});

let dir: string;
let ledgerFile: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "gitgrant-ledger-"));
  ledgerFile = path.join(dir, "state", "ledger.json");
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const provider = (extra: { fs?: LedgerFs } = {}) => createLocalProvider({ ledgerPath: ledgerFile, now: () => NOW, ...extra });
const readJson = async () => JSON.parse(await fs.readFile(ledgerFile, "utf8"));

describe("local ledger provider", () => {
  it("resolves the ledger path from the option, then GITGRANT_LEDGER, then .gitgrant/ledger.json under cwd", () => {
    expect(resolveLedgerPath({ cwd: "/repo", env: {} })).toBe("/repo/.gitgrant/ledger.json");
    expect(resolveLedgerPath({ cwd: "/repo", env: { GITGRANT_LEDGER: "/var/ledger.json" } })).toBe("/var/ledger.json");
    expect(resolveLedgerPath({ cwd: "/repo", env: { GITGRANT_LEDGER: "x.json" }, ledgerPath: "y.json" })).toBe("/repo/y.json");
  });

  it("grants by writing the entry, keyed <resource>/<login>, creating the directory", async () => {
    const outcome = await provider().grant(grant(demo, "alice", "alice"));
    expect(outcome).toEqual({ status: "granted", principal: "alice", detail: "granted alice -> demo-db until 2026-03-02T14:30:00.000Z (local ledger)" });
    expect(await readJson()).toEqual({
      version: 1,
      grants: {
        "demo-db/alice": {
          principal: "alice",
          resource: "demo-db",
          startsAt: "2026-03-02T10:00:00.000Z",
          expiresAt: "2026-03-02T14:30:00.000Z",
          reason: "Investigate INC-1234, slow queries on the replica",
          grantedAt: "2026-03-02T10:00:05.000Z",
        },
      },
    });
    expect(provider().nativeExpiry(demo)).toBe(false);
  });

  it("granting the same window again is unchanged and does not rewrite the file", async () => {
    await provider().grant(grant(demo, "alice", "alice"));
    const before = await fs.stat(ledgerFile);
    const outcome = await createLocalProvider({ ledgerPath: ledgerFile, now: () => new Date("2030-01-01T00:00:00Z") }).grant(
      grant(demo, "alice", "alice"),
    );
    // The ledger is gitgrant's own record: what it finds there is gitgrant's.
    expect(outcome).toMatchObject({ status: "unchanged", found: "own", principal: "alice" });
    expect((await fs.stat(ledgerFile)).ino).toBe(before.ino);
    expect((await readJson()).grants["demo-db/alice"].grantedAt).toBe("2026-03-02T10:00:05.000Z");
  });

  it("a longer window replaces the entry (an extension is a grant)", async () => {
    const p = provider();
    await p.grant(grant(demo, "alice", "alice"));
    const later = new Date(EXPIRES_AT.getTime() + 3600_000);
    const outcome = await p.grant(grant(demo, "alice", "alice", { expiresAt: later }));
    expect(outcome).toEqual({ status: "granted", principal: "alice", detail: "updated the grant of alice -> demo-db until 2026-03-02T15:30:00.000Z (local ledger)" });
    expect((await readJson()).grants["demo-db/alice"].expiresAt).toBe("2026-03-02T15:30:00.000Z");
  });

  it("revokes, and revoking what is gone is unchanged", async () => {
    const p = provider();
    await p.grant(grant(demo, "alice", "alice"));
    await p.grant(grant(demo, "bob", "bob"));
    expect((await p.revoke(ref(demo, "alice", "alice"))).status).toBe("revoked");
    expect(Object.keys((await readJson()).grants)).toEqual(["demo-db/bob"]);
    expect(await p.revoke(ref(demo, "alice", "alice"))).toEqual({
      status: "unchanged",
      principal: "alice",
      detail: "alice holds no demo-db grant in the local ledger",
    });
    // No ledger at all: still a quiet no-op.
    await fs.rm(ledgerFile);
    expect((await p.revoke(ref(demo, "bob", "bob"))).status).toBe("unchanged");
  });

  it("revokes the principal that was granted, never the entry an identity remap wrote for someone else", async () => {
    const p = provider();
    await p.grant(grant(demo, "alice", "alice-old"));
    // identities.yaml now maps alice to alice-new, and convergence granted that.
    expect(await p.grant(grant(demo, "alice", "alice-new"))).toMatchObject({
      status: "granted",
      principal: "alice-new",
      detail: "replaced alice-old's entry with alice-new -> demo-db until 2026-03-02T14:30:00.000Z (local ledger)",
    });
    // The receipt's revoke of the old principal leaves the new grant alone.
    expect(await p.revoke(ref(demo, "alice", "alice-old"))).toEqual({
      status: "unchanged",
      principal: "alice-old",
      detail: "alice-old holds no demo-db grant in the local ledger (the entry of access/requests/demo-db/alice.yaml is for alice-new; left as is)",
    });
    expect((await readJson()).grants["demo-db/alice"].principal).toBe("alice-new");
    expect(await p.revoke(ref(demo, "alice", "alice-new"))).toMatchObject({ status: "revoked", principal: "alice-new" });
    expect((await readJson()).grants).toEqual({});
  });

  it("lists one resource's grants, optionally narrowed to some principals", async () => {
    const p = provider();
    await Promise.all([
      p.grant(grant(demo, "alice", "alice")),
      p.grant(grant(demo, "bob", "bob")),
      p.grant(grant(other, "alice", "alice")),
    ]);
    expect(await p.list(demo)).toEqual([
      { resourceId: "demo-db", principal: "alice", expiresAt: EXPIRES_AT, managedByGitgrant: true },
      { resourceId: "demo-db", principal: "bob", expiresAt: EXPIRES_AT, managedByGitgrant: true },
    ]);
    expect((await p.list(demo, ["bob"])).map((g) => g.principal)).toEqual(["bob"]);
    expect(await createLocalProvider({ ledgerPath: path.join(dir, "none.json") }).list(demo)).toEqual([]);
  });

  it("a crash half way through writing the temp file leaves the old ledger intact", async () => {
    await provider().grant(grant(demo, "alice", "alice"));
    const before = await fs.readFile(ledgerFile, "utf8");
    // An fs whose temp-file write puts half the bytes on disk, then dies.
    const crashing: LedgerFs = {
      ...fs,
      readFile: (f, e) => fs.readFile(f, e),
      mkdir: (d, o) => fs.mkdir(d, o),
      rename: (a, b) => fs.rename(a, b),
      unlink: (f) => fs.unlink(f),
      async open(file, flags, mode): Promise<LedgerFileHandle> {
        const handle = await fs.open(file, flags, mode);
        return {
          async writeFile(data) {
            await handle.writeFile(data.slice(0, Math.floor(data.length / 2)), "utf8");
            throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          },
          sync: () => handle.sync(),
          close: () => handle.close(),
        };
      },
    };
    const error = await provider({ fs: crashing }).grant(grant(demo, "bob", "bob")).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain("ENOSPC");
    expect(await fs.readFile(ledgerFile, "utf8")).toBe(before);
    expect(await fs.readdir(path.dirname(ledgerFile))).toEqual(["ledger.json"]);
  });

  it("a stray temp file from a killed process is ignored by readers and by later writes", async () => {
    const p = provider();
    await p.grant(grant(demo, "alice", "alice"));
    const stray = path.join(path.dirname(ledgerFile), ".ledger.json.4242.deadbeef.tmp");
    await fs.writeFile(stray, '{"version":1,"grants":{"demo-db/mallory":');
    expect((await p.list(demo)).map((g) => g.principal)).toEqual(["alice"]);
    await p.grant(grant(demo, "bob", "bob"));
    expect(Object.keys((await readLedger(ledgerFile)).grants)).toEqual(["demo-db/alice", "demo-db/bob"]);
  });

  it("a corrupt ledger is a clear error and is never overwritten", async () => {
    await fs.mkdir(path.dirname(ledgerFile), { recursive: true });
    await fs.writeFile(ledgerFile, "{ not json");
    const error = await provider().grant(grant(demo, "alice", "alice")).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.kind).toBe("invalid");
    expect(error.message).toMatch(/ledger\.json is not valid JSON .*never overwrites an unreadable ledger/);
    expect(await fs.readFile(ledgerFile, "utf8")).toBe("{ not json");

    await fs.writeFile(ledgerFile, '{"version":2,"grants":{}}');
    await expect(provider().list(demo)).rejects.toThrow(/is not a version 1 ledger/);
  });
});
