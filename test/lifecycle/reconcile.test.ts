import { Octokit } from "@octokit/rest";
import { gitHub } from "../../src/github/octokit.js";
import nock from "nock";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalGitRepo } from "../../src/git/local.js";
import { expiryReport } from "../../src/operations/expiry.js";
import { findDrift, fixDrift } from "../../src/operations/reconcile.js";
import { createGithubTeamProvider } from "../../src/providers/github-team.js";
import { createLocalProvider, readLedger, writeLedger, type Ledger } from "../../src/providers/local.js";
import { cleanupRepos, type TestRepo } from "../helpers/gitrepo.js";
import { cleanupHomes, gitEnv } from "../helpers/gitrepo.js";
import { accessRepo, at, request } from "../helpers/orgs.js";
import { OAuth2Client } from "google-auth-library";
import { createGcpIamProvider } from "../../src/providers/gcp-iam.js";
import { org } from "../helpers/orgs.js";

const API = "https://api.github.com";
const NOW = "2026-03-01T11:00:00Z";

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterEach(cleanupRepos);
afterEach(cleanupHomes);
afterAll(() => nock.enableNetConnect());

async function repoWith(files: Record<string, string>): Promise<TestRepo> {
  const repo = await accessRepo();
  await repo.writeAll(files);
  await repo.commit("grants", { date: "2026-03-01T10:00:00Z" });
  return repo;
}

/** A GraphQL page of a team's own (IMMEDIATE) members. */
const teamPage = (...logins: string[]) => ({
  data: { organization: { team: { members: { nodes: logins.map((login) => ({ login })), pageInfo: { hasNextPage: false, endCursor: null } } } } },
});

const entry = (principal: string, resource: string, expiresAt: string) => ({
  principal,
  resource,
  startsAt: "2026-03-01T10:00:00.000Z",
  expiresAt,
  reason: "x",
  grantedAt: "2026-03-01T10:00:00.000Z",
});

describe("reconcile on the local ledger", () => {
  it("finds missing, window and unmanaged drift; --fix re-grants and removes only gitgrant's own leftovers", async () => {
    const repo = await repoWith({
      "access/requests/staging-deploy/alice.yaml": request("2h"),
      "access/requests/support-console/bob.yaml": request("14d"),
      "access/requests/staging-deploy/carol.yaml": request("30m"), // expired at 10:30, revoke PR pending
    });
    const ledgerPath = join(repo.dir, "..", "ledger.json");
    const ledger: Ledger = {
      version: 1,
      grants: {
        "staging-deploy/alice": entry("alice", "staging-deploy", "2026-03-01T11:30:00.000Z"), // git says 12:00
        "staging-deploy/carol": entry("carol-local", "staging-deploy", "2026-03-01T10:30:00.000Z"), // expired, file still there
        "support-console/dave": entry("dave", "support-console", "2026-03-09T00:00:00.000Z"), // no file
      },
    };
    await writeLedger(ledgerPath, ledger);
    const local = createLocalProvider({ ledgerPath, now: () => at(NOW) });
    const providers = { local };
    const report = await expiryReport(new LocalGitRepo(repo.dir, { env: await gitEnv() }), { ref: "main", now: at(NOW) });

    const found = await findDrift(report, providers);
    expect(found.errors).toEqual([{ resource: "ops-team", message: "ops-team: no github-team provider is configured, so it was not checked" }]);
    expect(found.checked).toEqual(["staging-deploy", "support-console"]);
    expect(found.drift.map((d) => [d.kind, d.resource, d.principal])).toEqual([
      ["window", "staging-deploy", "alice"],
      ["missing", "support-console", "bob"],
      ["unmanaged", "support-console", "dave"],
    ]);
    expect(found.drift[0]!.words).toBe("local ends alice's grant at 2026-03-01T11:30:00Z, but access/requests/staging-deploy/alice.yaml says 2026-03-01T12:00:00Z");
    expect(found.drift[2]).toMatchObject({ managedByGitgrant: true });

    const dry = await fixDrift(report, found.drift, providers, { dryRun: true });
    expect(dry.map((o) => o.status)).toEqual(["planned", "planned", "planned"]);
    expect(await readLedger(ledgerPath)).toEqual(ledger);

    const fixed = await fixDrift(report, found.drift, providers);
    expect(fixed.map((o) => [o.kind, o.principal, o.status])).toEqual([
      ["window", "alice", "granted"],
      ["missing", "bob", "granted"],
      ["unmanaged", "dave", "revoked"],
    ]);
    const after = await readLedger(ledgerPath);
    expect(Object.keys(after.grants).sort()).toEqual(["staging-deploy/alice", "staging-deploy/carol", "support-console/bob"]);
    expect(after.grants["staging-deploy/alice"]!.expiresAt).toBe("2026-03-01T12:00:00.000Z");
    expect((await findDrift(report, providers)).drift).toEqual([]);
  });
});

describe("reconcile against a nock-faked github-team", () => {
  const TOKEN = "ghs_testtoken000000000000000000000000";
  const team = () =>
    createGithubTeamProvider({
      octokit: gitHub(new Octokit({ auth: TOKEN, log: { debug() {}, info() {}, warn() {}, error() {} } })),
      retry: { sleep: async () => {} },
    });

  it("lists the team: a member without a file is unmanaged and only reported; a file without membership is re-granted", async () => {
    const repo = await repoWith({
      "access/requests/ops-team/alice.yaml": request("2h"),
      "access/requests/ops-team/bob.yaml": request("2h"),
    });
    const ledgerPath = join(repo.dir, "..", "ledger.json");
    const providers = { "github-team": team(), local: createLocalProvider({ ledgerPath }) };
    const report = await expiryReport(new LocalGitRepo(repo.dir, { env: await gitEnv() }), { ref: "main", now: at(NOW) });

    const listing = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .post("/graphql", (body) => body.variables.org === "acme" && body.variables.team === "ops")
      .reply(200, teamPage("Alice", "dave"));
    const found = await findDrift(report, providers);
    listing.done();
    expect(found.errors).toEqual([]);
    expect(found.drift).toEqual([
      { kind: "missing", resource: "ops-team", provider: "github-team", principal: "bob", path: "access/requests/ops-team/bob.yaml", words: "access/requests/ops-team/bob.yaml is active until 2026-03-01T12:00:00Z, but github-team has no grant for bob" },
      { kind: "unmanaged", resource: "ops-team", provider: "github-team", principal: "dave", managedByGitgrant: false, words: "dave holds ops-team with no request file, and gitgrant did not create it" },
    ]);

    // --fix: bob is added back through the provider; dave is never removed (no DELETE is mocked).
    const fix = nock(API)
      .get("/orgs/acme/teams/ops/memberships/bob")
      .reply(404, { message: "Not Found" })
      .get("/orgs/acme/memberships/bob")
      .reply(200, { state: "active", role: "member" })
      .put("/orgs/acme/teams/ops/memberships/bob", { role: "member" })
      .reply(200, { role: "member", state: "active" });
    const fixed = await fixDrift(report, found.drift, providers);
    fix.done();
    expect(fixed.map((o) => [o.principal, o.status])).toEqual([
      ["dave", "reported"],
      ["bob", "granted"],
    ]);
    expect(fixed[0]!.detail).toBe("dave holds ops-team with no request file, and gitgrant did not create it; left in place for a person to decide");
  });

  it("a target that cannot be listed is reported for that resource; the others are still checked", async () => {
    const repo = await repoWith({ "access/requests/staging-deploy/alice.yaml": request("2h") });
    const providers = { "github-team": team(), local: createLocalProvider({ ledgerPath: join(repo.dir, "..", "ledger.json") }) };
    const report = await expiryReport(new LocalGitRepo(repo.dir, { env: await gitEnv() }), { ref: "main", now: at(NOW) });
    const scope = nock(API).post("/graphql").reply(403, { message: "Resource not accessible by integration" });
    const found = await findDrift(report, providers);
    scope.done();
    expect(found.checked).toEqual(["staging-deploy", "support-console"]);
    expect(found.errors).toHaveLength(1);
    expect(found.errors[0]!.resource).toBe("ops-team");
    expect(found.errors[0]!.message).toContain("permission denied (HTTP 403)");
    expect(found.drift.map((d) => [d.kind, d.principal])).toEqual([["missing", "alice"]]);
  });
});

describe("reconcile keyed by grant, not by principal", () => {
  const CRM = "https://cloudresourcemanager.googleapis.com";
  const gcpCatalog = `${org("lifecycle").catalog}  gcp-logs:
    sensitivity: low
    max_duration: 8h
    provider: gcp-iam
    target: { project: acme-prod, role: roles/logging.viewer }
`;
  const identities = org("lifecycle").identities.replace("alice: { github: alice }", "alice: { github: alice, gcp: 'user:alice@acme.com' }");

  it("a standing unconditional binding listed after gitgrant's does not hide a window drift", async () => {
    const repo = await repoWith({
      "access/catalog.yaml": gcpCatalog,
      "access/identities.yaml": identities,
      "access/requests/gcp-logs/alice.yaml": request("2h"), // 10:00 + 2h = 12:00
    });
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: "ya29.test", expiry_date: Date.parse("2100-01-01T00:00:00Z") });
    const providers = { "gcp-iam": createGcpIamProvider({ authClient }) };
    const report = await expiryReport(new LocalGitRepo(repo.dir, { env: await gitEnv() }), { ref: "main", now: at(NOW) });
    const scope = nock(CRM)
      .post("/v3/projects/acme-prod:getIamPolicy", { options: { requestedPolicyVersion: 3 } })
      .query(true)
      .reply(200, {
        version: 3,
        etag: "BwXhqDAbx5c=",
        bindings: [
          {
            role: "roles/logging.viewer",
            members: ["user:alice@acme.com"],
            condition: {
              title: "gitgrant gcp-logs alice",
              description: "gitgrant request access/requests/gcp-logs/alice.yaml expires 2026-03-01T11:30:00Z",
              expression: 'request.time < timestamp("2026-03-01T11:30:00Z")',
            },
          },
          { role: "roles/logging.viewer", members: ["group:sre@acme.com", "user:alice@acme.com"] },
        ],
      });
    const found = await findDrift(report, providers, { resources: ["gcp-logs"] });
    scope.done();
    expect(found.errors).toEqual([]);
    expect(found.drift).toEqual([
      {
        kind: "window",
        resource: "gcp-logs",
        provider: "gcp-iam",
        principal: "user:alice@acme.com",
        path: "access/requests/gcp-logs/alice.yaml",
        words: "gcp-iam ends user:alice@acme.com's grant at 2026-03-01T11:30:00Z, but access/requests/gcp-logs/alice.yaml says 2026-03-01T12:00:00Z",
      },
      {
        kind: "unmanaged",
        resource: "gcp-logs",
        provider: "gcp-iam",
        principal: "group:sre@acme.com",
        managedByGitgrant: false,
        words: "group:sre@acme.com holds gcp-logs with no request file, and gitgrant did not create it",
      },
    ]);
  });
});
