// A small access repository on a real temporary git repo, for lifecycle tests: two local
// resources (so the ledger is the target), one github-team resource, three people.
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRepo, type TestRepo } from "../helpers/gitrepo.js";

export const CATALOG = `resources:
  staging-deploy:
    sensitivity: low
    max_duration: 8h
    provider: local
    target: { name: staging }
  support-console:
    sensitivity: low
    max_duration: 30d
    provider: local
    target: { name: support }
  ops-team:
    sensitivity: low
    max_duration: 8h
    provider: github-team
    target: { org: acme, team: ops }
`;

export const POLICY = `settings:
  pending_ttl: 7d
tiers:
  - name: self-service
    match: { sensitivity: [low], max_duration: 4h }
    approvals: 0
  - name: conditional
    match: { sensitivity: [low, medium] }
    approvals: 1
`;

export const IDENTITIES = `users:
  alice: { github: alice }
  bob: { github: bob }
  carol: { github: carol, local: carol-local }
`;

export const CODEOWNERS = "* @acme/platform\n/access/requests/ @acme/security\n";

export function request(duration: string, extra = ""): string {
  return `reason: Deploy the hotfix for INC-1201 and verify it\nduration: ${duration}\n${extra}`;
}

const homes: string[] = [];

export async function cleanupHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((h) => rm(h, { recursive: true, force: true })));
}

/** Environment for the git calls the code under test makes (no global identity, fixed HOME). */
export async function gitEnv(date = "2026-03-01T00:00:00Z"): Promise<NodeJS.ProcessEnv> {
  const home = await realpath(await mkdtemp(join(tmpdir(), "gitgrant-home-")));
  homes.push(home);
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "gitgrant-test",
    GIT_AUTHOR_EMAIL: "gitgrant-test@example.com",
    GIT_COMMITTER_NAME: "gitgrant-test",
    GIT_COMMITTER_EMAIL: "gitgrant-test@example.com",
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

/** A repo whose main has the config (committed at 2026-03-01T09:00:00Z) and no requests. */
export async function accessRepo(): Promise<TestRepo> {
  const repo = await makeRepo();
  await repo.writeAll({
    "access/catalog.yaml": CATALOG,
    "access/policy.yaml": POLICY,
    "access/identities.yaml": IDENTITIES,
    ".github/CODEOWNERS": CODEOWNERS,
  });
  await repo.commit("config", { date: "2026-03-01T09:00:00Z" });
  return repo;
}

export const at = (iso: string) => new Date(iso);
