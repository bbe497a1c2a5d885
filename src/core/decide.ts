// The tier decision: tiers are tried in order and the first whose match holds decides.
// No match is a refusal (fail closed). Caps are enforced, never used to shorten silently.
import type { AccessConfig } from "./config.js";
import { signalSentence, type EvaluationContext } from "./context.js";
import { CONTEXT, listedFields, type ContextDeclaration } from "./context-declaration.js";
import { formatDuration, parseDuration } from "./duration.js";
import type { AccessRequest, FileError, Resource, Tier } from "./types.js";

export const DEFAULT_BREAK_GLASS_MAX = "1h";

export interface TierDecision {
  tier: Tier | null;
  approvalsRequired: number;
  /** Why this tier and this number of approvals, in words. */
  reasons: string[];
  /** Requests that fail the tier's own rules (cap, require, break-glass). */
  errors: FileError[];
  autoApproved: boolean;
  breakGlass: boolean;
}

export function decideTier(
  config: AccessConfig,
  resource: Resource,
  req: AccessRequest,
  durationMs: number,
  ctx: EvaluationContext,
  at: (field: string) => { line: number; column: number },
  /** How long after now the window starts (0 for at once, the default). */
  startsInMs = 0,
): TierDecision {
  const reasons: string[] = [];
  const errors: FileError[] = [];
  const tier = config.policy.tiers.find((t) => tierMatches(t, resource, durationMs));
  const none: TierDecision = { tier: null, approvalsRequired: 0, reasons, errors, autoApproved: false, breakGlass: false };
  if (!tier) {
    errors.push({
      message: `No policy tier covers ${resource.sensitivity}-sensitivity resource "${resource.id}" for ${formatDuration(durationMs)}; the request is refused. Ask for less time, or ask the security team.`,
      line: 1,
      column: 1,
    });
    return none;
  }
  reasons.push(`tier "${tier.name}": ${describeMatch(tier, resource, durationMs)}`);

  if (tier.max_duration && durationMs > parseDuration(tier.max_duration)) {
    errors.push({ message: `${formatDuration(durationMs)} is over tier "${tier.name}"'s cap of ${tier.max_duration}; ask for ${tier.max_duration} or less.`, ...at(req.duration !== undefined ? "duration" : "expires_at") });
  }
  for (const field of tier.require ?? []) {
    if (!req[field]) errors.push({ message: `Tier "${tier.name}" requires a ${field}: add "${field}: ..." (e.g. ${field === "ticket" ? "INC-1234" : "a sentence"}).`, line: 1, column: 1 });
  }

  if (req.until && !(tier.allow_until ?? []).includes(req.until)) {
    const allowed = tier.allow_until?.length ? ` (it allows ${tier.allow_until.map((u) => `until: ${u}`).join(", ")})` : "";
    errors.push({ message: `Tier "${tier.name}" does not allow "until: ${req.until}"${allowed}; remove it, and the grant ends with its duration.`, ...at("until") });
  } else if (req.until) {
    reasons.push(req.until === "incident-resolved" ? `ends early when ${req.incident ?? req.ticket} resolves in PagerDuty (until: incident-resolved)` : "ends early when the requester's PagerDuty on-call shift ends (until: shift-end)");
  }

  let approvals = tier.approvals;
  let autoApproved = false;
  const breakGlass = req.break_glass === true;
  if (breakGlass) {
    if (!tier.allow_break_glass) {
      errors.push({ message: `Tier "${tier.name}" does not allow break-glass; remove break_glass and wait for approval.`, ...at("break_glass") });
    } else {
      const cap = tier.break_glass_max_duration ?? DEFAULT_BREAK_GLASS_MAX;
      if (durationMs > parseDuration(cap)) {
        errors.push({ message: `Break-glass access is capped at ${cap} in tier "${tier.name}"; you asked for ${formatDuration(durationMs)}.`, ...at(req.duration !== undefined ? "duration" : "expires_at") });
      }
      approvals = 0;
      reasons.push(`break-glass for incident ${req.incident ?? req.ticket}: granted at once, code owners review it after the fact`);
    }
  } else if (approvals > 0 && tier.auto_approve_if) {
    const cond = config.conditions.get(tier.name);
    if (!cond) {
      // A condition that did not compile is a config problem; never treat it as true.
      reasons.push(`auto_approve_if of tier "${tier.name}" could not be evaluated, so it does not apply`);
    } else {
      let held = false;
      const read = signalsRead(config.context ?? CONTEXT, cond.reads, ctx);
      try {
        held = cond.run(ctx);
      } catch (e) {
        const unknown = read.filter((r) => r.value === null).map((r) => r.path);
        reasons.push(
          unknown.length
            ? `auto_approve_if cannot be decided because ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not known, so it does not apply`
            : `auto_approve_if failed to evaluate (${(e as Error).message.split("\n")[0]}), so it does not apply`,
        );
      }
      if (read.length) reasons.push(`signals read: ${read.map((r) => r.words).join("; ")}`);
      const leeway = config.policy.settings.conditional_start_leeway;
      if (held && startsInMs > parseDuration(leeway)) {
        // The signals (an open incident, on-call) are this moment's; they say nothing about a later window.
        reasons.push(
          `auto_approve_if holds now, but it judges this moment's signals and this request starts in ${formatDuration(startsInMs)}, more than settings.conditional_start_leeway (${leeway}) from now, so it needs the tier's approvals`,
        );
      } else if (held) {
        approvals = 0;
        autoApproved = true;
        reasons.push(`auto-approved: ${tier.auto_approve_if} holds`);
      } else reasons.push(`auto_approve_if does not hold: ${tier.auto_approve_if}`);
    }
  }
  if (!ctx.request.for_self && approvals < 1) {
    approvals = Math.max(tier.approvals, 1);
    autoApproved = false;
    reasons.push(`requested for ${ctx.requester.login} by someone else, so it is never self-service`);
  }
  reasons.push(approvals === 0 ? "no approval needed" : `needs ${approvals} code-owner approval${approvals > 1 ? "s" : ""}`);
  reasons.push(`risk score ${ctx.risk.score}${ctx.risk.factors.length ? ` (${ctx.risk.factors.join(", ")})` : ""}`);
  return { tier, approvalsRequired: approvals, reasons, errors, autoApproved, breakGlass: breakGlass && !!tier.allow_break_glass };
}

export function tierMatches(t: Tier, resource: Resource, durationMs: number): boolean {
  const m = t.match;
  if (m.sensitivity && !m.sensitivity.includes(resource.sensitivity)) return false;
  if (m.max_duration && durationMs > parseDuration(m.max_duration)) return false;
  if (m.resources && !m.resources.includes(resource.id)) return false;
  if (m.providers && !m.providers.includes(resource.provider)) return false;
  return true;
}

function describeMatch(t: Tier, resource: Resource, durationMs: number): string {
  const parts = [`${resource.sensitivity} sensitivity`];
  if (t.match.max_duration) parts.push(`${formatDuration(durationMs)} within ${t.match.max_duration}`);
  else parts.push(`${formatDuration(durationMs)} requested`);
  if (t.match.resources) parts.push(`resource ${resource.id} listed`);
  if (t.match.providers) parts.push(`provider ${resource.provider}`);
  return parts.join(", ");
}

/** The signals a condition read, each in words (what its source said, or its value). */
function signalsRead(decl: ContextDeclaration, reads: ReadonlySet<string>, ctx: EvaluationContext): Array<{ path: string; value: unknown; words: string }> {
  const out: Array<{ path: string; value: unknown; words: string }> = [];
  const seen = new Set<string>();
  for (const f of listedFields(decl)) {
    if (!reads.has(f.path) && !reads.has(`${f.group}.*`)) continue;
    const value = (ctx as unknown as Record<string, Record<string, unknown>>)[f.group]?.[f.field];
    const words = signalSentence(ctx, f);
    // One source often says one sentence for several fields ("on call for payments (level 1) until ...").
    if (seen.has(words)) continue;
    seen.add(words);
    out.push({ path: f.path, value, words });
  }
  return out;
}
