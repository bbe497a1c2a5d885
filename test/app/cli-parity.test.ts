// One core, two front ends: the `gitgrant check` line printed on the app's check run, run on
// a real clone of the same change, gives the same verdict, row for row.
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { renderSummary } from "../../src/app/summary.js";
import { main } from "../../src/cli/index.js";
import type { CheckResult } from "../../src/core/evaluate.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { reviewFacts, signals, teamMembership } from "../helpers/github-replies.js";
import { BASE_FILES, R, REQUESTS, added, capture, contextReply, filesReply, github, makeProbot, receive, reviewEvent, settle } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  settle();
  await cleanupRepos();
});
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/gcp-prod-viewer/alice.yaml";
const GRANTS = { "access/requests/staging-deploy/alice.yaml": REQUESTS.selfService, "access/requests/prod-db-read/bob.yaml": "reason: Read the replica to debug INC-7\nduration: 2h\n" };

/** Table rows and overall reasons of a rendered summary (the header and footer differ by design). */
function verdictLines(summary: string): string[] {
  return summary.split("\n").filter((l) => l.startsWith("| ") || l.startsWith("- "));
}

async function cli(args: string[]): Promise<{ code: number; result: CheckResult }> {
  let out = "";
  const code = await main(args, { out: (t) => (out += t), err: () => {}, cwd: "/", env: {} });
  return { code, result: JSON.parse(out) as CheckResult };
}

describe("gitgrant check reproduces the app's verdict", () => {
  it("for a conditional request approved by a code owner, with the app's signals and approvals", async () => {
    const repo = await makeRepo();
    const base: Record<string, string> = { ...GRANTS };
    for (const [path, text] of Object.entries(BASE_FILES)) if (text !== null) base[path] = text;
    await repo.writeAll(base);
    const baseSha = await repo.commit("rules and two grants", { date: "2026-11-01T00:00:00Z" });
    await repo.branch("request");
    await repo.write(FILE, REQUESTS.conditional);
    const headSha = await repo.commit("request gcp-prod-viewer", { author: "alice", date: "2026-11-30T09:00:00Z" });

    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { base: baseSha, head: headSha, labels: ["access:conditional"] });
    filesReply(gh, 7, [added(FILE, REQUESTS.conditional)]);
    signals(gh, { teams: { alice: [] }, incidents: 0, member: { alice: true }, baseFiles: Object.keys(base).sort(), base: baseSha });
    reviewFacts(gh, 7, { reviews: [{ login: "bob", state: "APPROVED", commit: headSha }], commits: [{ author: "alice", committer: "alice" }], requested: { teams: ["platform"] } });
    teamMembership(gh, "acme/platform", "bob", true);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === headSha).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, reviewEvent("submitted", { author: "alice", reviewer: "bob", state: "APPROVED", head: headSha, base: baseSha }));
    gh.done();

    const summary: string = check.bodies[0].output.summary;
    const line = /^npx gitgrant check (.+)$/m.exec(summary)?.[1];
    expect(line).toBe(`--base ${baseSha} --head ${headSha} --author alice --now 2026-11-30T10:00:00Z --org-member alice --approved-by bob --team bob=acme/platform`);
    const { code, result } = await cli(["check", ...line!.split(" "), "--repo", repo.dir, "--format", "json"]);
    expect(code).toBe(0);
    expect(result).toMatchObject({ ok: true, approved: true, auto_merge: false });
    expect(result.files.map((f) => [f.path, f.tier, f.approvals_required, f.approved_by])).toEqual([[FILE, "conditional", 1, ["bob"]]]);
    expect(verdictLines(summary).length).toBe(3); // header, the row, the overall reason
    expect(verdictLines(renderSummary(result, []))).toEqual(verdictLines(summary));
  });

  it("for bob's request for alice, with a committer's and a code owner's approval", async () => {
    const repo = await makeRepo();
    const file = "access/requests/staging-deploy/alice.yaml";
    await repo.writeAll(Object.fromEntries(Object.entries(BASE_FILES).filter((e): e is [string, string] => e[1] !== null)));
    const baseSha = await repo.commit("rules", { date: "2026-11-01T00:00:00Z" });
    await repo.branch("request");
    await repo.write(file, REQUESTS.selfService);
    const headSha = await repo.commit("staging for alice", { author: "bob", committer: "carol", date: "2026-11-30T09:00:00Z" });

    const probot = await makeProbot();
    const gh = github();
    contextReply(gh, { base: baseSha, head: headSha, author: "bob", labels: ["access:self-service"] });
    filesReply(gh, 7, [added(file, REQUESTS.selfService)]);
    reviewFacts(gh, 7, {
      reviews: [
        { login: "carol", state: "APPROVED", commit: headSha },
        { login: "dave", state: "APPROVED", commit: headSha },
      ],
      commits: [{ author: "bob", committer: "carol" }],
      requested: { teams: ["platform"] },
    });
    teamMembership(gh, "acme/platform", "dave", true);
    const check = capture();
    gh.post(`${R}/check-runs`, check.push).reply(201, { id: 900 });
    gh.put(`${R}/pulls/7/merge`, (b: any) => b.sha === headSha).reply(200, { sha: "d".repeat(40), merged: true, message: "merged" });
    await receive(probot, reviewEvent("submitted", { author: "bob", reviewer: "dave", state: "APPROVED", head: headSha, base: baseSha }));
    gh.done();

    const summary: string = check.bodies[0].output.summary;
    const line = /^npx gitgrant check (.+)$/m.exec(summary)?.[1];
    expect(line).toBe(`--base ${baseSha} --head ${headSha} --author bob --now 2026-11-30T10:00:00Z --approved-by carol --approved-by dave --team dave=acme/platform --committer carol`);
    const { result } = await cli(["check", ...line!.split(" "), "--repo", repo.dir, "--format", "json"]);
    expect(result.files.map((f) => [f.tier, f.approvals_required, f.approved_by])).toEqual([["self-service", 1, ["dave"]]]);
    expect(summary).toContain("carol authored or pushed to this pull request, so their approval does not count");
    expect(verdictLines(renderSummary(result, []))).toEqual(verdictLines(summary));
  });
});
