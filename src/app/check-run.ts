// One check run named "gitgrant" per head SHA, kept in step with the verdict. Idempotent:
// the run's external_id fingerprints what it shows, so a redelivered event that would show
// the same thing makes no call at all, and annotations (which GitHub appends, never
// replaces) are only sent when they changed.
import { createHash } from "node:crypto";
import { statusOf, type Api, type RepoRef } from "./api.js";
import { CHECK_NAME, type ExistingCheckRun } from "./snapshot.js";
import type { Annotation, CheckStatus } from "./summary.js";

/** GitHub takes at most 50 annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckRunView {
  state: CheckStatus;
  title: string;
  summary: string;
  annotations: Annotation[];
  detailsUrl?: string;
}

export interface Published {
  id: number;
  action: "created" | "updated" | "unchanged";
  externalId: string;
}

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/** "gitgrant:<annotations>:<everything>" */
export function fingerprint(view: CheckRunView): string {
  return `${CHECK_NAME}:${digest(view.annotations)}:${digest([view.state, view.title, view.summary, view.annotations])}`;
}

export async function publishCheckRun(api: Api, where: RepoRef, headSha: string, existing: ExistingCheckRun | null, view: CheckRunView): Promise<Published> {
  const externalId = fingerprint(view);
  if (existing?.externalId === externalId) return { id: existing.id, action: "unchanged", externalId };
  const output = { title: view.title, summary: view.summary };
  const state = view.state.status === "completed" ? { status: "completed" as const, conclusion: view.state.conclusion } : { status: "in_progress" as const };
  const sameAnnotations = existing?.externalId?.split(":")[1] === externalId.split(":")[1];
  // A completed run is not reopened: a run going back to waiting (an approval dismissed) is a new run.
  const reopen = existing?.status === "COMPLETED" && state.status === "in_progress";
  if (existing && sameAnnotations && !reopen) {
    try {
      await api.rest.checks.update({ ...where, check_run_id: existing.id, ...state, external_id: externalId, output });
      return { id: existing.id, action: "updated", externalId };
    } catch (err) {
      // Another app's run of the same name cannot be updated; ours is then created.
      if (statusOf(err) !== 403 && statusOf(err) !== 404) throw err;
    }
  }
  const [first, ...rest] = batches(view.annotations);
  const { data } = await api.rest.checks.create({
    ...where,
    name: CHECK_NAME,
    head_sha: headSha,
    ...state,
    external_id: externalId,
    ...(view.detailsUrl ? { details_url: view.detailsUrl } : {}),
    output: { ...output, ...(first ? { annotations: first } : {}) },
  });
  // Later batches append; title and summary must come along every time.
  for (const batch of rest) await api.rest.checks.update({ ...where, check_run_id: data.id, output: { ...output, annotations: batch } });
  return { id: data.id, action: "created", externalId };
}

/** Adds a line to a published run (the outcome of a merge) without touching its state. */
export async function appendToCheckRun(api: Api, where: RepoRef, id: number, view: CheckRunView, line: string): Promise<void> {
  await api.rest.checks.update({ ...where, check_run_id: id, output: { title: view.title, summary: `${view.summary}\n\n${line}`.slice(0, 65_535) } });
}

function batches<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += ANNOTATIONS_PER_REQUEST) out.push(items.slice(i, i + ANNOTATIONS_PER_REQUEST));
  return out;
}
