// An in-memory ReceiptStore for operations tests (what the git-notes store keeps under
// refs/notes/gitgrant, without git): what was read, what was recorded (one entry per record
// call), and switches to make reading or recording fail.
import type { Receipt } from "../../src/core/receipts.js";
import type { ReceiptStore } from "../../src/git/types.js";

export class MemoryReceiptStore implements ReceiptStore {
  readonly receipts: Receipt[] = [];
  readonly records: Array<{ commit: string; receipts: Receipt[] }> = [];
  problems: string[] = [];
  failWith: Error | null = null;
  /** Set to make read() fail, as a store that cannot be reached would. */
  failRead: Error | null = null;
  reads = 0;

  /** Notes already there, oldest first. */
  constructor(initial: Array<{ commit: string; receipts: Receipt[] }> = []) {
    for (const n of initial) this.receipts.push(...n.receipts);
  }

  async read(): Promise<{ receipts: Receipt[]; problems: string[] }> {
    this.reads++;
    if (this.failRead) throw this.failRead;
    return { receipts: [...this.receipts], problems: [...this.problems] };
  }

  async record(commit: string, receipts: Receipt[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push({ commit, receipts });
    this.receipts.push(...receipts);
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
