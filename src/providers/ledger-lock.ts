// The local ledger's cross-process lock. Every read-modify-write of the ledger runs under it,
// so grants applied by concurrent deliveries (each building its own provider), by the CLI
// and by the app at once all land: without it the last writer wins (100 concurrent merges
// left 13 of 100 grants). proper-lockfile takes the lock with mkdir (atomic on every local
// and network file system), refreshes the lock's mtime while held, and treats a lock whose
// mtime is older than `staleMs` as left by a crashed process and takes it over.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import lockfile from "proper-lockfile";
import { ProviderError } from "./types.js";

export interface LedgerLockOptions {
  /** A lock not refreshed for this long is taken over (its holder died). proper-lockfile's floor is 2 s. Default 10 s. */
  staleMs?: number;
  /** How long to wait for a held lock before giving up with a retryable error. Default 30 s. */
  waitMs?: number;
}

/** The lock is a directory beside the ledger: `<ledger>.lock`. */
export const lockPathOf = (ledgerFile: string) => `${ledgerFile}.lock`;

/** Tells the holder whether the lock was lost while held (refresh failed, or another process took it as stale). */
export type LockCheck = () => void;

/**
 * Run `fn` holding the ledger's lock. `fn` gets a check to call right before it commits (the
 * rename), so a holder that lost the lock (stalled past `staleMs`) never overwrites the newer
 * ledger of whoever took it over.
 */
export async function withLedgerLock<T>(ledgerFile: string, fn: (stillHeld: LockCheck) => Promise<T>, options: LedgerLockOptions = {}): Promise<T> {
  const staleMs = Math.max(2000, options.staleMs ?? 10_000);
  const waitMs = options.waitMs ?? 30_000;
  await mkdir(path.dirname(ledgerFile), { recursive: true });
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(ledgerFile, {
      // The ledger itself may not exist yet; the lock is keyed on its path.
      realpath: false,
      lockfilePath: lockPathOf(ledgerFile),
      stale: staleMs,
      update: Math.floor(staleMs / 2),
      // Short, jittered waits: a write holds the lock for milliseconds. The budget (~waitMs)
      // is spent over many tries rather than a few long sleeps.
      retries: { retries: Math.ceil(waitMs / 50), factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
      // The default throws from a timer (an uncaught exception that ends the process).
      onCompromised: (err) => {
        lost = err;
      },
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ELOCKED") {
      throw new ProviderError(
        "conflict",
        `the ledger ${ledgerFile} stayed locked by another gitgrant process for ${Math.round(waitMs / 1000)} s (lock ${lockPathOf(ledgerFile)}); trying again later`,
      );
    }
    throw new ProviderError("transient", `cannot lock the ledger ${ledgerFile}: ${(err as Error).message}`);
  }
  const stillHeld: LockCheck = () => {
    if (lost) {
      throw new ProviderError("conflict", `lost the lock on the ledger ${ledgerFile} while writing (${lost.message}); nothing was written, trying again reads the newer ledger`);
    }
  };
  try {
    return await fn(stillHeld);
  } finally {
    // A compromised lock is no longer ours to remove.
    if (!lost) await release().catch(() => undefined);
  }
}
