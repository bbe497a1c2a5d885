// GitHub's limits where gitgrant writes check runs: 50 annotations a request, 65,535
// characters of summary. The PR verdict and the push's apply run share this code.
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { appendToCheckRun, createCheckRun, publishCheckRun, updateCheckRun } from "../../src/app/check-run.js";
import type { Annotation } from "../../src/app/summary.js";
import { ANNOTATIONS_PER_REQUEST, TEXT_LIMIT } from "../../src/github/limits.js";
import { gitHub } from "../../src/github/octokit.js";

const API = "https://api.github.com";
const R = "/repos/acme/access";
const HEAD = "c".repeat(40);
const where = { owner: "acme", repo: "access" };
const api = () => gitHub(new Octokit({ auth: "ghs_test", log: { debug() {}, info() {}, warn() {}, error() {} } }));

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const annotation = (i: number): Annotation => ({ path: `access/requests/r/u${i}.yaml`, start_line: 1, end_line: 1, annotation_level: "failure", title: "t", message: `error ${i}` });

describe("check runs within GitHub's limits", () => {
  it("51 annotations go in two requests: 50 with the create, 1 appended with the same title and summary", async () => {
    const bodies: any[] = [];
    const scope = nock(API)
      .post(`${R}/check-runs`, (b) => bodies.push(b) > 0)
      .reply(201, { id: 900 })
      .patch(`${R}/check-runs/900`, (b) => bodies.push(b) > 0)
      .reply(200, { id: 900 });
    const annotations = Array.from({ length: 51 }, (_, i) => annotation(i));
    const id = await createCheckRun(api(), where, "gitgrant", HEAD, { state: { status: "completed", conclusion: "failure" }, output: { title: "51 errors", summary: "s" }, annotations });
    scope.done();
    expect(id).toBe(900);
    expect(ANNOTATIONS_PER_REQUEST).toBe(50);
    expect(bodies[0].output.annotations).toEqual(annotations.slice(0, 50));
    expect(bodies[1]).toEqual({ output: { title: "51 errors", summary: "s", annotations: [annotations[50]] } });
  });

  it("exactly 50 annotations are one request", async () => {
    const scope = nock(API).post(`${R}/check-runs`, (b) => b.output.annotations.length === 50).reply(201, { id: 901 });
    await createCheckRun(api(), where, "gitgrant", HEAD, { state: { status: "in_progress" }, output: { title: "t", summary: "s" }, annotations: Array.from({ length: 50 }, (_, i) => annotation(i)) });
    scope.done();
  });

  it("an over-long summary is cut at 65,535 characters on create, update and append", async () => {
    const long = "x".repeat(TEXT_LIMIT + 500);
    const sizes: number[] = [];
    const scope = nock(API)
      .post(`${R}/check-runs`, (b) => sizes.push(b.output.summary.length) > 0)
      .reply(201, { id: 902 })
      .patch(`${R}/check-runs/902`, (b) => sizes.push(b.output.summary.length) > 0)
      .times(2)
      .reply(200, { id: 902 });
    const view = { state: { status: "completed" as const, conclusion: "success" as const }, title: "t", summary: long, annotations: [] };
    const published = await publishCheckRun(api(), where, HEAD, null, view);
    await updateCheckRun(api(), where, published.id, { state: view.state, output: { title: "t", summary: long } });
    await appendToCheckRun(api(), where, published.id, { ...view, summary: "short" }, "y".repeat(TEXT_LIMIT));
    scope.done();
    expect(sizes).toEqual([TEXT_LIMIT, TEXT_LIMIT, TEXT_LIMIT]);
  });

  it("an apply run starts without output and completes with its times", async () => {
    const scope = nock(API)
      .post(`${R}/check-runs`, { name: "gitgrant/apply", head_sha: HEAD, status: "in_progress", started_at: "2026-03-02T10:00:05.000Z" })
      .reply(201, { id: 903 })
      .patch(`${R}/check-runs/903`, { status: "completed", conclusion: "success", completed_at: "2026-03-02T10:00:06.000Z", output: { title: "1 granted", summary: "ok" } })
      .reply(200, { id: 903 });
    const id = await createCheckRun(api(), where, "gitgrant/apply", HEAD, { state: { status: "in_progress" }, startedAt: new Date("2026-03-02T10:00:05Z") });
    await updateCheckRun(api(), where, id, { state: { status: "completed", conclusion: "success" }, completedAt: new Date("2026-03-02T10:00:06Z"), output: { title: "1 granted", summary: "ok" } });
    scope.done();
  });
});
