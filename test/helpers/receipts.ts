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
