// Check runs, written in one place for every handler: the PR verdict ("gitgrant") and the
// merge's apply results ("gitgrant/apply"). GitHub's limits apply here: annotations go 50 to
// a request, a summary is cut at 65,535 characters.
//
// The verdict run is idempotent: its external_id fingerprints what it shows, so a
// redelivered event that would show the same thing makes no call at all, and annotations
// (which GitHub appends, never replaces) are only sent when they changed.
import { createHash } from "node:crypto";
import { statusOf } from "../github/errors.js";
import { ANNOTATIONS_PER_REQUEST, TEXT_LIMIT, batches, clip } from "../github/limits.js";
import type { GitHub, RepoRef } from "../github/octokit.js";
import { CHECK_NAME, type ExistingCheckRun } from "./snapshot.js";
import type { Annotation, CheckStatus } from "./summary.js";

export interface CheckRunView {
  state: CheckStatus;
  title: string;
  summary: string;
  annotations: Annotation[];
  detailsUrl?: string;
}

/** One check run request's fields, whichever handler writes it. */
export interface CheckRunWrite {
  state: CheckStatus;
  /** Title and summary; omitted, the run shows none (an apply that has only just started). */
  output?: { title: string; summary: string };
  annotations?: Annotation[];
  externalId?: string;
  detailsUrl?: string;
  startedAt?: Date;
  completedAt?: Date;
}

function fields(run: CheckRunWrite, annotations: Annotation[] | undefined) {
  const state = run.state.status === "completed" ? { status: "completed" as const, conclusion: run.state.conclusion } : { status: "in_progress" as const };
  const output = run.output ? { title: run.output.title, summary: clip(run.output.summary, TEXT_LIMIT) } : undefined;
  return {
    ...state,
    ...(run.externalId !== undefined ? { external_id: run.externalId } : {}),
    ...(run.detailsUrl ? { details_url: run.detailsUrl } : {}),
    ...(run.startedAt ? { started_at: run.startedAt.toISOString() } : {}),
    ...(run.completedAt ? { completed_at: run.completedAt.toISOString() } : {}),
    ...(output ? { output: { ...output, ...(annotations?.length ? { annotations } : {}) } } : {}),
  };
}

/** Later annotation batches append; title and summary must come along every time. */
async function appendAnnotations(api: GitHub, where: RepoRef, id: number, run: CheckRunWrite, rest: Annotation[][]): Promise<void> {
  if (!run.output) return;
  const output = { title: run.output.title, summary: clip(run.output.summary, TEXT_LIMIT) };
  for (const batch of rest) await api.rest.checks.update({ ...where, check_run_id: id, output: { ...output, annotations: batch } });
}

/** Creates a run named `name` on `headSha`; returns its id. */
export async function createCheckRun(api: GitHub, where: RepoRef, name: string, headSha: string, run: CheckRunWrite): Promise<number> {
  const [first, ...rest] = batches(run.annotations ?? [], ANNOTATIONS_PER_REQUEST);
  const { data } = await api.rest.checks.create({ ...where, name, head_sha: headSha, ...fields(run, first) });
  await appendAnnotations(api, where, data.id, run, rest);
  return data.id;
}

/** Updates run `id` in place (annotations, if any, are appended to those it has). */
export async function updateCheckRun(api: GitHub, where: RepoRef, id: number, run: CheckRunWrite): Promise<void> {
  const [first, ...rest] = batches(run.annotations ?? [], ANNOTATIONS_PER_REQUEST);
  await api.rest.checks.update({ ...where, check_run_id: id, ...fields(run, first) });
  await appendAnnotations(api, where, id, run, rest);
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

/** The verdict run of a PR head: unchanged, updated in place, or created. */
export async function publishCheckRun(api: GitHub, where: RepoRef, headSha: string, existing: ExistingCheckRun | null, view: CheckRunView): Promise<Published> {
  const externalId = fingerprint(view);
  if (existing?.externalId === externalId) return { id: existing.id, action: "unchanged", externalId };
  const output = { title: view.title, summary: view.summary };
  const sameAnnotations = existing?.externalId?.split(":")[1] === externalId.split(":")[1];
  // A completed run is not reopened: a run going back to waiting (an approval dismissed) is a new run.
  const reopen = existing?.status === "COMPLETED" && view.state.status === "in_progress";
  if (existing && sameAnnotations && !reopen) {
    try {
      await updateCheckRun(api, where, existing.id, { state: view.state, externalId, output });
      return { id: existing.id, action: "updated", externalId };
    } catch (err) {
      // Another app's run of the same name cannot be updated; ours is then created.
      if (statusOf(err) !== 403 && statusOf(err) !== 404) throw err;
    }
  }
  const id = await createCheckRun(api, where, CHECK_NAME, headSha, {
    state: view.state,
    externalId,
    output,
    annotations: view.annotations,
    ...(view.detailsUrl ? { detailsUrl: view.detailsUrl } : {}),
  });
  return { id, action: "created", externalId };
}

/** Adds a line to a published run (the outcome of a merge) without touching its state. */
export async function appendToCheckRun(api: GitHub, where: RepoRef, id: number, view: CheckRunView, line: string): Promise<void> {
  await api.rest.checks.update({ ...where, check_run_id: id, output: { title: view.title, summary: clip(`${view.summary}\n\n${line}`, TEXT_LIMIT) } });
}
