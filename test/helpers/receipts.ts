// An in-memory ReceiptStore for operations tests: what was read, what was recorded (one
// entry per record call), and a switch to make recording fail.
import type { Receipt } from "../../src/core/receipts.js";
import type { ReceiptStore } from "../../src/git/types.js";

export class MemoryReceiptStore implements ReceiptStore {
  readonly receipts: Receipt[] = [];
  readonly records: Array<{ commit: string; receipts: Receipt[] }> = [];
  problems: string[] = [];
  failWith: Error | null = null;
  reads = 0;

  async read(): Promise<{ receipts: Receipt[]; problems: string[] }> {
    this.reads++;
    return { receipts: [...this.receipts], problems: [...this.problems] };
  }

  async record(commit: string, receipts: Receipt[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push({ commit, receipts });
    this.receipts.push(...receipts);
  }
}

// A second shape, by commit (the converge tests): what the git-notes store keeps, without git.
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
