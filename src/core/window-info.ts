// A grant's window as plain data, with the request's reason and ticket even when there is no window.
// Always computed by core/window.ts grantWindow: the audit and apply agree on every expiry.
import type { AccessConfig } from "./config.js";
import { grantWindow } from "./window.js";
import { MAX_REQUEST_BYTES, parseYaml } from "./yaml.js";

export type WindowInfo =
  | { ok: true; startsAt: number; expiresAt: number; reason: string; ticket: string | null; capped?: string }
  /** No window: why, and the reason/ticket fields as far as they can be read, so the row still says why access was asked. */
  | { ok: false; error: string; reason: string | null; ticket: string | null };

export function computeWindow(config: AccessConfig, path: string, text: string, landedAt: number): WindowInfo {
  const w = grantWindow(config, path, text, new Date(landedAt));
  if (w.ok) {
    return {
      ok: true,
      startsAt: w.grant.startsAt.getTime(),
      expiresAt: w.grant.expiresAt.getTime(),
      reason: w.grant.reason,
      ticket: w.grant.ticket ?? null,
      ...(w.capped ? { capped: w.capped } : {}),
    };
  }
  const v = parseYaml(text, { maxBytes: MAX_REQUEST_BYTES, what: "request file" }).value;
  const str = (x: unknown) => (typeof x === "string" || typeof x === "number" ? String(x) : null);
  return { ok: false, error: w.reason, reason: str(v?.reason), ticket: str(v?.ticket) };
}
