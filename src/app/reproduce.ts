// The `gitgrant check` line that gives the same verdict on a clone: the app and the CLI
// share one core, and the check run says exactly which inputs the app fed it.
import { latestReviews } from "../core/approvals.js";
import { isoSeconds } from "../core/evaluate.js";
import { flagArgs } from "../signals/flags.js";
import type { Judgement } from "./judge.js";

export function reproduceCommand(j: Judgement): string | null {
  const input = j.input;
  if (!input) return null;
  const args = ["npx gitgrant check", `--base ${j.target.baseSha}`, `--head ${j.target.headSha}`, `--author ${input.author ?? j.pr.author}`, `--now ${isoSeconds(input.now)}`];
  if (j.revokePr) args.push("--revoke-pr");
  // The signals the app used, as the flags generated from the same context declaration.
  args.push(...flagArgs(input.signals));
  // Every approval given on this head (counted or not: the CLI then says why not, too).
  // Approvals on older heads have no flag: the CLI counts --approved-by as on the head.
  const onHead = latestReviews(input.approvals?.reviews ?? []).filter((r) => r.state === "APPROVED" && (!r.commitId || r.commitId === j.target.headSha));
  for (const login of [...new Set(onHead.map((r) => r.login.toLowerCase()))].sort()) {
    args.push(`--approved-by ${login}`);
    for (const t of input.approvals?.teamsOf[login] ?? []) args.push(`--team ${login}=${t}`);
  }
  const author = (input.author ?? j.pr.author).toLowerCase();
  for (const login of input.approvals?.excluded ?? []) if (login !== author) args.push(`--committer ${login}`);
  return args.join(" ");
}
