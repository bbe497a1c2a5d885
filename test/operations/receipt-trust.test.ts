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
});
