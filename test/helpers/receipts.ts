// A ReceiptStore kept in memory (src/git/types.ts): what the git-notes store keeps under
// refs/notes/gitgrant, without git, for tests of code that only reads and writes receipts.
import type { Receipt } from "../../src/core/receipts.js";
import type { ReceiptStore } from "../../src/git/types.js";

export class MemoryReceipts implements ReceiptStore {
  /** Notes by commit, in the order they were first written. */
  readonly notes = new Map<string, Receipt[]>();
  reads = 0;
  /** Set to make read() fail, as a store that cannot be reached would. */
  failRead: Error | null = null;

  constructor(initial: Array<{ commit: string; receipts: Receipt[] }> = []) {
    for (const n of initial) this.notes.set(n.commit, [...n.receipts]);
  }

  async read(): Promise<{ receipts: Receipt[]; problems: string[] }> {
    this.reads++;
    if (this.failRead) throw this.failRead;
    return { receipts: [...this.notes.values()].flat(), problems: [] };
  }

  async record(commit: string, receipts: Receipt[]): Promise<void> {
    this.notes.set(commit, [...(this.notes.get(commit) ?? []), ...receipts]);
  }
}

/** A receipt as the grant of `path` would write it. */
export function receipt(event: Receipt["event"], path: string, principal: string, extra: Partial<Receipt> = {}): Receipt {
  const [, , resource, file] = path.split("/");
  return {
    v: 1,
    event,
    path,
    login: file!.replace(/\.yaml$/, "").toLowerCase(),
    resource: resource!,
    provider: "github-team",
    principal,
    target: { org: "acme", team: "ops" },
    at: "2026-03-01T10:00:00Z",
    commit: "a".repeat(40),
    ...extra,
  };
}
