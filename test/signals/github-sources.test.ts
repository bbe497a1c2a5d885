// The GitHub signal sources on GitHub's wire format: only what a deciding condition reads is
// asked, and a source that fails gives its cautious value and says why in the decision.
import { PROVIDER_RULES } from "../../src/providers/index.js";
import { Octokit } from "@octokit/rest";
import { gitHub } from "../../src/github/octokit.js";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { evaluateChange, type EvaluateInput } from "../../src/core/evaluate.js";
import { gatherSignals } from "../../src/signals/gather.js";
import { GraphqlBatch } from "../../src/signals/github.js";
import { planSignals } from "../../src/signals/plan.js";
import { BASE_FILES, NOW, REQUESTS } from "../helpers/app.js";

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.emitter.removeAllListeners("no match");
});
afterAll(() => nock.enableNetConnect());

const FILE = "access/requests/gcp-prod-viewer/alice.yaml";

/** The example organisation with the conditional tier's condition replaced. */
function configWith(condition: string) {
  const policy = BASE_FILES["access/policy.yaml"]!.replace(/auto_approve_if: ".*"/, `auto_approve_if: ${JSON.stringify(condition)}`);
  const config = loadConfig({ catalog: BASE_FILES["access/catalog.yaml"]!, policy, identities: BASE_FILES["access/identities.yaml"]!, codeowners: { ".github/CODEOWNERS": BASE_FILES[".github/CODEOWNERS"] } }, PROVIDER_RULES);
  expect(config.problems).toEqual([]);
  return config;
}

/** Judge alice's conditional request as the app does: judge, gather what the condition reads, judge again. */
async function judgeWithSignals(condition: string) {
  const config = configWith(condition);
  const api = gitHub(new Octokit({ auth: "test-token" }));
  const missed: string[] = [];
  nock.emitter.on("no match", (req: { method?: string; path?: string }) => missed.push(`${req.method} ${req.path}`));
  const input: EvaluateInput = { config, changes: [{ path: FILE, change: "added", text: REQUESTS.conditional }], author: "alice", now: NOW };
  const plan = planSignals(config, evaluateChange(input), "alice");
  const github = { api, where: { owner: "acme", repo: "access" }, org: "acme", baseSha: "b".repeat(40), listFiles: async () => [], batch: new GraphqlBatch(api) };
  const gathered = await gatherSignals(plan, { config, now: NOW }, { github, env: {} });
  input.signals = gathered.signals;
  if (gathered.baseRequestFiles) input.baseRequestFiles = gathered.baseRequestFiles;
  const result = evaluateChange(input);
  return { gathered, file: result.files[0]!, missed };
}

describe("signals are fetched only as a condition reads them", () => {
  it("a condition over request.* alone makes no GitHub call at all", async () => {
    const { gathered, file, missed } = await judgeWithSignals("request.duration_hours <= 4.0 && request.for_self");
    expect(missed).toEqual([]);
    expect(gathered.asked).toEqual([]);
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("auto-approved: request.duration_hours <= 4.0 && request.for_self holds");
  });

  it("a condition over requester.teams makes exactly the teams query", async () => {
    const seen: any[] = [];
    const gh = nock("https://api.github.com")
      .post("/graphql", (b) => (seen.push(b), true))
      .reply(200, { data: { t0: { teams: { nodes: [{ slug: "oncall" }, { slug: "Platform" }] } } } });
    const { gathered, file, missed } = await judgeWithSignals("requester.teams.exists(t, t == 'acme/oncall')");
    gh.done();
    expect(missed).toEqual([]);
    expect(gathered.asked).toEqual(["GitHub teams"]);
    expect(seen).toHaveLength(1);
    expect(seen[0].variables).toEqual({ org: "acme", l0: "alice" });
    expect(seen[0].query).toBe("query gitgrantSignals($org: String!, $l0: String!) { t0: organization(login: $org) { teams(first: 100, userLogins: [$l0]) { nodes { slug } } } }");
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("signals read: teams acme/oncall, acme/platform");
  });

  it("teams and incidents read together still cost one GraphQL query", async () => {
    const seen: any[] = [];
    const gh = nock("https://api.github.com")
      .post("/graphql", (b) => (seen.push(b), true))
      .reply(200, { data: { t0: { teams: { nodes: [] } }, incidents: { issues: { nodes: [{ author: { login: "rita" }, timelineItems: { nodes: [] } }, { author: { login: "rita" }, timelineItems: { nodes: [] } }] } }, responders: { team: { members: { nodes: [{ login: "rita" }] } } } } });
    const { gathered, file } = await judgeWithSignals("requester.teams.exists(t, t == 'acme/oncall') || incident.count > 1");
    gh.done();
    expect(gathered.asked.sort()).toEqual(["GitHub incident issues", "GitHub teams"]);
    expect(seen).toHaveLength(1);
    expect(seen[0].variables).toEqual({ org: "acme", l0: "alice", iOwner: "acme", iName: "access", iLabel: "incident", rOrg: "acme", rTeam: "responders" });
    expect(file.approvals_required).toBe(0);
    expect(file.reasons).toContain("signals read: in no team; 2 open incident(s)");
  });
});

describe("a source that fails", () => {
  it("GitHub answering 500 leaves no teams, and the decision says why", async () => {
    const gh = nock("https://api.github.com").post("/graphql").reply(500, { message: "Something went wrong" });
    const { gathered, file } = await judgeWithSignals("requester.teams.exists(t, t == 'acme/oncall')");
    gh.done();
    expect(gathered.notes).toEqual(["could not ask GitHub teams (GitHub answered 500 on POST /graphql: Something went wrong); treated as in no team"]);
    expect(file.approvals_required).toBe(1);
    expect(file.reasons).toContain("signals read: requester.teams not known (GitHub teams: GitHub answered 500 on POST /graphql: Something went wrong), treated as in no team");
    expect(file.reasons).toContain("auto_approve_if does not hold: requester.teams.exists(t, t == 'acme/oncall')");
  });

  it("a membership check that times out is an outside collaborator, and the others still answer", async () => {
    const gh = nock("https://api.github.com")
      .get("/orgs/acme/members/alice")
      .replyWithError({ code: "ETIMEDOUT", message: "connect ETIMEDOUT 140.82.121.6:443" })
      .post("/graphql")
      .reply(200, { data: { incidents: { issues: { nodes: [{ author: { login: "rita" }, timelineItems: { nodes: [] } }] } }, responders: { team: { members: { nodes: [{ login: "rita" }] } } } } });
    const { gathered, file } = await judgeWithSignals("requester.org_member && incident.open");
    gh.done();
    expect(gathered.notes).toHaveLength(1);
    // Octokit reports a failed connection as status 500; GitHub never answered, and the note says so.
    expect(gathered.notes[0]).toBe("could not tell whether alice is a member of acme (cannot reach GitHub (ETIMEDOUT) on GET /orgs/{org}/members/{username}: connect ETIMEDOUT 140.82.121.6:443); treated as an outside collaborator");
    expect(gathered.signals.incident).toEqual({ open: true, count: 1 });
    expect(file.approvals_required).toBe(1);
  });
});
