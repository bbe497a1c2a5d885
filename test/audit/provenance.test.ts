// gitgrant audit on a real repository with commits signed by test keys (made in a temporary
// GNUPGHOME), unsigned ones and forged ones: trailers count only on commits gitgrant made.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/index.js";
import type { Io } from "../../src/cli/io.js";
import { evidenceMessage } from "../../src/core/trailers.js";
import { cleanupRepos, makeRepo, type TestRepo } from "../helpers/gitrepo.js";
import { AUDIT_ORG } from "../helpers/history.js";

const { catalog: CATALOG, codeowners: CODEOWNERS, identities: IDENTITIES, policy: POLICY } = AUDIT_ORG;

const run = promisify(execFile);
const BOT = "gitgrant-acme[bot]";
const BOT_EMAIL = `4242+${BOT}@users.noreply.github.com`;
const SWEEP = "sweep@acme.example";
const NOW = "2026-03-02T15:00:00Z";

interface Key { fpr: string; armored: string }
let gnupg: string;
let repo: TestRepo;
let github: Key; // stands in for GitHub's web-flow key
let sweepKey: Key;
let attacker: Key;
const sha: Record<string, string> = {};

async function gpg(...args: string[]): Promise<string> {
  return (await run("gpg", ["--batch", "--no-tty", ...args], { env: { ...process.env, GNUPGHOME: gnupg } })).stdout;
}
async function makeKey(uid: string): Promise<Key> {
  await gpg("--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never");
  const listing = await gpg("--with-colons", "--list-keys", uid);
  const fpr = listing.split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9]!;
  return { fpr, armored: await gpg("--armor", "--export", fpr) };
}

/** A commit as the given author and committer, signed with `key` when given. */
async function commit(message: string, o: { author: [string, string]; committer: [string, string]; key?: Key; date: string }): Promise<string> {
  await repo.git("add", "--all");
  const env = {
    ...process.env,
    HOME: gnupg,
    GNUPGHOME: gnupg,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: o.author[0], GIT_AUTHOR_EMAIL: o.author[1], GIT_AUTHOR_DATE: o.date,
    GIT_COMMITTER_NAME: o.committer[0], GIT_COMMITTER_EMAIL: o.committer[1], GIT_COMMITTER_DATE: o.date,
  };
  const sign = o.key ? ["-c", "gpg.program=gpg", "-c", `user.signingkey=${o.key.fpr}`, "commit", "-S"] : ["commit", "--no-gpg-sign"];
  await run("git", [...sign, "-q", "--allow-empty", "-m", message], { cwd: repo.dir, env });
  return (await repo.git("rev-parse", "HEAD")).trim();
}
const app = { author: [BOT, BOT_EMAIL] as [string, string], committer: ["GitHub", "noreply@github.com"] as [string, string] };
const grant = (path: string, requester: string, tier: string, approvedBy: string[], pr: number) =>
  evidenceMessage(`Grant ${path} (#${pr})`, "", { grants: [{ path, requester, tier }], revokes: [], approvedBy, pullRequest: pr });

async function audit(...args: string[]): Promise<{ code: number; rows: Array<Record<string, unknown>>; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: repo.dir, env: {} };
  const code = await main(["audit", "--repo", repo.dir, "--now", NOW, "--format", "json", ...args], io);
  return { code, rows: out.join("\n").split("\n").filter(Boolean).map((l) => JSON.parse(l)), err: err.join("\n") };
}
const byPath = (rows: Array<Record<string, unknown>>, path: string) => rows.find((r) => r.path === path)!;

const P = {
  good: "access/requests/staging-deploy/alice.yaml",
  own: "access/requests/prod-db-read/bob.yaml",
  unsigned: "access/requests/prod-db-read/carol.yaml",
  forged: "access/requests/prod-db-read/dave.yaml",
  selfApproved: "access/requests/prod-db-read/alice.yaml",
};
const REQ = "reason: Deploy the release candidate to staging\nduration: 2h\n";

beforeAll(async () => {
  gnupg = await mkdtemp(join(tmpdir(), "gg-gpg-"));
  github = await makeKey("GitHub web-flow test <noreply@github.com>");
  sweepKey = await makeKey(`gitgrant sweep <${SWEEP}>`);
  attacker = await makeKey("Mallory <mallory@example.com>");
  repo = await makeRepo();
  const policy = POLICY.replace("settings:\n", `settings:\n  evidence: { app_bot: "${BOT}", sweep_identity: ${SWEEP} }\n`);
  await repo.writeAll({ "access/catalog.yaml": CATALOG, "access/policy.yaml": policy, "access/identities.yaml": IDENTITIES, ".github/CODEOWNERS": CODEOWNERS, "access/trust/github.asc": github.armored, "access/trust/sweep.asc": sweepKey.armored });
  await commit("config", { author: ["admin", "admin@acme.example"], committer: ["admin", "admin@acme.example"], date: "2026-03-02T09:00:00Z" });

  await repo.write(P.good, REQ);
  sha.good = await commit(grant(P.good, "alice", "self-service", [], 1), { ...app, key: github, date: "2026-03-02T10:00:00Z" });
  // The requester's own commit, pushed directly, claiming an approval.
  await repo.write(P.own, "reason: Investigate the slow replica queries\nduration: 2h\n");
  sha.own = await commit(grant(P.own, "bob", "conditional", ["carol"], 2), { author: ["bob", "bob@users.noreply.github.com"], committer: ["bob", "bob@users.noreply.github.com"], date: "2026-03-02T10:10:00Z" });
  // Dressed as the app's merge, but unsigned.
  await repo.write(P.unsigned, "reason: Investigate the slow replica queries\nduration: 2h\n");
  sha.unsigned = await commit(grant(P.unsigned, "carol", "conditional", ["bob"], 3), { ...app, date: "2026-03-02T10:20:00Z" });
  // Dressed as the app's merge and signed, by a key outside the trust list.
  await repo.write(P.forged, "reason: Investigate the slow replica queries\nduration: 2h\n");
  sha.forged = await commit(grant(P.forged, "dave", "conditional", ["bob"], 4), { ...app, key: attacker, date: "2026-03-02T10:30:00Z" });
  // A real app merge whose only recorded approver is the requester.
  await repo.write(P.selfApproved, "reason: Investigate the slow replica queries\nduration: 2h\n");
  sha.selfApproved = await commit(grant(P.selfApproved, "alice", "conditional", ["alice"], 5), { ...app, key: github, date: "2026-03-02T10:40:00Z" });
  // The sweep's own signed revoke of alice's staging grant.
  await repo.rm(P.good);
  sha.sweep = await commit(evidenceMessage("Revoke", "", { grants: [], revokes: [{ path: P.good, reason: "expired" }], approvedBy: [], pullRequest: 6 }), {
    author: ["gitgrant sweep", SWEEP], committer: ["gitgrant sweep", SWEEP], key: sweepKey, date: "2026-03-02T12:30:00Z",
  });
}, 60_000);

afterAll(async () => {
  await run("gpgconf", ["--kill", "gpg-agent"], { env: { ...process.env, GNUPGHOME: gnupg } }).catch(() => undefined);
  await rm(gnupg, { recursive: true, force: true });
  await cleanupRepos();
});

describe("audit: trailers are trusted only from gitgrant", () => {
  it("counts the app's merge and the sweep's revoke, both signed by keys in access/trust/", async () => {
    const { rows } = await audit();
    expect(byPath(rows, P.good)).toMatchObject({ evidence: "complete", provenance: "gitgrant", missing: [], notes: [], revoke_reason: "expired", revoke_pr: 6 });
  });

  it("a requester's own commit carrying Approved-by: is incomplete, and its approver is not recorded", async () => {
    const r = byPath((await audit()).rows, P.own);
    expect(r).toMatchObject({ evidence: "incomplete", provenance: "not-gitgrant", approvers: [], tier: null, pr: null });
    expect(r.missing).toEqual([
      `trailers not written by gitgrant (authored by bob <bob@users.noreply.github.com> and committed by bob <bob@users.noreply.github.com>, not authored by ${BOT} and committed by GitHub, or committed by ${SWEEP})`,
    ]);
  });

  it("an unsigned or foreign-signed commit dressed as the app's merge is incomplete", async () => {
    const { rows } = await audit();
    expect(byPath(rows, P.unsigned)).toMatchObject({ evidence: "incomplete", provenance: "not-gitgrant", missing: ["trailers not written by gitgrant (the app's merge carries no signature)"] });
    const forged = byPath(rows, P.forged);
    expect(forged).toMatchObject({ evidence: "incomplete", provenance: "not-gitgrant", approvers: [] });
    expect((forged.missing as string[])[0]).toMatch(/^trailers not written by gitgrant \(the app's merge carries a signature by a key not in the trust list/);
  });

  it("a signed app merge whose recorded approver is the requester is incomplete", async () => {
    const r = byPath((await audit()).rows, P.selfApproved);
    expect(r).toMatchObject({ evidence: "incomplete", provenance: "gitgrant" });
    expect(r.missing).toEqual([
      "the requester alice is recorded as an approver of their own request",
      '0 of 1 approval(s) recorded besides the requester (tier "conditional" needs 1)',
    ]);
  });

  it("--verify passes for the gitgrant-made grant alone and fails for the rest", async () => {
    expect((await audit("--verify", "--user", "alice", "--resource", "staging-deploy")).code).toBe(0);
    const all = await audit("--verify");
    expect(all.code).toBe(1);
    expect(all.err).toBe("gitgrant audit --verify: 4 grants lack complete evidence in git.");
  });

  it("without keys in the trust list every merge is unverified, and --trust-key brings the auditor's own", async () => {
    await repo.rm("access/trust/github.asc");
    await repo.rm("access/trust/sweep.asc");
    await commit("drop the trust list", { author: ["admin", "admin@acme.example"], committer: ["admin", "admin@acme.example"], date: "2026-03-02T13:00:00Z" });
    const bare = await audit("--verify", "--user", "alice", "--resource", "staging-deploy", "--no-github-key");
    expect(bare.code).toBe(1);
    expect(bare.rows[0]).toMatchObject({ evidence: "complete", provenance: "unverified", notes: ["unverified: no keys in access/trust/*.asc to check its signature", "revoke unverified: no keys in access/trust/*.asc to check its signature"] });
    // By default GitHub's real web-flow key is trusted: the test's stand-in key is then a key
    // outside the trust list, which proves nothing, rather than no list at all.
    const shipped = await audit("--verify", "--user", "alice", "--resource", "staging-deploy");
    expect(shipped.code).toBe(1);
    expect(shipped.rows[0]).toMatchObject({ evidence: "incomplete", provenance: "not-gitgrant" });
    expect(shipped.rows[0]!.missing).toContain("trailers not written by gitgrant (the app's merge carries a signature by a key not in the trust list)");
    const keys = join(gnupg, "keys");
    await writeFile(`${keys}-github.asc`, github.armored);
    await writeFile(`${keys}-sweep.asc`, sweepKey.armored);
    const brought = await audit("--verify", "--user", "alice", "--resource", "staging-deploy", "--no-github-key", "--trust-key", `${keys}-github.asc`, "--trust-key", `${keys}-sweep.asc`);
    expect(brought.code).toBe(0);
    expect(brought.rows[0]).toMatchObject({ provenance: "gitgrant" });
  });
});

describe("GitHub's web-flow key, shipped with gitgrant", () => {
  it("holds exactly GitHub's two published web-flow keys, each with a valid self-signature", async () => {
    const { GITHUB_WEB_FLOW_FINGERPRINTS, GITHUB_WEB_FLOW_KEY_FILE } = await import("../../src/operations/audit.js");
    const { trustHome } = await import("../../src/git/signatures.js");
    const { readFile } = await import("node:fs/promises");
    const home = await trustHome([{ path: "shipped", text: await readFile(GITHUB_WEB_FLOW_KEY_FILE, "utf8") }], { dir: tmpdir() });
    try {
      expect(home.problems).toEqual([]);
      expect([...home.fingerprints].sort()).toEqual([...GITHUB_WEB_FLOW_FINGERPRINTS].sort());
      const listing = (await run("gpg", ["--batch", "--no-tty", "--with-colons", "--list-keys"], { env: { ...process.env, GNUPGHOME: home.home } })).stdout;
      expect(listing).toContain("::GitHub <noreply@github.com>:");
    } finally {
      await home.close();
    }
  });
});
