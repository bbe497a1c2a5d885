// The one place the lifecycle commands (sweep, revoke, reconcile) choose where changes go:
// GitHub when a token and a repository are given (GITHUB_TOKEN + GITHUB_REPOSITORY, or
// --github), else the local clone. Reads always come from the clone: the sweep needs its
// full history, and reading what is already on disk costs no API call. Ownership receipts
// live in the clone's refs/notes/gitgrant either way, shared through its origin.
import { localRepository } from "../git/changes.js";
import { LocalGitRepo } from "../git/local.js";
import { GitNotesReceiptStore } from "../git/notes.js";
import type { AccessRepo, ReceiptStore, Repository } from "../git/types.js";
import { githubRepository } from "../github/changes.js";
import { GitHubSetupError, githubTarget } from "../github/client.js";
import { receiptTrustAt } from "../operations/receipt-trust.js";
import { UsageError, type Io } from "./io.js";

export interface RepositoryFlags {
  github?: string;
  local?: boolean;
}

export interface ChosenRepository {
  repo: Repository;
  /** "owner/repo" when changes go to GitHub. */
  github?: string;
}

/** The GitHub target the flags and environment name, or undefined for local; a setup mistake is a usage error. */
export async function githubFrom(io: Io, flags: RepositoryFlags) {
  try {
    return await githubTarget(io.env, flags);
  } catch (err) {
    if (err instanceof GitHubSetupError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * The clone's receipt store, trusting what `ref`'s settings.evidence and access/trust say.
 * GITGRANT_SIGNING_KEY names the gpg key the workflow signs its notes commits with (its
 * committer must be settings.evidence.sweep_identity for them to count); GITGRANT_APP_BOT the
 * app's bot login ("<slug>[bot]"), whose notes commits count when the policy names no app_bot.
 */
export function receiptStoreFor(io: Io, dir: string, read: AccessRepo, ref = "HEAD"): ReceiptStore {
  const key = io.env.GITGRANT_SIGNING_KEY;
  // The app's bot, whose receipts this clone then believes without settings.evidence.app_bot.
  const bot = io.env.GITGRANT_APP_BOT?.trim();
  return new GitNotesReceiptStore({ dir, env: io.env, trust: receiptTrustAt(read, ref, bot ? { appBot: async () => bot } : {}), ...(key ? { signingKey: key } : {}) });
}

export async function repositoryFor(io: Io, flags: RepositoryFlags, dir: string, options: { commitDate?: Date } = {}): Promise<ChosenRepository> {
  const target = await githubFrom(io, flags);
  // The same list the app reads: the logins whose gitgrant/revoke/ PRs are gitgrant's own.
  const ownLogins = (io.env.GITGRANT_SWEEP_LOGINS ?? "").split(",").map((l) => l.trim()).filter(Boolean);
  if (!target) {
    const repo = localRepository(dir, options);
    return { repo: { ...repo, receipts: receiptStoreFor(io, dir, repo.read) } };
  }
  const read = new LocalGitRepo(dir);
  return { repo: { ...githubRepository(target, read, { ownLogins }), receipts: receiptStoreFor(io, dir, read) }, github: `${target.owner}/${target.repo}` };
}
