// What the audit, report and metrics need to say "access may still be live": whether each
// resource's target ends grants itself (the registry knows, without credentials) and the
// ownership receipts, when a store is given.
import type { AccessConfig } from "../core/config.js";
import type { AccessJudge } from "../core/overdue.js";
import { own } from "../core/own.js";
import { ownershipOf } from "../core/receipts.js";
import type { ReceiptStore } from "../git/types.js";
import { nativeExpiryOf } from "../providers/index.js";

export async function accessJudge(config: AccessConfig | null | undefined, receipts?: ReceiptStore): Promise<{ judge: AccessJudge; problems: string[] }> {
  const problems: string[] = [];
  let ownership = new Map();
  if (receipts) {
    try {
      const read = await receipts.read();
      problems.push(...read.problems);
      ownership = ownershipOf(read.receipts);
    } catch (err) {
      problems.push(`receipts could not be read (${(err as Error).message}); ownership is shown as "none"`);
    }
  }
  const nativeExpiry = (id: string): boolean | undefined => {
    const resource = config ? own(config.catalog.resources, id) : undefined;
    if (!resource) return undefined;
    try {
      return nativeExpiryOf(resource);
    } catch {
      return undefined;
    }
  };
  return { judge: { nativeExpiry, ownership }, problems };
}
