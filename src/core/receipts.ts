// Ownership receipts: what gitgrant created on a target, for which principal, or found
// already there (standing access it must leave). Written when a grant or revoke is applied,
// read before every revoke and by convergence, so the revoke removes exactly the principal
// and target that were granted, whatever identities.yaml and the catalog say now, and never
// access a person had before gitgrant. Stored durably as git notes (see DESIGN
// "Convergence and ownership"); this file is the pure part: the record, its text form, and
// the rule that reads a grant's ownership from its receipts.
import type { ProviderName } from "./types.js";

/**
 * `created`: gitgrant's grant made the access (a membership it added, a policy it wrote).
 * `standing`: the grant found the access already there and not gitgrant's; it is left alone
 *   at revoke, and said so.
 * `revoked`: gitgrant removed what it had created (or found it gone).
 * `left`: a revoke that left standing access in place.
 */
export type ReceiptEvent = "created" | "standing" | "revoked" | "left";

export interface Receipt {
  v: 1;
  event: ReceiptEvent;
  /** The request file: access/requests/<resource>/<login>.yaml */
  path: string;
  /** Lower-cased login from the path. */
  login: string;
  resource: string;
  provider: ProviderName;
  /** The principal the target was changed for (from identities.yaml at grant time). */
  principal: string;
  /** The catalog `target` block as it was when granted. */
  target: Record<string, unknown>;
  /** When it was applied (ISO 8601, UTC). */
  at: string;
  /** The commit whose apply (or convergence run) wrote it. */
  commit: string;
  /** The window's end, for created grants. */
  expiresAt?: string;
}

/** One grant's ownership, as its receipts say. `none`: no receipt (never applied, or from before receipts). */
export type Ownership =
  | { kind: "none" }
  | { kind: "created"; receipt: Receipt }
  | { kind: "standing"; receipt: Receipt }
  | { kind: "revoked"; receipt: Receipt };

/** The key receipts are grouped by: one request file's grant (logins compare case-insensitively). */
export function receiptKey(resource: string, login: string): string {
  return `${resource}\u0000${login.toLowerCase()}`;
}

/**
 * The latest receipt per grant decides. A `left` receipt keeps the standing verdict (the
 * access is still the person's own); receipts are taken in the order given (oldest first).
 */
export function ownershipOf(receipts: readonly Receipt[]): Map<string, Ownership> {
  const out = new Map<string, Ownership>();
  for (const r of receipts) {
    const key = receiptKey(r.resource, r.login);
    if (r.event === "left") out.set(key, { kind: "standing", receipt: r });
    else out.set(key, { kind: r.event, receipt: r });
  }
  return out;
}

const EVENTS: ReadonlySet<string> = new Set(["created", "standing", "revoked", "left"]);

/** JSON lines, one receipt each: what a git note holds, readable with `git notes --ref=gitgrant show`. */
export function formatReceipts(receipts: readonly Receipt[]): string {
  return receipts.map((r) => JSON.stringify(r)).join("\n") + (receipts.length ? "\n" : "");
}

/** Receipts from a note's text; a line that is not a well-formed receipt is reported, never guessed at. */
export function parseReceipts(text: string, where = "note"): { receipts: Receipt[]; problems: string[] } {
  const receipts: Receipt[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${where}, line ${i + 1}: not JSON, ignored`);
      return;
    }
    const r = value as Partial<Receipt> | null;
    const ok =
      r !== null &&
      typeof r === "object" &&
      r.v === 1 &&
      typeof r.event === "string" &&
      EVENTS.has(r.event) &&
      [r.path, r.login, r.resource, r.provider, r.principal, r.at, r.commit].every((s) => typeof s === "string" && s.length > 0) &&
      typeof r.target === "object" &&
      r.target !== null;
    if (ok) receipts.push(r as Receipt);
    else problems.push(`${where}, line ${i + 1}: not a gitgrant receipt, ignored`);
  });
  return { receipts, problems };
}
