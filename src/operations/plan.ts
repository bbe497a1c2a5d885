// Apply-on-merge, step one: what a push to the default branch means for access, from git
// alone. Added and edited request files become grants, deleted ones revokes. Pure
// planning: no provider is called, so `gitgrant plan` and `gitgrant apply` share it.
import { REQUESTS_DIR, type AccessConfig } from "../core/config.js";
import { classifyPath } from "../core/paths.js";
import type { FileChange, Resource } from "../core/types.js";
import { grantRefFor, grantWindow } from "../core/window.js";
import { loadConfigAt } from "../git/load.js";
import { isZeroSha } from "../git/local.js";
import type { AccessRepo } from "../git/types.js";
import { PROVIDER_RULES } from "../providers/index.js";
import type { Action, GrantAction, Plan, RevokeAction, Skipped } from "./plan-types.js";
import { grantWords, revokeWords, utc } from "../core/grant-words.js";

export interface PlanInput {
  repo: AccessRepo;
  /** The branch before the push; the all-zero SHA when the push created the branch. */
  before: string;
  after: string;
  /**
   * When the after-commit landed, used as every changed file's landing time (the app passes
   * the pushed head commit's timestamp). Without it, each file's landing comes from
   * `repo.landings(after)`: the first-parent commit that last touched it, as the sweep sees it.
   */
  landedAt?: Date;
  /** Grants whose window has not started, or is already over, at `now` are skipped. Default: the landing time. */
  now?: Date;
  /** Whether a resource's provider ends grants itself; only used for the words. Default: no. */
  nativeExpiry?: (resource: Resource) => boolean;
}

export async function planChange(input: PlanInput): Promise<Plan> {
  const { repo } = input;
  const after = await repo.resolve(input.after);
  // An all-zero before has nothing to resolve: the diff is against the empty tree.
  const before = isZeroSha(input.before) ? input.before : await repo.resolve(input.before);
  const changes = (await repo.changedFiles(before, after)).filter((c) => c.path.startsWith(`${REQUESTS_DIR}/`));

  const skipped: Skipped[] = [];
  const revokes: RevokeAction[] = [];
  const grants: GrantAction[] = [];
  const deleted = changes.filter((c) => c.change === "deleted");
  const present = changes.filter((c) => c.change !== "deleted");

  if (deleted.length) {
    // The file, and perhaps the person's identity, are gone at `after`: who held what is
    // read from the config as it was when the grant existed.
    const config = await loadConfigAt(repo, before, PROVIDER_RULES);
    for (const change of deleted) {
      const where = classifyPath(change.path);
      if (where.kind !== "request") {
        skipped.push({ path: change.path, reason: "not a request file, so it granted nothing; nothing to revoke", problem: false });
        continue;
      }
      const ref = grantRefFor(config, change.path);
      if (!ref.ok) {
        skipped.push({ path: change.path, reason: `cannot revoke: ${ref.reason}; remove this access by hand`, problem: true });
        continue;
      }
      revokes.push({ kind: "revoke", path: change.path, change: "deleted", ref: ref.ref, words: revokeWords(ref.ref) });
    }
  }

  if (present.length) {
    const config = await loadConfigAt(repo, after, PROVIDER_RULES);
    const landings = input.landedAt ? undefined : await repo.landings(after, REQUESTS_DIR);
    for (const change of present) {
      const landedAt = input.landedAt ?? landings?.get(change.path)?.time;
      const outcome = landedAt
        ? await planGrant(repo, config, after, change, landedAt, input)
        : { path: change.path, reason: `no landing found for it on ${after.slice(0, 7)}`, problem: true };
      if ("kind" in outcome && outcome.kind === "grant") grants.push(outcome);
      else if ("kind" in outcome) revokes.push(outcome);
      else skipped.push(outcome);
    }
  }

  // Revokes before grants: a file renamed only in the case of its login (Alice.yaml ->
  // alice.yaml) is the same grant, and revoking it after granting would leave no access.
  const byPath = (a: Action, b: Action) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return {
    before,
    after,
    actions: [...revokes.sort(byPath), ...grants.sort(byPath)],
    skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

async function planGrant(
  repo: AccessRepo,
  config: AccessConfig,
  after: string,
  change: FileChange,
  landedAt: Date,
  input: PlanInput,
): Promise<GrantAction | RevokeAction | Skipped> {
  const path = change.path;
  // Fail closed: with a broken catalog or policy, caps and tiers cannot be trusted.
  if (config.problems.length) {
    const first = config.problems[0]!;
    return { path, reason: `not granted: the configuration at ${after.slice(0, 7)} has problems (${first.path}: ${first.message})`, problem: true };
  }
  const text = await repo.readFile(after, path);
  if (text === null) return { path, reason: `not granted: the file cannot be read at ${after.slice(0, 7)}`, problem: true };
  const window = grantWindow(config, path, text, landedAt);
  if (!window.ok) return { path, reason: `not granted: ${window.reason}`, problem: true };
  const { grant } = window;
  const now = input.now ?? landedAt;
  if (grant.startsAt > now) {
    // An edit that moves starts_at later replaces the running window with a later one: the
    // access ends now, as the tree says, and the sweep (convergence) grants it at the start.
    // Revoking what is not there is a no-op, and applyOwned leaves standing access alone.
    if (change.change === "modified") {
      const words = `${revokeWords(grant)} until its new start at ${utc(grant.startsAt)} (starts_at moved later; the sweep grants it then)`;
      return { kind: "revoke", path, change: "postponed", ref: { path, login: grant.login, resource: grant.resource, principal: grant.principal }, words, pending: grant };
    }
    return { path, reason: `starts at ${utc(grant.startsAt)}; the sweep grants it then`, problem: false, pending: grant };
  }
  if (grant.expiresAt <= now) {
    return { path, reason: `its window ended at ${utc(grant.expiresAt)}; nothing to grant (the sweep removes the file)`, problem: false };
  }
  const nativeExpiry = input.nativeExpiry?.(grant.resource) ?? false;
  return {
    kind: "grant",
    path,
    change: change.change === "added" ? "added" : "modified",
    grant,
    landedAt,
    nativeExpiry,
    words: grantWords(grant, nativeExpiry),
    ...(window.capped ? { capped: window.capped } : {}),
  };
}
