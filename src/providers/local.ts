// The embedded default provider: grants live in a JSON ledger file, so gitgrant can be
// tried end to end without any cloud account. The ledger is replaced atomically
// (temp file in the same directory, fsync, rename, fsync of the directory), so a crash
// leaves either the old ledger or the new one, never half of one; every read-modify-write
// holds a cross-process file lock (ledger-lock.ts), so concurrent writers never lose grants.
// Every entry is gitgrant's own: the ledger is gitgrant's record, nobody else writes it.
import * as nodeFs from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { invalidTarget, mapErrors } from "./errors.js";
import { withLedgerLock, type LedgerLockOptions, type LockCheck } from "./ledger-lock.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";

export const DEFAULT_LEDGER_PATH = ".gitgrant/ledger.json";

export interface LedgerEntry {
  principal: string;
  resource: string;
  startsAt: string;
  expiresAt: string;
  reason: string;
  grantedAt: string;
}

export interface Ledger {
  version: 1;
  /** Keyed "<resource>/<login>", one entry per request file. */
  grants: Record<string, LedgerEntry>;
}

/** The part of a file handle the writer uses; a test can make `writeFile` fail half way. */
export interface LedgerFileHandle {
  writeFile(data: string, encoding: "utf8"): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls the ledger makes, injectable to simulate crashes and full disks. */
export interface LedgerFs {
  readFile(file: string, encoding: "utf8"): Promise<string>;
  open(file: string, flags: string, mode?: number): Promise<LedgerFileHandle>;
  rename(from: string, to: string): Promise<void>;
  mkdir(dir: string, options: { recursive: true }): Promise<unknown>;
  unlink(file: string): Promise<void>;
}

export interface LocalProviderOptions {
  /** Ledger file; default $GITGRANT_LEDGER, else .gitgrant/ledger.json under `cwd`. */
  ledgerPath?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  fs?: LedgerFs;
  /** Clock for `grantedAt` only; nothing else here reads time. */
  now?: () => Date;
  /** The cross-process lock's stale and wait times. */
  lock?: LedgerLockOptions;
}

export function resolveLedgerPath(options: LocalProviderOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  return path.resolve(cwd, options.ledgerPath ?? env.GITGRANT_LEDGER ?? DEFAULT_LEDGER_PATH);
}

const emptyLedger = (): Ledger => ({ version: 1, grants: {} });

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

/** Read the ledger; a missing file is an empty ledger, an unreadable one is an error
 *  (never treated as empty, which would make the next write drop every grant). */
export async function readLedger(file: string, fs: LedgerFs = nodeFs): Promise<Ledger> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return emptyLedger();
    throw new ProviderError("transient", `cannot read the ledger ${file}: ${(err as Error).message}`);
  }
  const corrupt = (why: string) =>
    new ProviderError("invalid", `the ledger ${file} ${why}; fix or move it by hand (gitgrant never overwrites an unreadable ledger)`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw corrupt(`is not valid JSON (${(err as Error).message})`);
  }
  const ledger = data as Partial<Ledger> | null;
  if (!ledger || typeof ledger !== "object" || ledger.version !== 1) throw corrupt("is not a version 1 ledger");
  if (!ledger.grants || typeof ledger.grants !== "object" || Array.isArray(ledger.grants)) {
    throw corrupt('has no "grants" object');
  }
  return ledger as Ledger;
}

/** Replace the ledger atomically. The temp file is unique, so a stray one left by a crash
 *  never collides with a later write, and readers only ever open the ledger itself. */
export async function writeLedger(file: string, ledger: Ledger, fs: LedgerFs = nodeFs, stillHeld: LockCheck = () => undefined): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await fs.open(temp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(ledger, null, 2)}\n`, "utf8");
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    stillHeld();
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
  await fs.rename(temp, file);
  await syncDirectory(dir, fs);
}

// Makes the rename itself durable. Some platforms cannot open a directory for fsync;
// there the rename is still atomic, only its durability across power loss is weaker.
async function syncDirectory(dir: string, fs: LedgerFs): Promise<void> {
  let handle: LedgerFileHandle | undefined;
  try {
    handle = await fs.open(dir, "r");
    await handle.sync();
  } catch (err) {
    if (!["EISDIR", "EPERM", "EINVAL", "EBADF"].some((code) => isErrno(err, code))) throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** The local target is optional: `{}` or `{ name: "..." }` (a label for people). */
export function checkLocalTarget(resource: Resource): void {
  const target: unknown = resource.target ?? {};
  if (typeof target !== "object" || target === null || Array.isArray(target)) {
    throw invalidTarget(resource.id, "must be a mapping (or left out)");
  }
  const name = (target as { name?: unknown }).name;
  if (name !== undefined && typeof name !== "string") throw invalidTarget(resource.id, "has a name that is not text");
}

const keyOf = (ref: GrantRef) => `${ref.resource.id}/${ref.login.toLowerCase()}`;

function sameWindow(entry: LedgerEntry, grant: Grant): boolean {
  return (
    entry.principal === grant.principal &&
    entry.startsAt === grant.startsAt.toISOString() &&
    entry.expiresAt === grant.expiresAt.toISOString() &&
    entry.reason === grant.reason
  );
}

/** A ledger entry ends when the sweep removes it. */
const nativeExpiry = () => false;

export function createLocalProvider(options: LocalProviderOptions = {}): Provider & { readonly ledgerPath: string } {
  const file = resolveLedgerPath(options);
  const fs = options.fs ?? nodeFs;
  const now = options.now ?? (() => new Date());
  // One read-modify-write at a time within this provider (cheap, and spares the file lock
  // needless contention), and under the file lock across providers and processes.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: (stillHeld: LockCheck) => Promise<T>): Promise<T> => {
    const locked = () => withLedgerLock(file, fn, options.lock);
    const run = queue.then(locked, locked);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    name: "local",
    ledgerPath: file,
    nativeExpiry,
    checkTarget: checkLocalTarget,

    grant: (grant) =>
      exclusive((stillHeld) =>
        mapErrors(`record ${grant.login} -> ${grant.resource.id} in ${file}`, async (): Promise<ProviderOutcome> => {
          const ledger = await readLedger(file, fs);
          const key = keyOf(grant);
          const existing = ledger.grants[key];
          const until = grant.expiresAt.toISOString();
          const principal = grant.principal;
          if (existing && sameWindow(existing, grant)) {
            return { status: "unchanged", found: "own", principal, detail: `${principal} already holds ${grant.resource.id} until ${until} (local ledger)` };
          }
          ledger.grants[key] = {
            principal,
            resource: grant.resource.id,
            startsAt: grant.startsAt.toISOString(),
            expiresAt: until,
            reason: grant.reason,
            grantedAt: now().toISOString(),
          };
          await writeLedger(file, ledger, fs, stillHeld);
          const verb = !existing ? "granted" : existing.principal === principal ? "updated the grant of" : `replaced ${existing.principal}'s entry with`;
          return { status: "granted", principal, detail: `${verb} ${principal} -> ${grant.resource.id} until ${until} (local ledger)` };
        }),
      ),

    // Removes the entry only when it is for the principal that was granted (the receipt's):
    // an entry since rewritten for someone else is that grant's, not this one's.
    revoke: (ref) =>
      exclusive((stillHeld) =>
        mapErrors(`remove ${ref.login} -> ${ref.resource.id} from ${file}`, async (): Promise<ProviderOutcome> => {
          const ledger = await readLedger(file, fs);
          const key = keyOf(ref);
          const entry = ledger.grants[key];
          const principal = ref.principal;
          if (!entry) {
            return { status: "unchanged", principal, detail: `${principal} holds no ${ref.resource.id} grant in the local ledger` };
          }
          if (entry.principal !== principal) {
            return {
              status: "unchanged",
              principal,
              detail: `${principal} holds no ${ref.resource.id} grant in the local ledger (the entry of ${ref.path} is for ${entry.principal}; left as is)`,
            };
          }
          delete ledger.grants[key];
          await writeLedger(file, ledger, fs, stillHeld);
          return { status: "revoked", principal, detail: `revoked ${principal} -> ${ref.resource.id} (local ledger)` };
        }),
      ),

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      // A read needs no lock: the ledger is only ever replaced whole, by rename.
      const ledger = await mapErrors(`read ${file}`, () => readLedger(file, fs));
      const wanted = principals ? new Set(principals) : undefined;
      return Object.values(ledger.grants)
        .filter((entry) => entry.resource === resource.id && (!wanted || wanted.has(entry.principal)))
        .map((entry) => ({
          resourceId: entry.resource,
          principal: entry.principal,
          expiresAt: new Date(entry.expiresAt),
          managedByGitgrant: true,
        }));
    },
  };
}

export const descriptor = defineProvider({
  name: "local",
  identity: { key: "local", schema: { type: "string", description: "Name in the local ledger; defaults to the login." }, defaultsToLogin: true },
  targetSchema: { type: "object", additionalProperties: false, properties: { name: { type: "string" } } },
  checkTarget: checkLocalTarget,
  nativeExpiry,
  create: (own: LocalProviderOptions | undefined, shared) => createLocalProvider({ env: shared.env, ...own }),
});
