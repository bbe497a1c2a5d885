// Who may write ownership receipts. refs/notes/gitgrant is writable by anyone with push
// access and no branch protection covers it, so a receipt is believed only when the notes
// commit that carries it was made by gitgrant: the same rule as evidence (provenance.ts),
// the app's bot as author and GitHub as signing committer, or the sweep/workflow identity
// with a signature by a key in access/trust. The forgery that matters is a fake "standing"
// receipt (gitgrant would leave access in place at revoke) or a fake "created" one naming
// another principal (the revoke would hit someone else); ignoring every untrusted receipt
// makes both fall back to the revoke the tree asks for.
import { judgeProvenance, type CommitSignature, type TrustInput } from "./provenance.js";
import type { Receipt } from "./receipts.js";

export type NotesTrust = { trusted: true; by: "app" | "sweep" } | { trusted: false; why: string };

/**
 * A notes commit as git saw it (`%G?` against the trust list), or as GitHub's API reports it
 * (`githubVerified`: the commit's `verification.verified`, checked by GitHub against the
 * signer's keys, which is what an app's own commits carry).
 */
export function judgeNotesCommit(sig: CommitSignature | undefined, trust: TrustInput, githubVerified?: boolean): NotesTrust {
  let verdict;
  if (githubVerified === undefined) verdict = judgeProvenance(sig, trust);
  else {
    // GitHub's verification stands in for the local key check; the identity rule is the same.
    const mark = "GITHUB-VERIFIED";
    verdict = judgeProvenance(sig && { ...sig, status: githubVerified ? "G" : "N", fingerprint: githubVerified ? mark : "", primaryFingerprint: "" }, { ...trust, fingerprints: new Set([mark]) });
  }
  if (verdict.kind === "gitgrant") return { trusted: true, by: verdict.by };
  return { trusted: false, why: verdict.why };
}

/**
 * Receipts in the order they happened (`at`, then the order given), each distinct line once:
 * notes are per commit and their tree order is by commit id, not by time.
 */
export function orderReceipts(receipts: readonly Receipt[]): Receipt[] {
  const seen = new Set<string>();
  const out: Array<{ r: Receipt; i: number }> = [];
  receipts.forEach((r, i) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ r, i });
  });
  return out.sort((a, b) => a.r.at.localeCompare(b.r.at) || a.i - b.i).map((x) => x.r);
}
