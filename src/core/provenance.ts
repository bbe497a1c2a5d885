// Who wrote a commit's trailers. Anyone can type "Approved-by: bob" into a commit message, so
// the audit counts trailers only on commits gitgrant made: the app's merge (authored by its
// bot, committed and signed by GitHub) or the sweep's own commit (its identity, signed), each
// signature checked against the repository's trust list (access/trust/*.asc).
import type { EvidenceSettings } from "./types.js";
import { own } from "./own.js";

/** What git says about one commit's identity and signature (`git log --format=%ae %G? %GF ...`). */
export interface CommitSignature {
  authorName: string;
  authorEmail: string;
  committerName: string;
  committerEmail: string;
  /** git's %G?: G good, B bad, U good but untrusted, X/Y expired signature/key, R revoked key, E cannot check, N none. */
  status: string;
  /** %GF and %GP: the signing key's and its primary key's fingerprints ("" when none). */
  fingerprint: string;
  primaryFingerprint: string;
}

export interface TrustInput {
  evidence: EvidenceSettings | undefined;
  /** Fingerprints (upper-case hex) of every key and subkey in the trust list; empty when none is configured. */
  fingerprints: ReadonlySet<string>;
}

export type Provenance =
  | { kind: "gitgrant"; by: "app" | "sweep" }
  /** Nothing to check against (no settings.evidence, no keys): neither proven nor disproven. */
  | { kind: "unverified"; why: string }
  | { kind: "not-gitgrant"; why: string };

/** GitHub's committer on merges, squashes and web edits; those commits are signed with its web-flow key. */
export const GITHUB_COMMITTER_EMAIL = "noreply@github.com";

const STATUS_WORDS: Record<string, string> = {
  B: "a bad signature",
  U: "a signature gpg does not trust",
  X: "an expired signature",
  Y: "a signature by an expired key",
  R: "a signature by a revoked key",
  E: "a signature by a key not in the trust list",
  N: "no signature",
};

function isAppBot(email: string, bot: string): boolean {
  // GitHub writes a bot's email as <app user id>+<slug>[bot]@users.noreply.github.com.
  const e = email.toLowerCase();
  const b = bot.toLowerCase();
  return e === `${b}@users.noreply.github.com` || (e.endsWith(`+${b}@users.noreply.github.com`) && /^\d+\+/.test(e));
}

export function judgeProvenance(sig: CommitSignature | undefined, trust: TrustInput): Provenance {
  const appBot = trust.evidence?.app_bot;
  const sweep = trust.evidence?.sweep_identity;
  if (!appBot && !sweep) {
    return { kind: "unverified", why: "settings.evidence names no gitgrant identity to check it against" };
  }
  if (!sig) return { kind: "unverified", why: "git gave no author, committer or signature for this commit" };
  const app = !!appBot && isAppBot(sig.authorEmail, appBot) && sig.committerEmail.toLowerCase() === GITHUB_COMMITTER_EMAIL;
  const bySweep = !!sweep && sig.committerEmail.toLowerCase() === sweep.toLowerCase();
  if (!app && !bySweep) {
    const expected = [appBot ? `authored by ${appBot} and committed by GitHub` : null, sweep ? `committed by ${sweep}` : null].filter(Boolean).join(", or ");
    return {
      kind: "not-gitgrant",
      why: `authored by ${sig.authorName} <${sig.authorEmail}> and committed by ${sig.committerName} <${sig.committerEmail}>, not ${expected}`,
    };
  }
  if (trust.fingerprints.size === 0) {
    return { kind: "unverified", why: "no keys in access/trust/*.asc to check its signature" };
  }
  const trusted = trust.fingerprints.has(sig.fingerprint.toUpperCase()) || trust.fingerprints.has(sig.primaryFingerprint.toUpperCase());
  if (sig.status === "G" && trusted) return { kind: "gitgrant", by: app ? "app" : "sweep" };
  const words = sig.status === "G" ? "a good signature by a key not in the trust list" : (own(STATUS_WORDS, sig.status) ?? `signature status ${sig.status}`);
  return { kind: "not-gitgrant", why: `${app ? "the app's merge" : "the sweep's commit"} carries ${words}${sig.fingerprint ? ` (key ${sig.fingerprint})` : ""}` };
}
