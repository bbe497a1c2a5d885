import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { PROVIDER_NAMES, TARGET_RULES, checkTarget, createProviders, providerFor, targetProblem } from "../../src/providers/index.js";
import { ProviderError } from "../../src/providers/types.js";
import { grant, resource } from "../helpers/providers.js";

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

describe("provider registry", () => {
  it("builds every registered provider with no credentials and no network", () => {
    const providers = createProviders({ env: {} });
    expect(Object.keys(providers).sort()).toEqual([...PROVIDER_NAMES].sort());
    for (const name of PROVIDER_NAMES) expect(providers[name].name).toBe(name);
    const role = resource("r", "aws-iam", { mode: "assume-role", role_arn: "arn:aws:iam::123456789012:role/r" });
    expect(providerFor(providers, role).nativeExpiry(role)).toBe(true);
  });

  it("asks for credentials only when a provider is first used, and says which", async () => {
    const providers = createProviders({ env: {} });
    const team = resource("t", "github-team", { org: "acme", team: "admins" });
    const failure = await providers["github-team"].grant(grant(team, "alice", "alice")).catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure.kind).toBe("config");
    expect(failure.message).toMatch(/^github-team: no GitHub token in the environment\. Set GITGRANT_GITHUB_TOKEN or GITHUB_TOKEN/);

    const group = resource("g", "entra-group", { group_id: "02bd9fd6-8f93-4758-87c3-1fb73740a315" });
    const entra = await providers["entra-group"].revoke(grant(group, "alice", "alice@acme.com")).catch((e) => e);
    expect(entra.kind).toBe("config");
    expect(entra.message).toMatch(/^entra-group: AZURE_TENANT_ID and AZURE_CLIENT_ID not set\. /);
  });

  it("checks every provider's target block through one dispatcher", () => {
    expect(Object.keys(TARGET_RULES).sort()).toEqual([...PROVIDER_NAMES].sort());
    const cases: Array<[ReturnType<typeof resource>, string | null]> = [
      [resource("demo", "local", {}), null],
      [resource("demo", "local", { name: 7 }), "demo: target has a name that is not text"],
      [resource("t", "github-team", { team: "admins" }), "t: target needs org (a GitHub organisation login, e.g. acme)"],
      [resource("a", "aws-iam", { mode: "group" }), "a: target needs group (an IAM group name)"],
      [resource("g", "gcp-iam", { project: "acme-prod", folder: "1", role: "roles/viewer" }), "g: target needs exactly one of project, folder or organization (and a role)"],
      [resource("e", "entra-group", { group_id: "02bd9fd6-8f93-4758-87c3-1fb73740a315", access_id: "guest" }), 'e: target has access_id "guest"; use member or owner'],
      [{ ...resource("x", "local", {}), provider: "okta" as never }, 'x: provider "okta" is not one of aws-iam, aws-sso, entra-group, gcp-iam, github-team, google-group, local, okta-group'],
    ];
    for (const [res, problem] of cases) expect([res.id, targetProblem(res)]).toEqual([res.id, problem]);
    expect(() => checkTarget(resource("a", "aws-iam", {}))).toThrow(ProviderError);
  });

  it("the local provider honours GITGRANT_LEDGER from the given env", () => {
    const providers = createProviders({ env: { GITGRANT_LEDGER: "/tmp/gitgrant-test-ledger.json" } });
    expect((providers.local as unknown as { ledgerPath: string }).ledgerPath).toBe("/tmp/gitgrant-test-ledger.json");
  });
});
