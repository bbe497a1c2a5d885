// The sweep's pass over changes waiting for review (pull requests; a local clone has none):
// - request PRs (adding or editing request files, nothing else) open longer than
//   settings.pending_ttl are closed with a comment, so an old approval can never grant late.
//   Age counts from the PR's creation; drafts count too (a draft marked ready later would
//   carry the same stale approvals). PRs that only delete files are revokes: never closed.
// - gitgrant's own revoke PRs whose file landed again after they were opened (an
//   extension) or is already gone are closed, so they can never delete a newer grant.
// Only PRs older than the TTL cost a files lookup, so the calls scale with stale PRs.
import { CONFIG_FILES, REQUESTS_DIR } from "../core/config.js";
import { formatDuration, parseDuration } from "../core/duration.js";
import type { ExpiryReport } from "../core/expiry.js";
import { BULK_BRANCH_PREFIX, pathOfRevokeBranch } from "../core/revoke-texts.js";
import { isoSeconds as iso } from "../core/time.js";
import type { ChangeWriter, OpenChange } from "../git/types.js";

export interface PullOutcome {
  number: number;
  url: string;
  kind: "stale-request" | "obsolete-revoke";
  status: "closed" | "planned";
  detail: string;
}

export function staleRequestComment(change: Pick<OpenChange, "createdAt">, ttl: string, now: Date): string {
  const age = formatDuration(now.getTime() - change.createdAt.getTime());
  return [
    `gitgrant closed this request: it has been open for ${age}, longer than the policy's pending_ttl of ${ttl} (settings.pending_ttl in ${CONFIG_FILES.policy}).`,
    "",
    "Requests that wait too long are closed so that an old approval can never grant access much later than it was given.",
    "If you still need the access, open a new pull request with the same file; it will be judged afresh.",
  ].join("\n");
}

export interface OpenPrPassOptions {
  now: Date;
  /** settings.pending_ttl, e.g. "7d". */
  pendingTtl: string;
  dryRun?: boolean;
}

export async function sweepOpenPulls(changes: ChangeWriter, report: ExpiryReport, options: OpenPrPassOptions): Promise<PullOutcome[]> {
  const ttlMs = parseDuration(options.pendingTtl);
  const open = await changes.openChanges();
  const byPath = new Map(report.grants.map((g) => [g.path, g]));
  const onBranch = new Set([...report.grants.map((g) => g.path), ...report.unreadable.map((u) => u.path)]);
  const out: PullOutcome[] = [];
  const closeFor = async (pr: OpenChange, kind: PullOutcome["kind"], comment: string, detail: string) => {
    if (!options.dryRun) await changes.close(pr, comment);
    out.push({ number: pr.number, url: pr.url, kind, status: options.dryRun ? "planned" : "closed", detail });
  };
  for (const pr of open) {
    const created = pr.createdAt;
    const revokes = pr.fromThisRepo ? pathOfRevokeBranch(pr.branch) : null;
    if (revokes) {
      const state = byPath.get(revokes);
      let why: string | null = null;
      if (!onBranch.has(revokes)) why = `${revokes} is no longer on the default branch; nothing is left to revoke.`;
      else if (state && state.status !== "expired" && state.landedAt > created) {
        why = `${revokes} was changed after this PR was opened (landed ${iso(state.landedAt)}) and is ${state.status} until ${iso(state.grant.expiresAt)}; this revoke would remove the newer grant. The sweep opens a fresh one when it expires.`;
      }
      if (why) await closeFor(pr, "obsolete-revoke", `gitgrant closed this revoke: ${why}`, why);
      continue;
    }
    if (options.now.getTime() - created.getTime() < ttlMs) continue;
    if (pr.branch.startsWith(BULK_BRANCH_PREFIX)) continue; // a revoke: it grants nothing
    const files = await changes.changeFiles(pr);
    // A request PR touches request files only; anything else is a normal change, not ours to
    // close. A PR that only deletes files grants nothing late, so a pending revoke (someone
    // else's file, a bulk revoke awaiting approval) is never closed.
    if (files.length === 0 || !files.every((f) => f.path.startsWith(`${REQUESTS_DIR}/`))) continue;
    if (files.every((f) => f.status === "removed")) continue;
    await closeFor(pr, "stale-request", staleRequestComment(pr, options.pendingTtl, options.now), `open since ${iso(created)}, longer than pending_ttl ${options.pendingTtl}`);
  }
  return out;
}
