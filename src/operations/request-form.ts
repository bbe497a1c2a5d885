// The request form: a GitHub issue form built from the catalog, and the way back from the
// issue GitHub renders ("### Label\n\nvalue" per field, "_No response_" for an empty one,
// "- [X] option" for a ticked box) to the request file it stands for. The form's text is
// what the person typed; who asks is never read from it (it is the issue's author).
import { stringify } from "yaml";
import type { Catalog } from "../core/types.js";

export const FORM_PATH = ".github/ISSUE_TEMPLATE/request-access.yml";
/** The label the form puts on its issues (GitHub adds it only if the label exists). */
export const FORM_LABEL = "access-request";

/** The form's fields by label: the rendered issue names each section by its label. */
export const LABELS = {
  resource: "Resource",
  duration: "Duration",
  reason: "Reason",
  ticket: "Ticket",
  breakGlass: "Break-glass",
} as const;

const BREAK_GLASS_OPTION = "This is an emergency: grant it at once for a short window, reviewed by the code owners afterwards (needs an incident in Ticket)";

/** One dropdown option per resource; the id comes first so the issue names it exactly. */
export function resourceOption(id: string, r: Catalog["resources"][string]): string {
  const about = r.description ? `: ${r.description.replace(/\s+/g, " ").trim()}` : "";
  return `${id}${about} (${r.sensitivity}, at most ${r.max_duration})`;
}

/** .github/ISSUE_TEMPLATE/request-access.yml for this catalog. */
export function requestFormYaml(catalog: Catalog): string {
  const ids = Object.keys(catalog.resources).sort();
  const form = {
    name: "Request access",
    description: "Ask for time-bound access to one resource. gitgrant turns this issue into the pull request and tells you the verdict here.",
    title: "Access request",
    labels: [FORM_LABEL],
    body: [
      {
        type: "markdown",
        attributes: {
          value:
            "gitgrant opens a pull request for you that adds `access/requests/<resource>/<your login>.yaml`, judges it by the policy and asks the right code owners to review it. " +
            "The request is yours because you opened this issue: only your own edits to it change the request.",
        },
      },
      {
        type: "dropdown",
        id: "resource",
        attributes: { label: LABELS.resource, description: "What you need access to (id: description, sensitivity, longest allowed).", options: ids.length ? ids.map((id) => resourceOption(id, catalog.resources[id]!)) : ["(the catalog lists no resources yet)"] },
        validations: { required: true },
      },
      {
        type: "input",
        id: "duration",
        attributes: { label: LABELS.duration, description: "How long, from when it is granted: 30m, 2h, 1d. Short requests are more often self-service.", placeholder: "2h" },
        validations: { required: true },
      },
      {
        type: "textarea",
        id: "reason",
        attributes: { label: LABELS.reason, description: "Why you need it, in a sentence (at least 10 characters).", placeholder: "Investigate INC-1234, slow queries on the replica" },
        validations: { required: true },
      },
      {
        type: "input",
        id: "ticket",
        attributes: { label: LABELS.ticket, description: "A ticket or incident reference, when you have one (some tiers require it).", placeholder: "INC-1234" },
        validations: { required: false },
      },
      {
        type: "checkboxes",
        id: "break_glass",
        attributes: { label: LABELS.breakGlass, options: [{ label: BREAK_GLASS_OPTION, required: false }] },
      },
    ],
  };
  return `# Written by \`gitgrant forms\` from access/catalog.yaml; run it again after changing the catalog.\n${stringify(form, { lineWidth: 0 })}`;
}

export interface FormValues {
  resource: string;
  duration: string;
  reason: string;
  ticket?: string;
  breakGlass: boolean;
}

export type FormParse =
  | { kind: "not-a-form" }
  | { kind: "invalid"; problems: string[] }
  | { kind: "ok"; values: FormValues };

const NO_RESPONSE = "_No response_";

/** The sections of a rendered issue form: label -> the text under its "### " heading. */
export function formSections(body: string): Map<string, string> {
  const sections = new Map<string, string>();
  const text = body.replace(/\r\n?/g, "\n");
  const heading = /^### (.+)$/gm;
  const marks: Array<{ label: string; start: number; end: number }> = [];
  for (let m = heading.exec(text); m; m = heading.exec(text)) marks.push({ label: m[1]!.trim(), start: m.index, end: m.index + m[0].length });
  marks.forEach((mark, i) => {
    const value = text.slice(mark.end, marks[i + 1]?.start ?? text.length).trim();
    // A field repeated by hand is ambiguous: the first one counts, as GitHub renders each once.
    if (!sections.has(mark.label)) sections.set(mark.label, value === NO_RESPONSE ? "" : value);
  });
  return sections;
}

/**
 * The form's values, or what to fix. An issue without the form's three required sections is
 * not a request (an ordinary issue); one with them but unusable values is invalid, with reasons.
 */
export function parseRequestForm(body: string | null | undefined): FormParse {
  const s = formSections(body ?? "");
  if (!s.has(LABELS.resource) || !s.has(LABELS.duration) || !s.has(LABELS.reason)) return { kind: "not-a-form" };
  const problems: string[] = [];
  const chosen = s.get(LABELS.resource)!;
  const id = /^([a-z0-9][a-z0-9-]{0,62})(?=$|[:\s(])/.exec(chosen)?.[1];
  if (!id) problems.push(`Resource: "${oneLine(chosen) || "(empty)"}" does not name a resource; pick one from the list.`);
  const duration = s.get(LABELS.duration)!.trim();
  if (!duration) problems.push("Duration: say how long you need it, e.g. 2h.");
  else if (/\s/.test(duration)) problems.push(`Duration: "${oneLine(duration)}" should be one value such as 30m, 2h or 1d.`);
  const reason = s.get(LABELS.reason)!.trim();
  if (!reason) problems.push("Reason: say in a sentence why you need the access.");
  const ticket = (s.get(LABELS.ticket) ?? "").trim();
  if (/\n/.test(ticket)) problems.push("Ticket: one reference on one line, e.g. INC-1234.");
  const breakGlass = /^- \[[xX]\] /m.test(s.get(LABELS.breakGlass) ?? "");
  if (problems.length) return { kind: "invalid", problems };
  return { kind: "ok", values: { resource: id!, duration, reason, ...(ticket ? { ticket } : {}), breakGlass } };
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/**
 * The request file the form stands for. The same values always give the same text, so the
 * judge can check that the pull request holds exactly what the issue says.
 */
export function requestText(v: Pick<FormValues, "duration" | "reason" | "ticket" | "breakGlass"> & { startsAt?: string; expiresAt?: string }, origin?: string): string {
  const doc: Record<string, unknown> = { reason: v.reason };
  if (v.expiresAt) doc.expires_at = v.expiresAt;
  else doc.duration = v.duration;
  if (v.startsAt) doc.starts_at = v.startsAt;
  if (v.ticket) doc.ticket = v.ticket;
  if (v.breakGlass) {
    doc.break_glass = true;
    if (v.ticket) doc.incident = v.ticket;
  }
  return `${origin ? `# ${origin}\n` : ""}${stringify(doc, { lineWidth: 0 })}`;
}
