// pull_request_review: a review submitted or dismissed changes who approved; judge again.
import type { Probot } from "probot";
import { envFrom, type AppDeps } from "../deps.js";
import { processOnce } from "../process.js";

export function registerReview(app: Probot, deps: AppDeps): void {
  app.on(["pull_request_review.submitted", "pull_request_review.dismissed"], async (context) => {
    const pr = context.payload.pull_request;
    await processOnce(envFrom(context, deps), { number: pr.number, baseSha: pr.base.sha, baseRef: pr.base.ref, headSha: pr.head.sha });
  });
}
