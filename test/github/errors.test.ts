// GitHub's errors enter once, through gitHub(): every failed call, REST, paginated or GraphQL,
// is a GitHubApiError with the status, the route and GitHub's message, and nothing of the
// request (no Authorization header, no token).
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubApiError, describeError, statusOf } from "../../src/github/errors.js";
import { graphqlPartial } from "../../src/github/graphql.js";
import { gitHub } from "../../src/github/octokit.js";

const API = "https://api.github.com";
const TOKEN = "ghs_secrettoken1234567890abcdefghijklmn";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const client = () => gitHub(new Octokit({ auth: TOKEN, log: quiet }));

async function failure(p: Promise<unknown>): Promise<GitHubApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitHubApiError);
  return err as GitHubApiError;
}

/** Nothing of the request: every text the error can show, and its own fields. */
function expectNoSecrets(err: GitHubApiError): void {
  const everything = [err.message, describeError(err), String(err), err.stack ?? "", JSON.stringify(err), JSON.stringify(Object.entries(err))].join("\n");
  expect(everything).not.toContain(TOKEN);
  expect(everything.toLowerCase()).not.toContain("authorization");
  expect(Object.keys(err)).not.toContain("request");
  expect(Object.keys(err)).not.toContain("response");
  expect(err.cause).toBeUndefined();
}

describe("GitHubApiError from REST", () => {
  it("a 404 carries the status, the method and route template, and GitHub's message", async () => {
    const scope = nock(API, { reqheaders: { authorization: `token ${TOKEN}` } })
      .get("/repos/acme/access/pulls/7")
      .reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request", status: "404" });
    const err = await failure(client().rest.pulls.get({ owner: "acme", repo: "access", pull_number: 7 }));
    scope.done();
    expect(err).toMatchObject({ name: "GitHubApiError", status: 404, method: "GET", route: "/repos/{owner}/{repo}/pulls/{pull_number}", githubMessage: "Not Found", message: "Not Found" });
    expect(err.documentationUrl).toBe("https://docs.github.com/rest/pulls/pulls#get-a-pull-request");
    expect(describeError(err)).toBe("GitHub answered 404 on GET /repos/{owner}/{repo}/pulls/{pull_number}: Not Found");
    expect(statusOf(err)).toBe(404);
    expectNoSecrets(err);
  });

  it("a 422 keeps GitHub's field errors as details and in the message", async () => {
    const scope = nock(API)
      .post("/repos/acme/access/git/refs", { ref: "refs/heads/gitgrant/revoke/x/alice", sha: "a".repeat(40) })
      .reply(422, { message: "Validation Failed", errors: [{ resource: "Reference", code: "custom", field: "ref", message: "Reference already exists" }], documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference" });
    const err = await failure(client().request("POST /repos/{owner}/{repo}/git/refs", { owner: "acme", repo: "access", ref: "refs/heads/gitgrant/revoke/x/alice", sha: "a".repeat(40) }));
    scope.done();
    expect(err.status).toBe(422);
    expect(err.route).toBe("/repos/{owner}/{repo}/git/refs");
    expect(err.method).toBe("POST");
    expect(err.githubMessage).toBe("Validation Failed (Reference already exists)");
    expect(err.details).toEqual([{ resource: "Reference", code: "custom", field: "ref", message: "Reference already exists" }]);
    expectNoSecrets(err);
  });

  it("a 500 is wrapped the same way; only the rate-limit response headers are kept", async () => {
    const scope = nock(API)
      .put("/orgs/acme/teams/infra-admins/memberships/alice")
      .reply(500, { message: "Server Error" }, { "retry-after": "7", "x-github-request-id": "ABCD:1234", "set-cookie": "session=secret" });
    const err = await failure(client().request("PUT /orgs/{org}/teams/{team_slug}/memberships/{username}", { org: "acme", team_slug: "infra-admins", username: "alice", role: "member" }));
    scope.done();
    expect(err).toMatchObject({ status: 500, method: "PUT", route: "/orgs/{org}/teams/{team_slug}/memberships/{username}", message: "Server Error" });
    expect(err.headers).toEqual({ "retry-after": "7" });
    expectNoSecrets(err);
  });

  it("a page of a paginated listing that fails names its path, without host or query", async () => {
    const scope = nock(API)
      .get("/repos/acme/access/pulls/7/files")
      .query({ per_page: "100" })
      .reply(200, [{ filename: "a" }], { link: `<${API}/repositories/1/pulls/7/files?per_page=100&page=2>; rel="next"` })
      .get("/repositories/1/pulls/7/files")
      .query({ per_page: "100", page: "2" })
      .reply(502, { message: "Server Error" });
    const api = client();
    const err = await failure(api.paginate(api.rest.pulls.listFiles, { owner: "acme", repo: "access", pull_number: 7, per_page: 100 }));
    scope.done();
    expect(err.status).toBe(502);
    expect(err.route).toBe("/repositories/1/pulls/7/files");
    expectNoSecrets(err);
  });

  it("wraps Probot's octokit too, once however often it is wrapped", async () => {
    const Probotish = ProbotOctokit.defaults((o: any) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
    const octokit = new Probotish({ auth: { token: TOKEN }, log: quiet });
    const api = gitHub(gitHub(octokit as never));
    gitHub(octokit as never);
    expect(gitHub(api)).toBe(api);
    const scope = nock(API).get("/repos/acme/access/installation").reply(403, { message: "Resource not accessible by integration" });
    const err = await failure(api.request("GET /repos/{owner}/{repo}/installation", { owner: "acme", repo: "access" }));
    scope.done();
    expect(err.message).toBe("Resource not accessible by integration");
    expectNoSecrets(err);
  });
});

describe("GitHubApiError from GraphQL", () => {
  it("an answer with errors is wrapped with each error's path; graphqlPartial still gets the data", async () => {
    const answer = { data: { ok: { name: "access" }, gone: null }, errors: [{ type: "NOT_FOUND", path: ["gone"], message: "Could not resolve to a Repository with the name 'acme/gone'." }] };
    const scope = nock(API).post("/graphql").times(2).reply(200, answer);
    const api = client();
    const err = await failure(api.graphql("query { ok: repository(owner: \"acme\", name: \"access\") { name } gone: repository(owner: \"acme\", name: \"gone\") { name } }"));
    expect(err).toMatchObject({ status: 200, method: "POST", route: "/graphql", graphqlErrors: [{ type: "NOT_FOUND", path: "gone", message: "Could not resolve to a Repository with the name 'acme/gone'." }] });
    expect(err.message).toBe("gone: Could not resolve to a Repository with the name 'acme/gone'.");
    expectNoSecrets(err);
    const partial = await graphqlPartial<{ ok: { name: string } | null }>(api, "query { ok: repository(owner: \"acme\", name: \"access\") { name } }", {});
    expect(partial.data.ok).toEqual({ name: "access" });
    expect(partial.errors).toEqual(["gone: Could not resolve to a Repository with the name 'acme/gone'."]);
    scope.done();
  });

  it("an HTTP failure of the GraphQL endpoint is a GitHubApiError with its status", async () => {
    const scope = nock(API).post("/graphql").reply(502, { message: "Server Error" });
    const err = await failure(client().graphql("query { viewer { login } }"));
    scope.done();
    expect(err).toMatchObject({ status: 502, method: "POST", route: "/graphql", message: "Server Error" });
    expectNoSecrets(err);
  });
});
