// The branch's grants at a given moment, read from git alone: one `git log` pass for every
// file's landing, one `git ls-tree` for blob ids, one `git cat-file --batch` for the texts,
// then core/expiry.ts judges each window. No API call, so the sweep's GitHub traffic
// scales with what it changes, not with what exists.
import { REQUESTS_DIR } from "../core/config.js";
import { judgeBranch, type ExpiryReport } from "../core/expiry.js";
import { loadConfigAt } from "../git/load.js";
import type { AccessRepo } from "../git/types.js";
import { PROVIDER_RULES } from "../providers/index.js";

export interface ExpiryOptions {
  /** The default branch (or any ref): the access that should exist. */
  ref: string;
  now: Date;
}

/** Every request file on `ref`, judged at `now`. The landings need a clone with full history. */
export async function expiryReport(repo: AccessRepo, options: ExpiryOptions): Promise<ExpiryReport> {
  const sha = await repo.resolve(options.ref);
  const [config, landings, blobs] = await Promise.all([loadConfigAt(repo, sha, PROVIDER_RULES), repo.landings(sha, REQUESTS_DIR), repo.listBlobs(sha, REQUESTS_DIR)]);
  // By blob id: git then skips resolving 10,000 paths through the tree.
  const texts = await repo.readBlobs(blobs.map((b) => b.sha));
  const files = blobs.map((b) => ({ path: b.path, blobSha: b.sha, text: texts.get(b.sha), landing: landings.get(b.path) }));
  return judgeBranch({ ref: options.ref, sha, now: options.now, config, files });
}
