// One request file: parsed, schema-checked and cross-checked against the base config.
// Every problem is collected (not just the first) so a requester can fix them in one go.
import type { AccessConfig } from "./config.js";
import { CONFIG_FILES } from "./config.js";
import { DurationError, formatDuration, parseDuration } from "./duration.js";
import type { RequestPath } from "./paths.js";
import { schemaErrors } from "./schema.js";
import { ruleFor } from "./provider-rules.js";
import type { AccessRequest, FileError, Resource } from "./types.js";
import { MAX_REQUEST_BYTES, parseYaml, type ParsedYaml } from "./yaml.js";
import { own } from "./own.js";
import { visibleText } from "./blank.js";

export interface CheckedRequest {
  request: AccessRequest | null;
  resource: Resource | null;
  principal: string | null;
  /** Requested length, from the window start (now, or starts_at) to the requested end. */
  durationMs: number | null;
  startsAt: Date | null;
  expiresAt: Date | null;
  errors: FileError[];
  parsed: ParsedYaml | null;
}

export function principalFor(config: AccessConfig, login: string, resource: Resource): string | null {
  const identity = own(config.identities.users, login.toLowerCase());
  if (!identity) return null;
  const rule = ruleFor(config.providers, resource.provider)?.identity;
  if (!rule) return null;
  return own(identity as Record<string, string | undefined>, rule.key) ?? (rule.defaultsToLogin ? login.toLowerCase() : null);
}

/** The identities.yaml key a resource's provider reads. */
export function identityKeyFor(config: AccessConfig, resource: Resource): string {
  return ruleFor(config.providers, resource.provider)?.identity.key ?? resource.provider;
}

export function checkRequest(config: AccessConfig, where: RequestPath, text: string, now: Date): CheckedRequest {
  const out: CheckedRequest = { request: null, resource: null, principal: null, durationMs: null, startsAt: null, expiresAt: null, errors: [], parsed: null };
  const parsed = parseYaml(text, { maxBytes: MAX_REQUEST_BYTES, what: "request file" });
  out.parsed = parsed;
  if (parsed.errors.length) {
    out.errors.push(...parsed.errors);
    return out;
  }
  out.errors.push(...schemaErrors("request", parsed));
  const req = parsed.value as unknown as AccessRequest;
  const at = (field: string) => parsed.locate([field]) ?? { line: 1, column: 1 };
  blankFields(req, out.errors, at);

  const resource = own(config.catalog.resources, where.resourceId);
  if (!resource) {
    const known = Object.keys(config.catalog.resources).sort();
    const near = known.filter((k) => k.includes(where.resourceId) || where.resourceId.includes(k)).slice(0, 3);
    out.errors.push({
      message: `Unknown resource "${where.resourceId}": it is not in ${CONFIG_FILES.catalog}.${near.length ? ` Did you mean ${near.map((n) => `"${n}"`).join(" or ")}?` : ""}`,
      line: 1,
      column: 1,
    });
  } else {
    out.resource = resource;
    if (!own(config.identities.users, where.login)) {
      out.errors.push({ message: `${where.loginAsWritten} is not listed in ${CONFIG_FILES.identities}; ask the security team to add you.`, line: 1, column: 1 });
    } else {
      out.principal = principalFor(config, where.login, resource);
      if (!out.principal) {
        out.errors.push({
          message: `${where.loginAsWritten} has no "${identityKeyFor(config, resource)}" identity in ${CONFIG_FILES.identities}, which ${resource.provider} resource "${resource.id}" needs.`,
          line: 1,
          column: 1,
        });
      }
    }
  }
  if (typeof req.requester === "string" && req.requester.toLowerCase() !== where.login) {
    out.errors.push({ message: `"requester: ${req.requester}" does not match the file name (${where.loginAsWritten}); a request file is named after the person it grants.`, ...at("requester") });
  }
  if (typeof req.resource === "string" && req.resource !== where.resourceId) {
    out.errors.push({ message: `"resource: ${req.resource}" does not match the folder (${where.resourceId}).`, ...at("resource") });
  }
  if (req.break_glass === true) {
    // Blank references were dropped above, so a whitespace-only incident is missing here.
    if (!req.incident && !req.ticket) out.errors.push({ message: `break_glass needs an incident reference: add "incident: INC-1234".`, ...at("break_glass") });
    if (req.starts_at !== undefined) out.errors.push({ message: `break-glass access starts at once: remove "starts_at" (a later start is an ordinary request, with its tier's approvals).`, ...at("starts_at") });
  }

  // Blank references were dropped above: the incident to wait for must be named.
  if (req.until === "incident-resolved" && !req.incident && !req.ticket) {
    out.errors.push({ message: `"until: incident-resolved" needs the incident it waits for: add "incident: INC-1234" (a PagerDuty incident number or id).`, ...at("until") });
  }

  // The window, as if the change landed now; the real start is the landing time.
  const startsAt = dateField(req.starts_at, "starts_at", out.errors, at);
  const expiresAt = dateField(req.expires_at, "expires_at", out.errors, at);
  const start = startsAt && startsAt > now ? startsAt : now;
  let durationMs: number | null = null;
  if (typeof req.duration === "string") {
    try {
      durationMs = parseDuration(req.duration);
    } catch (e) {
      if (!(e instanceof DurationError)) throw e;
      if (!out.errors.some((x) => x.message.startsWith('"duration"'))) out.errors.push({ message: e.message, ...at("duration") });
    }
  }
  if (expiresAt) {
    if (expiresAt <= now) {
      out.errors.push({ message: `expires_at ${expiresAt.toISOString()} is already in the past (now is ${now.toISOString()}).`, ...at("expires_at") });
    } else if (expiresAt <= start) {
      out.errors.push({ message: `expires_at ${expiresAt.toISOString()} is not after starts_at ${start.toISOString()}.`, ...at("expires_at") });
    } else {
      const untilExpiry = expiresAt.getTime() - start.getTime();
      durationMs = durationMs === null ? untilExpiry : Math.min(durationMs, untilExpiry);
    }
  }
  if (resource && durationMs !== null) {
    const cap = parseDuration(resource.max_duration);
    if (durationMs > cap) {
      out.errors.push({
        message: `${formatDuration(durationMs)} is over ${resource.id}'s cap of ${resource.max_duration}; ask for ${resource.max_duration} or less.`,
        ...at(req.duration !== undefined ? "duration" : "expires_at"),
      });
    }
  }
  out.request = req;
  out.durationMs = durationMs;
  out.startsAt = start;
  out.expiresAt = durationMs !== null ? new Date(start.getTime() + durationMs) : null;
  return out;
}

const WORDED = ["reason", "ticket", "incident"] as const;
const MIN_REASON = 10;

/**
 * A reason, ticket or incident with nothing visible in it is missing: the error says so and
 * a blank ticket or incident is dropped, so no tier rule (require: [ticket], break-glass) can count it.
 */
function blankFields(req: AccessRequest, errors: FileError[], at: (f: string) => { line: number; column: number }): void {
  for (const field of WORDED) {
    const value = req[field];
    if (typeof value !== "string") continue;
    const visible = visibleText(value);
    if (visible.length === 0) {
      errors.push({ message: `"${field}" is blank: it holds only spaces or invisible characters, so it counts as missing.`, ...at(field) });
      // The reason stays for the record (the file is invalid anyway); a ticket or incident goes.
      if (field !== "reason") delete req[field];
    } else if (field === "reason" && visible.length < MIN_REASON && value.length >= MIN_REASON) {
      // The schema counted the invisible characters; a reader sees fewer.
      errors.push({ message: `"reason" is too short: say in a sentence why you need the access (at least ${MIN_REASON} visible characters).`, ...at(field) });
    }
  }
}

function dateField(value: unknown, field: string, errors: FileError[], at: (f: string) => { line: number; column: number }): Date | null {
  if (value === undefined) return null;
  // YAML may have read an unquoted timestamp as a string already (core schema); anything else was caught by the schema.
  if (typeof value !== "string") return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    if (!errors.some((e) => e.message.startsWith(`"${field}"`))) errors.push({ message: `"${field}" is not a date-time.`, ...at(field) });
    return null;
  }
  return d;
}
