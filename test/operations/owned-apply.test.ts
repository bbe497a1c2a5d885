// applyOwned's rules, on a membership target that records every call: standing access is
// never removed, a created grant is revoked for the principal and target it was granted to,
// receipts are written once per run, and a receipt that cannot be written is loud.
import { describe, expect, it } from "vitest";
import { grantWords, revokeWords } from "../../src/core/grant-words.js";
import type { Receipt } from "../../src/core/receipts.js";
import type { Grant, GrantRef, Resource } from "../../src/core/types.js";
import { ReceiptsNotTrustedError } from "../../src/git/notes.js";
import { applyOwned } from "../../src/operations/owned-apply.js";
import type { GrantAction, Plan, RevokeAction } from "../../src/operations/plan-types.js";
import type { ExistingGrant, Provider, ProviderOutcome } from "../../src/providers/types.js";
import { resource } from "../helpers/providers.js";
import { MemoryReceiptStore } from "../helpers/receipts.js";

const COMMIT = "c".repeat(40);
const NOW = new Date("2026-03-02T10:00:05Z");
const LANDED = new Date("2026-03-02T10:00:00Z");
const admins = resource("prod-db-admins", "aws-iam", { mode: "group", group: "prod-db-admins" });

/** Group membership with no marker: it cannot tell whose a membership is (found undefined), unless told to. */
class Groups implements Provider {
  readonly name = "aws-iam" as const;
  readonly members = new Set<string>();
  readonly calls: string[] = [];
  constructor(private readonly marks: "none" | "standing" = "none") {}
  nativeExpiry() { return false; }
  checkTarget() {}
  private key(r: Resource, principal: string) { return `${String(r.target.group)}|${principal}`; }
  async grant(g: Grant): Promise<ProviderOutcome> {
    this.calls.push(`grant ${this.key(g.resource, g.principal)}`);
    const k = this.key(g.resource, g.principal);
    if (this.members.has(k)) return { status: "unchanged", detail: `${g.principal} already in ${String(g.resource.target.group)}`, ...(this.marks === "standing" ? { found: "standing" as const } : {}) };
    this.members.add(k);
    return { status: "granted", detail: `${g.principal} added to ${String(g.resource.target.group)}` };
  }
  async revoke(r: GrantRef): Promise<ProviderOutcome> {
    this.calls.push(`revoke ${this.key(r.resource, r.principal)}`);
    return this.members.delete(this.key(r.resource, r.principal)) ? { status: "revoked", detail: "removed" } : { status: "unchanged", detail: "not a member" };
  }
  async list(): Promise<ExistingGrant[]> { return []; }
}

function grantAction(login: string, principal = login, res: Resource = admins, change: "added" | "modified" = "added"): GrantAction {
  const grant: Grant = { path: `access/requests/${res.id}/${login}.yaml`, login, resource: res, principal, startsAt: LANDED, expiresAt: new Date("2026-03-02T12:00:00Z"), reason: "Rotate the replica credentials" };
  return { kind: "grant", path: grant.path, change, grant, landedAt: LANDED, nativeExpiry: false, words: grantWords(grant, false) };
}
function revokeAction(login: string, principal = login, res: Resource = admins): RevokeAction {
  const ref = { path: `access/requests/${res.id}/${login}.yaml`, login, resource: res, principal };
  return { kind: "revoke", path: ref.path, change: "deleted", ref, words: revokeWords(ref) };
}
const plan = (...actions: Plan["actions"]): Plan => ({ before: "a".repeat(40), after: COMMIT, actions, skipped: [] });
const opts = (extra: object = {}) => ({ commit: COMMIT, now: NOW, attempts: 1, ...extra });

describe("applyOwned: a grant records whose the access is", () => {
  it("a membership it adds is recorded as created, with principal, target and expiry, in one write on the commit", async () => {
    const aws = new Groups();
    const store = new MemoryReceiptStore();
    const results = await applyOwned(plan(grantAction("alice"), grantAction("bob")), { "aws-iam": aws }, store, opts());
    expect(results.map((r) => r.status)).toEqual(["granted", "granted"]);
    expect(store.records).toHaveLength(1);
    expect(store.records[0]!.commit).toBe(COMMIT);
    expect(store.records[0]!.receipts[0]).toEqual<Receipt>({
      v: 1, event: "created", path: "access/requests/prod-db-admins/alice.yaml", login: "alice", resource: "prod-db-admins", provider: "aws-iam",
      principal: "alice", target: { mode: "group", group: "prod-db-admins" }, at: NOW.toISOString(), commit: COMMIT, expiresAt: "2026-03-02T12:00:00.000Z",
    });
  });

  it("access found already there with no marker and no receipt is standing, and it says so", async () => {
    const aws = new Groups();
    aws.members.add("prod-db-admins|bob");
    const store = new MemoryReceiptStore();
    const [r] = await applyOwned(plan(grantAction("bob")), { "aws-iam": aws }, store, opts());
    expect(r!.status).toBe("unchanged");
    expect(r!.detail).toMatch(/bob already had standing access to prod-db-admins; gitgrant will leave it$/);
    expect(store.receipts.map((x) => x.event)).toEqual(["standing"]);
  });

  it("the provider's own 'standing' marker decides even when a created receipt exists", async () => {
    const aws = new Groups("standing");
    aws.members.add("prod-db-admins|bob");
    const store = new MemoryReceiptStore();
    store.receipts.push({ v: 1, event: "created", path: "access/requests/prod-db-admins/bob.yaml", login: "bob", resource: "prod-db-admins", provider: "aws-iam", principal: "bob", target: admins.target, at: "2026-03-01T00:00:00.000Z", commit: "d".repeat(40) });
    await applyOwned(plan(grantAction("bob")), { "aws-iam": aws }, store, opts());
    expect(store.receipts.at(-1)!.event).toBe("standing");
  });

  it("a re-applied grant gitgrant created stays created (no second identical line)", async () => {
    const aws = new Groups();
    const store = new MemoryReceiptStore();
    await applyOwned(plan(grantAction("alice")), { "aws-iam": aws }, store, opts());
    await applyOwned(plan(grantAction("alice")), { "aws-iam": aws }, store, opts());
    expect(store.receipts.map((x) => x.event)).toEqual(["created"]);
    expect(store.records).toHaveLength(1);
  });

  it("an edited file whose first version predates receipts counts as gitgrant's, not as standing", async () => {
    const aws = new Groups();
    aws.members.add("prod-db-admins|carol");
    const store = new MemoryReceiptStore();
    const [r] = await applyOwned(plan(grantAction("carol", "carol", admins, "modified")), { "aws-iam": aws }, store, opts());
    expect(r!.detail).not.toMatch(/standing/);
    expect(store.receipts.map((x) => x.event)).toEqual(["created"]);
  });
});

describe("applyOwned: a revoke removes only what gitgrant created", () => {
  it("standing access is left: no provider call, status kept, a 'left' receipt", async () => {
    const aws = new Groups();
    aws.members.add("prod-db-admins|bob");
    const store = new MemoryReceiptStore();
    await applyOwned(plan(grantAction("bob")), { "aws-iam": aws }, store, opts());
    aws.calls.length = 0;
    const [r] = await applyOwned(plan(revokeAction("bob")), { "aws-iam": aws }, store, opts());
    expect(aws.calls).toEqual([]);
    expect(aws.members.has("prod-db-admins|bob")).toBe(true);
    expect(r!.status).toBe("kept");
    expect(r!.detail).toMatch(/^bob already had standing access to prod-db-admins before gitgrant; left in place/);
    expect(store.receipts.map((x) => x.event)).toEqual(["standing", "left"]);
  });

  it("a created grant is revoked for the recorded principal after identities.yaml changed it, and for the old target after the catalog did", async () => {
    const aws = new Groups();
    const store = new MemoryReceiptStore();
    await applyOwned(plan(grantAction("dave", "dave-old")), { "aws-iam": aws }, store, opts());
    const moved = resource("prod-db-admins", "aws-iam", { mode: "group", group: "prod-db-admins-v2" });
    aws.calls.length = 0;
    const [r] = await applyOwned(plan(revokeAction("dave", "dave-new", moved)), { "aws-iam": aws }, store, opts());
    expect(aws.calls).toEqual(["revoke prod-db-admins|dave-old"]);
    expect(aws.members.size).toBe(0);
    expect(r!.status).toBe("revoked");
    expect(r!.action.kind === "revoke" && r!.action.ref.principal).toBe("dave-new"); // the result keeps the plan's action
    expect(r!.detail).toMatch(/the principal dave-old and target granted on .* as its receipt records/);
    expect(store.receipts.at(-1)).toMatchObject({ event: "revoked", principal: "dave-old", target: { group: "prod-db-admins" } });
  });

  it("with no receipt it revokes what the tree names, and says so", async () => {
    const aws = new Groups();
    aws.members.add("prod-db-admins|erin");
    const [r] = await applyOwned(plan(revokeAction("erin")), { "aws-iam": aws }, new MemoryReceiptStore(), opts());
    expect(aws.calls).toEqual(["revoke prod-db-admins|erin"]);
    expect(r!.detail).toMatch(/no ownership receipt says who made this access, so it was done as identities.yaml and the catalog name it now/);
  });

  it("a store that cannot be read is a problem, and the revoke goes ahead as without receipts", async () => {
    const aws = new Groups();
    const store = new MemoryReceiptStore();
    store.read = async () => { throw new Error("notes ref unreadable"); };
    const problems: string[] = [];
    await applyOwned(plan(revokeAction("erin")), { "aws-iam": aws }, store, opts({ onProblem: (m: string) => problems.push(m) }));
    expect(aws.calls).toEqual(["revoke prod-db-admins|erin"]);
    expect(problems).toEqual(["could not read the ownership receipts (notes ref unreadable): every grant is treated as having none"]);
  });
});

describe("applyOwned: dry runs and failures", () => {
  it("a dry run reads the receipts, says the standing access would be left, calls nothing and records nothing", async () => {
    const aws = new Groups();
    const store = new MemoryReceiptStore();
    store.receipts.push({ v: 1, event: "standing", path: "access/requests/prod-db-admins/bob.yaml", login: "bob", resource: "prod-db-admins", provider: "aws-iam", principal: "bob", target: admins.target, at: "2026-03-01T00:00:00.000Z", commit: "d".repeat(40) });
    const [r, g] = await applyOwned(plan(revokeAction("bob"), grantAction("alice")), { "aws-iam": aws }, store, opts({ dryRun: true }));
    expect(r!.status).toBe("planned");
    expect(r!.detail).toMatch(/^would leave it in place: bob already had standing access to prod-db-admins before gitgrant/);
    expect(g!.status).toBe("planned");
    expect(store.reads).toBe(1);
    expect(store.records).toEqual([]);
    expect(aws.calls).toEqual([]);
  });

  it("a receipt that cannot be recorded fails the grant loudly (it would be misjudged at revoke) and is a problem", async () => {
    const aws = new Groups();
    const store = new MemoryReceiptStore();
    store.failWith = new Error("push rejected by a hook");
    const problems: string[] = [];
    const [r] = await applyOwned(plan(grantAction("alice")), { "aws-iam": aws }, store, opts({ onProblem: (m: string) => problems.push(m) }));
    expect(r!.status).toBe("failed");
    expect(r!.detail).toMatch(/but its ownership receipt \(created\) could not be recorded: push rejected by a hook$/);
    expect(problems).toEqual([`could not record 1 ownership receipt(s) on ccccccc: push rejected by a hook`]);
  });

  it("with no gitgrant identity to trust them, receipts are not written, and the grants stand", async () => {
    const store = new MemoryReceiptStore();
    store.failWith = new ReceiptsNotTrustedError();
    const problems: string[] = [];
    const [r] = await applyOwned(plan(grantAction("alice")), { "aws-iam": new Groups() }, store, opts({ onProblem: (m: string) => problems.push(m) }));
    expect(r!.status).toBe("granted");
    expect(problems).toEqual([]);
  });

  it("a failed provider call records nothing", async () => {
    const store = new MemoryReceiptStore();
    const broken: Provider = { ...new Groups(), name: "aws-iam", nativeExpiry: () => false, checkTarget: () => {}, list: async () => [], grant: async () => { throw new Error("boom"); }, revoke: async () => { throw new Error("boom"); } };
    const [r] = await applyOwned(plan(grantAction("alice")), { "aws-iam": broken }, store, opts());
    expect(r!.status).toBe("failed");
    expect(store.records).toEqual([]);
  });
});
