import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { OAuth2Client } from "google-auth-library";
import { createGcpIamProvider, grantCondition } from "../../src/providers/gcp-iam.js";
import { ProviderError } from "../../src/providers/types.js";
import { NOW, grant, recordingSleep, ref, resource } from "../helpers/providers.js";

const CRM = "https://cloudresourcemanager.googleapis.com";
const QUERY = { $alt: "json;enum-encoding=int" };
const GET = "/v3/projects/acme-prod:getIamPolicy";
const SET = "/v3/projects/acme-prod:setIamPolicy";
const ROLE = "roles/cloudsql.viewer";
const db = resource("prod-db-read", "gcp-iam", { project: "acme-prod", role: ROLE });

// etags are bytes on the wire: valid base64 (checked below).
const ETAG = "BwXhqDAbx5c=";
const ETAG2 = "BwXhqDCL0pE=";

const ours = (login: string, email: string, until = "2026-03-02T14:30:00Z", resourceId = "prod-db-read") => ({
  role: ROLE,
  members: [`user:${email}`],
  condition: {
    title: `gitgrant ${resourceId} ${login}`,
    description: `gitgrant request access/requests/${resourceId}/${login}.yaml expires ${until}`,
    expression: `request.time < timestamp("${until}")`,
  },
});
const standing = { role: ROLE, members: ["group:dba@acme.com", "user:carol@acme.com"] };
const businessHours = {
  role: ROLE,
  members: ["user:alice@acme.com"],
  condition: { title: "business hours", expression: "request.time.getHours('Europe/Berlin') >= 9" },
};
const owner = { role: "roles/owner", members: ["user:root@acme.com"] };

function setup() {
  const { sleep, delays } = recordingSleep();
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "ya29.test-token", expiry_date: Date.parse("2100-01-01T00:00:00Z") });
  const provider = createGcpIamProvider({ authClient, retry: { sleep }, now: () => NOW });
  return { provider, delays };
}

const crm = () => nock(CRM, { reqheaders: { authorization: "Bearer ya29.test-token" } });
const readPolicy = (scope: nock.Scope, path = GET) => scope.post(path, { options: { requestedPolicyVersion: 3 } }).query(QUERY);
const writePolicy = (scope: nock.Scope, policy: nock.DataMatcherMap, path = SET) => scope.post(path, { policy }).query(QUERY);

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("gcp-iam provider", () => {
  it("validates the target block", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(db)).not.toThrow();
    expect(() => provider.checkTarget(resource("x", "gcp-iam", { role: ROLE }))).toThrow(
      "x: target needs exactly one of project, folder or organization (and a role)",
    );
    expect(() => provider.checkTarget(resource("x", "gcp-iam", { folder: "acme", role: ROLE }))).toThrow(
      'x: target has folder "acme", which is not a numeric folder id',
    );
    expect(() => provider.checkTarget(resource("x", "gcp-iam", { project: "acme-prod" }))).toThrow("x: target needs role");
    expect(provider.nativeExpiry(db)).toBe(true);
    for (const etag of [ETAG, ETAG2]) expect(Buffer.from(etag, "base64").toString("base64")).toBe(etag);
  });

  it("grants: reads policy v3, adds the conditional binding, writes it back with the etag", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [owner, standing, businessHours] });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [owner, standing, businessHours, ours("alice", "alice@acme.com")] }).reply(200, {
      version: 3,
      etag: ETAG2,
      bindings: [owner, standing, businessHours, ours("alice", "alice@acme.com")],
    });
    const { provider } = setup();
    expect(await provider.grant(grant(db, "alice", "user:alice@acme.com"))).toEqual({
      status: "granted",
      principal: "user:alice@acme.com",
      detail: `granted user:alice@acme.com ${ROLE} on projects/acme-prod until 2026-03-02T14:30:00Z, enforced by Google`,
    });
    scope.done();
  });

  it("granting again is unchanged, with no setIamPolicy call", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [owner, ours("alice", "alice@acme.com")] });
    const { provider } = setup();
    expect(await provider.grant(grant(db, "alice", "user:alice@acme.com"))).toEqual({
      status: "unchanged",
      found: "own",
      principal: "user:alice@acme.com",
      detail: `user:alice@acme.com already holds ${ROLE} on projects/acme-prod until 2026-03-02T14:30:00Z (gitgrant's binding)`,
    });
    scope.done();
  });

  it("a grant to someone who holds the role without a condition is standing: nothing is written", async () => {
    const scope = crm();
    // carol is in the unconditional binding (with a group): her own standing access.
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [owner, standing] });
    const { provider } = setup();
    expect(await provider.grant(grant(db, "carol", "user:Carol@acme.com"))).toEqual({
      status: "unchanged",
      found: "standing",
      principal: "user:Carol@acme.com",
      detail: `user:Carol@acme.com already had standing access to ${ROLE} on projects/acme-prod (a binding without gitgrant's condition); gitgrant will leave it`,
    });
    // Only the read was made: nock refuses any setIamPolicy (net connect is off, no interceptor).
    scope.done();
  });

  it("standing access beside gitgrant's own older binding: only gitgrant's binding is updated", async () => {
    const scope = crm();
    const unconditional = { role: ROLE, members: ["user:alice@acme.com"] };
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [unconditional, ours("alice", "alice@acme.com", "2026-03-02T12:00:00Z")] });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [unconditional, ours("alice", "alice@acme.com")] }).reply(200, { version: 3, etag: ETAG2 });
    const { provider } = setup();
    expect(await provider.grant(grant(db, "alice", "user:alice@acme.com"))).toMatchObject({ status: "granted", principal: "user:alice@acme.com" });
    scope.done();
  });

  it("revoke of someone with standing access and no gitgrant binding writes nothing", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [standing, businessHours] });
    const { provider } = setup();
    expect(await provider.revoke(ref(db, "carol", "user:carol@acme.com"))).toMatchObject({ status: "unchanged", principal: "user:carol@acme.com" });
    scope.done();
  });

  it("revoke removes the principal that was granted (the receipt's), not the one identities.yaml names now", async () => {
    const scope = crm();
    // Granted to alice@old.acme.com; identities.yaml now says alice@acme.com, who holds the role standing.
    const granted = ours("alice", "old-alice@acme.com");
    const unconditional = { role: ROLE, members: ["user:alice@acme.com"] };
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [unconditional, granted] });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [unconditional] }).reply(200, { version: 3, etag: ETAG2 });
    const { provider } = setup();
    expect(await provider.revoke(ref(db, "alice", "user:old-alice@acme.com"))).toEqual({
      status: "revoked",
      principal: "user:old-alice@acme.com",
      detail: `removed user:old-alice@acme.com's gitgrant binding of ${ROLE} on projects/acme-prod`,
    });
    scope.done();
  });

  it("revoke goes to the target that was granted (the receipt's), not the catalog's current one", async () => {
    const scope = crm();
    // The catalog has since moved prod-db-read to acme-prod; the receipt recorded acme-old.
    readPolicy(scope, "/v3/projects/acme-old:getIamPolicy").reply(200, { version: 3, etag: ETAG, bindings: [owner, ours("alice", "alice@acme.com")] });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [owner] }, "/v3/projects/acme-old:setIamPolicy").reply(200, { version: 3, etag: ETAG2 });
    const { provider } = setup();
    const recorded = { ...db, target: { project: "acme-old", role: ROLE } };
    expect((await provider.revoke(ref(recorded, "alice", "user:alice@acme.com"))).detail).toBe(
      `removed user:alice@acme.com's gitgrant binding of ${ROLE} on projects/acme-old`,
    );
    scope.done();
  });

  it("an extension replaces the request's binding (same title, new expiry) and keeps the rest", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [ours("alice", "alice@acme.com"), businessHours, ours("bob", "bob@acme.com")] });
    writePolicy(scope, {
      version: 3,
      etag: ETAG,
      bindings: [businessHours, ours("bob", "bob@acme.com"), ours("alice", "alice@acme.com", "2026-03-02T18:00:00Z")],
    }).reply(200, { version: 3, etag: ETAG2, bindings: [] });
    const { provider } = setup();
    const outcome = await provider.grant(grant(db, "alice", "user:alice@acme.com", { expiresAt: new Date("2026-03-02T18:00:00.250Z") }));
    expect(outcome.detail).toMatch(/^changed user:alice@acme.com .* until 2026-03-02T18:00:00Z/);
    scope.done();
  });

  it("a start in the future goes into the condition too", async () => {
    const start = new Date("2026-03-03T09:00:00Z");
    const scope = crm();
    readPolicy(scope).reply(200, { version: 1, etag: ETAG });
    const binding = ours("alice", "alice@acme.com");
    binding.condition.expression = 'request.time >= timestamp("2026-03-03T09:00:00Z") && request.time < timestamp("2026-03-02T14:30:00Z")';
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [binding] }).reply(200, { version: 3, etag: ETAG2 });
    const { provider } = setup();
    expect((await provider.grant(grant(db, "alice", "user:alice@acme.com", { startsAt: start }))).status).toBe("granted");
    scope.done();
  });

  it("revokes exactly the request's binding, leaving the same role's other bindings alone", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, {
      version: 3,
      etag: ETAG,
      bindings: [owner, standing, businessHours, ours("alice", "alice@acme.com"), ours("bob", "bob@acme.com")],
    });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [owner, standing, businessHours, ours("bob", "bob@acme.com")] }).reply(200, {
      version: 3,
      etag: ETAG2,
    });
    const { provider } = setup();
    expect(await provider.revoke(ref(db, "alice", "user:alice@acme.com"))).toEqual({
      status: "revoked",
      principal: "user:alice@acme.com",
      detail: `removed user:alice@acme.com's gitgrant binding of ${ROLE} on projects/acme-prod`,
    });
    scope.done();
  });

  it("revoking what is gone is unchanged, with no setIamPolicy call", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [standing, businessHours] });
    const { provider } = setup();
    expect(await provider.revoke(ref(db, "alice", "user:alice@acme.com"))).toEqual({
      status: "unchanged",
      principal: "user:alice@acme.com",
      detail: `user:alice@acme.com holds no gitgrant binding of ${ROLE} on projects/acme-prod`,
    });
    scope.done();
  });

  it("lists the role's members: this resource's gitgrant bindings managed, others unmanaged", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, {
      version: 3,
      etag: ETAG,
      bindings: [owner, standing, businessHours, ours("alice", "alice@acme.com"), ours("dave", "dave@acme.com", "2026-03-05T00:00:00Z", "prod-db-read-extra")],
    });
    const { provider } = setup();
    expect(await provider.list(db)).toEqual([
      { resourceId: "prod-db-read", principal: "group:dba@acme.com", expiresAt: undefined, managedByGitgrant: false },
      { resourceId: "prod-db-read", principal: "user:carol@acme.com", expiresAt: undefined, managedByGitgrant: false },
      { resourceId: "prod-db-read", principal: "user:alice@acme.com", expiresAt: undefined, managedByGitgrant: false },
      { resourceId: "prod-db-read", principal: "user:alice@acme.com", expiresAt: new Date("2026-03-02T14:30:00Z"), managedByGitgrant: true },
    ]);
    scope.done();
  });

  it("uses the folder and organization endpoints", async () => {
    const folder = resource("f", "gcp-iam", { folder: "123456789", role: "roles/browser" });
    const org = resource("o", "gcp-iam", { organization: "987654321", role: "roles/browser" });
    const scope = crm();
    readPolicy(scope, "/v3/folders/123456789:getIamPolicy").reply(200, { version: 3, etag: ETAG });
    readPolicy(scope, "/v3/organizations/987654321:getIamPolicy").reply(200, { version: 3, etag: ETAG });
    const { provider } = setup();
    expect((await provider.revoke(ref(folder, "alice", "user:alice@acme.com"))).status).toBe("unchanged");
    expect((await provider.revoke(ref(org, "alice", "user:alice@acme.com"))).status).toBe("unchanged");
    scope.done();
  });
});

describe("gcp-iam provider, what Google refuses", () => {
  it("refuses the legacy basic roles with Google's reason and a role to use instead", () => {
    const { provider } = setup();
    expect(() => provider.checkTarget(resource("gcp-prod-viewer", "gcp-iam", { project: "acme-prod", role: "roles/viewer" }))).toThrow(
      "gcp-prod-viewer: target has role roles/viewer, a legacy basic role: Google refuses conditions on basic roles (Owner, Editor, Viewer), " +
        "so gitgrant cannot grant it for a limited time. Use roles/browser (see the resource hierarchy) or a predefined viewer role of the service, e.g. roles/compute.viewer or roles/cloudsql.viewer",
    );
    for (const role of ["roles/editor", "roles/owner"]) {
      expect(() => provider.checkTarget(resource("x", "gcp-iam", { project: "acme-prod", role }))).toThrow(`x: target has role ${role}, a legacy basic role`);
    }
    expect(() => provider.checkTarget(resource("x", "gcp-iam", { project: "acme-prod", role: "roles/browser" }))).not.toThrow();
  });

  it("a basic role is never sent to Google: grant fails before any call", async () => {
    const { provider } = setup();
    const failure = await provider.grant(grant(resource("v", "gcp-iam", { project: "acme-prod", role: "roles/viewer" }), "alice", "user:alice@acme.com")).catch((e) => e);
    expect(failure.kind).toBe("invalid");
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("refuses a resource id too long for Google's 100-character condition title", () => {
    const { provider } = setup();
    const fits = "a".repeat(51);
    expect(() => provider.checkTarget(resource(fits, "gcp-iam", { project: "acme-prod", role: ROLE }))).not.toThrow();
    const long = "a".repeat(52);
    expect(() => provider.checkTarget(resource(long, "gcp-iam", { project: "acme-prod", role: ROLE }))).toThrow(
      `${long}: target cannot be granted: the condition title "gitgrant ${long} <login>" can reach 101 characters, over Google's 100; use a resource id of at most 51 characters`,
    );
  });

  it("checks the written title and description against Google's limits", () => {
    const fits = grantCondition(grant(db, "a".repeat(39), "user:x@acme.com"), NOW);
    expect(fits.title.length).toBeLessThanOrEqual(100);
    expect(fits.description.length).toBeLessThanOrEqual(256);
    expect(() => grantCondition(grant(resource("r".repeat(50), "gcp-iam", db.target), "l".repeat(60), "user:x@acme.com"), NOW)).toThrow(
      /cannot be granted to user:x@acme\.com: the condition title has 120 characters, over Google's 100/,
    );
    const longPath = { ...grant(db, "alice", "user:x@acme.com"), path: `access/requests/prod-db-read/${"p".repeat(220)}.yaml` };
    expect(() => grantCondition(longPath, NOW)).toThrow(/the condition description has 300 characters, over Google's 256/);
  });
});

describe("gcp-iam provider, credentials", () => {
  it("no Application Default Credentials is one configuration error naming where they come from, never retried", async () => {
    let asked = 0;
    const { sleep, delays } = recordingSleep();
    const provider = createGcpIamProvider({
      retry: { sleep },
      defaultCredentials: async () => {
        asked++;
        throw new Error("Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.");
      },
    });
    const first = await provider.grant(grant(db, "alice", "user:alice@acme.com")).catch((e) => e);
    expect(first).toBeInstanceOf(ProviderError);
    expect(first.kind).toBe("config");
    expect(first.message).toMatch(/^gcp-iam: no Google credentials were found \(Could not load the default credentials\./);
    expect(first.message).toContain("google-github-actions/auth");
    expect(first.message).toContain("GOOGLE_APPLICATION_CREDENTIALS");
    const again = await provider.list(db).catch((e) => e);
    expect(again).toBe(first);
    expect(asked).toBe(1);
    expect(delays).toEqual([]);
  });

  it("a refused credential (401 UNAUTHENTICATED) is a configuration error, not retried", async () => {
    const scope = crm();
    readPolicy(scope).reply(401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(db, "alice", "user:alice@acme.com")).catch((e) => e);
    expect(failure.kind).toBe("config");
    expect(failure.message).toMatch(/^gcp-iam: Google refused or found no credentials \(.*Request had invalid authentication credentials\./);
    expect(delays).toEqual([]);
    scope.done();
  });
});

describe("gcp-iam provider, failures", () => {
  const aborted = { error: { code: 409, message: "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.", status: "ABORTED" } };

  it("an etag conflict re-reads the policy and retries the whole read-modify-write", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [standing] });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [standing, ours("alice", "alice@acme.com")] }).reply(409, aborted);
    // Meanwhile someone added bob: the retry keeps bob and uses the new etag.
    readPolicy(scope).reply(200, { version: 3, etag: ETAG2, bindings: [standing, ours("bob", "bob@acme.com")] });
    writePolicy(scope, { version: 3, etag: ETAG2, bindings: [standing, ours("bob", "bob@acme.com"), ours("alice", "alice@acme.com")] }).reply(200, {
      version: 3,
      etag: "BwXhqDDl1zM=",
    });
    const { provider, delays } = setup();
    expect((await provider.grant(grant(db, "alice", "user:alice@acme.com"))).status).toBe("granted");
    expect(delays).toHaveLength(1);
    scope.done();
  });

  it("retries 503 UNAVAILABLE, then succeeds", async () => {
    const scope = crm();
    readPolicy(scope).reply(503, { error: { code: 503, message: "The service is currently unavailable.", status: "UNAVAILABLE" } });
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [] });
    const { provider, delays } = setup();
    expect((await provider.revoke(ref(db, "alice", "user:alice@acme.com"))).status).toBe("unchanged");
    expect(delays).toHaveLength(1);
    scope.done();
  });

  it("reports 429 RESOURCE_EXHAUSTED that lasts past 4 tries as throttled", async () => {
    const scope = crm();
    readPolicy(scope)
      .times(4)
      .reply(429, { error: { code: 429, message: "Quota exceeded for quota metric 'Read requests' of service 'cloudresourcemanager.googleapis.com'.", status: "RESOURCE_EXHAUSTED" } });
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(db, "alice", "user:alice@acme.com")).catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure.kind).toBe("throttled");
    expect(failure.message).toBe(
      `grant user:alice@acme.com ${ROLE} on projects/acme-prod: rate limited (HTTP 429 RESOURCE_EXHAUSTED): ` +
        "Quota exceeded for quota metric 'Read requests' of service 'cloudresourcemanager.googleapis.com'. (gave up after 4 tries)",
    );
    expect(delays).toHaveLength(3);
    scope.done();
  });

  it("reports 403 PERMISSION_DENIED as denied at once, without the token", async () => {
    const scope = crm();
    readPolicy(scope).reply(200, { version: 3, etag: ETAG, bindings: [] });
    writePolicy(scope, { version: 3, etag: ETAG, bindings: [ours("alice", "alice@acme.com")] }).reply(403, {
      error: { code: 403, message: "The caller does not have permission", status: "PERMISSION_DENIED" },
    });
    const { provider, delays } = setup();
    const failure = await provider.grant(grant(db, "alice", "user:alice@acme.com")).catch((e) => e);
    expect(failure.kind).toBe("denied");
    expect(failure.message).toBe(`grant user:alice@acme.com ${ROLE} on projects/acme-prod: permission denied (HTTP 403 PERMISSION_DENIED): The caller does not have permission`);
    expect(failure.message).not.toContain("ya29");
    expect(delays).toEqual([]);
    scope.done();
  });
});
