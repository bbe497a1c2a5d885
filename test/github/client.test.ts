// The CLI's client from the environment: a token, GITHUB_API_URL for GitHub Enterprise
// Server, or GitHub App credentials (a JWT, the installation, an installation token).
import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubSetupError, gitHubFromEnv, githubTarget } from "../../src/github/client.js";
import { GitHubApiError } from "../../src/github/errors.js";

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("a GitHub from the environment", () => {
  it("uses GITHUB_TOKEN against api.github.com", async () => {
    const scope = nock("https://api.github.com", { reqheaders: { authorization: "token ghs_workflow" } }).get("/repos/acme/access").reply(200, { full_name: "acme/access" });
    const api = await gitHubFromEnv({ GITHUB_TOKEN: "ghs_workflow" });
    expect((await api!.request("GET /repos/{owner}/{repo}", { owner: "acme", repo: "access" })).data).toEqual({ full_name: "acme/access" });
    scope.done();
  });

  it("honours GITHUB_API_URL (GitHub Enterprise Server), and its errors are GitHubApiErrors", async () => {
    const scope = nock("https://ghe.acme.example", { reqheaders: { authorization: "token ghp_enterprise" } })
      .get("/api/v3/repos/acme/access/pulls/9")
      .reply(404, { message: "Not Found" });
    const target = await githubTarget({ GH_TOKEN: "ghp_enterprise", GITHUB_API_URL: "https://ghe.acme.example/api/v3/", GITHUB_REPOSITORY: "acme/access" }, {});
    const err = await target!.octokit.rest.pulls.get({ owner: target!.owner, repo: target!.repo, pull_number: 9 }).catch((e: unknown) => e);
    scope.done();
    expect(err).toBeInstanceOf(GitHubApiError);
    expect((err as GitHubApiError).route).toBe("/repos/{owner}/{repo}/pulls/{pull_number}");
  });

  it("no credentials: local mode, unless --github asked for GitHub", async () => {
    expect(await gitHubFromEnv({})).toBeNull();
    expect(await githubTarget({ GITHUB_REPOSITORY: "acme/access" }, {})).toBeNull();
    expect(await githubTarget({ GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/access" }, { local: true })).toBeNull();
    await expect(githubTarget({}, { github: "acme/access" })).rejects.toThrow(/--github acme\/access needs a token in GITHUB_TOKEN/);
    await expect(githubTarget({ GITHUB_TOKEN: "t" }, { github: "not a repo" })).rejects.toBeInstanceOf(GitHubSetupError);
  });

  it("GitHub App credentials: finds the repository's installation as the App, then acts with an installation token", async () => {
    const scope = nock("https://api.github.com")
      .get("/repos/acme/access/installation")
      .matchHeader("authorization", /^bearer eyJ/)
      .reply(200, { id: 77, account: { login: "acme" }, app_id: 12 })
      .post("/app/installations/77/access_tokens")
      .matchHeader("authorization", /^bearer eyJ/)
      .reply(201, { token: "ghs_installation77", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" })
      .get("/repos/acme/access/pulls")
      .query({ state: "open" })
      .matchHeader("authorization", "token ghs_installation77")
      .reply(200, []);
    const target = await githubTarget({ GITGRANT_APP_ID: "12", GITGRANT_APP_PRIVATE_KEY: privateKey.replace(/\n/g, "\\n") }, { github: "acme/access" });
    expect(await target!.octokit.rest.pulls.list({ owner: "acme", repo: "access", state: "open" })).toMatchObject({ data: [] });
    scope.done();
  });

  it("with GITGRANT_APP_INSTALLATION_ID the lookup is skipped", async () => {
    const scope = nock("https://api.github.com")
      .post("/app/installations/88/access_tokens")
      .reply(201, { token: "ghs_installation88", expires_at: "2099-01-01T00:00:00Z", permissions: {}, repository_selection: "all" })
      .get("/orgs/acme/teams/infra-admins/members")
      .matchHeader("authorization", "token ghs_installation88")
      .reply(200, []);
    const api = await gitHubFromEnv({ GITGRANT_APP_ID: "12", GITGRANT_APP_PRIVATE_KEY: privateKey, GITGRANT_APP_INSTALLATION_ID: "88" });
    expect((await api!.request("GET /orgs/{org}/teams/{team_slug}/members", { org: "acme", team_slug: "infra-admins" })).data).toEqual([]);
    scope.done();
  });

  it("half of the App's credentials is a setup error naming what is missing, never a silent fallback to the token", async () => {
    await expect(gitHubFromEnv({ GITGRANT_APP_ID: "12", GITHUB_TOKEN: "t" })).rejects.toThrow("GITGRANT_APP_ID is set but GITGRANT_APP_PRIVATE_KEY is not");
    await expect(gitHubFromEnv({ GITGRANT_APP_PRIVATE_KEY: privateKey })).rejects.toThrow("GITGRANT_APP_PRIVATE_KEY is set but GITGRANT_APP_ID is not");
    await expect(gitHubFromEnv({ GITGRANT_APP_ID: "gitgrant", GITGRANT_APP_PRIVATE_KEY: privateKey })).rejects.toThrow(/numeric id/);
    await expect(gitHubFromEnv({ GITGRANT_APP_ID: "12", GITGRANT_APP_PRIVATE_KEY: privateKey })).rejects.toThrow(/GITGRANT_APP_INSTALLATION_ID/);
    const err = await gitHubFromEnv({ GITGRANT_APP_ID: "12" }).catch((e: Error) => e);
    expect(String(err)).not.toContain("PRIVATE KEY-----");
  });
});
