// The grant window of a request file that is on the default branch: it starts when the
// file last landed (or at starts_at, if later) and ends at start + duration or expires_at,
// whichever is sooner, never later than the resource's and the tier's max_duration.
// Apply, the sweep, reconcile and audit all compute it here, so they always agree.
import type { AccessConfig } from "./config.js";
import { tierMatches } from "./decide.js";
import { parseDuration } from "./duration.js";
import { classifyPath } from "./paths.js";
import { checkRequest, principalFor } from "./request.js";
import type { AccessRequest, Grant, GrantRef } from "./types.js";
import { own } from "./own.js";

export type WindowResult =
  | { ok: true; grant: Grant; /** Set when a cap shortened a file that bypassed the check (hand merge). */ capped?: string }
  | { ok: false; path: string; reason: string };

export function grantWindow(config: AccessConfig, path: string, text: string, landedAt: Date): WindowResult {
  const where = classifyPath(path);
  if (where.kind !== "request") return { ok: false, path, reason: where.kind === "bad-request-path" ? where.message : `${path} is not a request file` };
  // Judged as at the landing time: an expires_at that was in the future then is fine now.
  const checked = checkRequest(config, where.parsed, text, landedAt);
  if (!checked.request || !checked.resource || !checked.principal || !checked.startsAt || checked.durationMs === null) {
    return { ok: false, path, reason: checked.errors.map((e) => e.message).join("; ") || "the request cannot be read" };
  }
  const start = checked.startsAt;
  let end = start.getTime() + checked.durationMs;
  let capped: string | undefined;
  const caps: Array<[string, string | undefined]> = [[`${checked.resource.id}'s max_duration`, checked.resource.max_duration]];
  const tier = config.policy.tiers.find((t) => tierMatches(t, checked.resource!, checked.durationMs!));
  if (tier) caps.push([`tier "${tier.name}"'s max_duration`, tier.max_duration]);
  if (checked.request.break_glass && tier?.allow_break_glass) caps.push(["the break-glass cap", tier.break_glass_max_duration ?? "1h"]);
  for (const [name, cap] of caps) {
    if (!cap) continue;
    const limit = start.getTime() + parseDuration(cap);
    if (end > limit) {
      end = limit;
      capped = `shortened to ${name} of ${cap}`;
    }
  }
  return {
    ok: true,
    grant: {
      path,
      login: where.parsed.login,
      resource: checked.resource,
      principal: checked.principal,
      // To the second: AWS and GCP conditions and the trailers all use whole seconds.
      startsAt: new Date(Math.floor(start.getTime() / 1000) * 1000),
      expiresAt: new Date(Math.floor(end / 1000) * 1000),
      reason: checked.request.reason,
      ...(checked.request.ticket ? { ticket: checked.request.ticket } : {}),
      ...untilOf(checked.request),
    },
    ...(capped ? { capped } : {}),
  };
}

/** Enough to revoke a grant whose file is gone: resource and principal from the config. */
export function grantRefFor(config: AccessConfig, path: string): { ok: true; ref: GrantRef } | { ok: false; path: string; reason: string } {
  const where = classifyPath(path);
  if (where.kind !== "request") return { ok: false, path, reason: `${path} is not a request file` };
  const resource = own(config.catalog.resources, where.parsed.resourceId);
  if (!resource) return { ok: false, path, reason: `resource "${where.parsed.resourceId}" is no longer in the catalog` };
  const principal = principalFor(config, where.parsed.login, resource);
  if (!principal) return { ok: false, path, reason: `${where.parsed.login} has no identity for ${resource.provider} in identities.yaml` };
  return { ok: true, ref: { path, login: where.parsed.login, resource, principal } };
}

/** The `until:` event and the incident it waits for (only grants that end on an event carry them). */
function untilOf(req: AccessRequest): Pick<Grant, "until" | "incident"> {
  if (!req.until) return {};
  const incident = req.incident ?? req.ticket;
  return { until: req.until, ...(incident ? { incident } : {}) };
}
