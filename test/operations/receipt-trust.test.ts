// The trust the receipt stores are given comes from the applied tree: settings.evidence and
// access/trust/*.asc, plus GitHub's shipped web-flow key when the app bot is named.
import { afterEach, describe, expect, it } from "vitest";
import { LocalGitRepo } from "../../src/git/local.js";
import { receiptTrustAt } from "../../src/operations/receipt-trust.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";
import { org } from "../helpers/orgs.js";

afterEach(cleanupRepos);

describe("receiptTrustAt", () => {
  it("reads settings.evidence and the trust list at the ref, and adds GitHub's key for the app bot", async () => {
    const repo = await makeRepo();
    const files = org("apply").files();
    const policy = files["access/policy.yaml"]!.replace("settings:\n", 'settings:\n  evidence: { app_bot: "gitgrant-acme[bot]", sweep_identity: sweep@acme.example }\n');
    await repo.writeAll({ ...files, "access/policy.yaml": policy, "access/trust/sweep.asc": "-----BEGIN PGP PUBLIC KEY BLOCK-----\nx\n" });
    const sha = await repo.commit("config");
    const trust = await receiptTrustAt(new LocalGitRepo(repo.dir), sha)();
    expect(trust.evidence).toEqual({ app_bot: "gitgrant-acme[bot]", sweep_identity: "sweep@acme.example" });
    expect(trust.keys.map((k) => k.path)).toEqual(["access/trust/sweep.asc", "GitHub's web-flow key (shipped with gitgrant)"]);
    expect(trust.keys[1]!.text).toContain("BEGIN PGP PUBLIC KEY BLOCK");
  });

  it("no gitgrant identity: no keys are read, and the stores will ignore every receipt", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ ...org("apply").files(), "access/trust/sweep.asc": "x" });
    const sha = await repo.commit("config");
    expect(await receiptTrustAt(new LocalGitRepo(repo.dir), sha)()).toEqual({ evidence: undefined, keys: [] });
  });

  it("the app's own bot is trusted by default when the policy names no app_bot, with GitHub's key", async () => {
    const repo = await makeRepo();
    await repo.writeAll(org("apply").files());
    const sha = await repo.commit("config");
    const trust = await receiptTrustAt(new LocalGitRepo(repo.dir), sha, { appBot: async () => "gitgrant-acme[bot]" })();
    expect(trust.evidence).toEqual({ app_bot: "gitgrant-acme[bot]" });
    expect(trust.keys.map((k) => k.path)).toEqual(["GitHub's web-flow key (shipped with gitgrant)"]);
  });

  it("a policy's app_bot wins over the default, and a failed look-up of the app's login trusts nothing more", async () => {
    const repo = await makeRepo();
    const files = org("apply").files();
    await repo.writeAll({ ...files, "access/policy.yaml": files["access/policy.yaml"]!.replace("settings:\n", 'settings:\n  evidence: { app_bot: "acme-access[bot]" }\n') });
    const named = await repo.commit("named");
    let asked = 0;
    const bot = async () => (asked++, "gitgrant-acme[bot]");
    expect((await receiptTrustAt(new LocalGitRepo(repo.dir), named, { appBot: bot })()).evidence).toEqual({ app_bot: "acme-access[bot]" });
    expect(asked).toBe(0);
    await repo.writeAll(files);
    const plain = await repo.commit("plain");
    const failing = async (): Promise<string> => {
      throw new Error("GitHub did not say this app's slug");
    };
    expect(await receiptTrustAt(new LocalGitRepo(repo.dir), plain, { appBot: failing })()).toEqual({ evidence: undefined, keys: [] });
  });

  it("a broken policy trusts nobody, not even the app's own bot", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ ...org("apply").files(), "access/policy.yaml": "tiers: [\n" });
    const sha = await repo.commit("broken");
    expect(await receiptTrustAt(new LocalGitRepo(repo.dir), sha, { appBot: async () => "gitgrant-acme[bot]" })()).toEqual({ evidence: undefined, keys: [] });
  });
});
