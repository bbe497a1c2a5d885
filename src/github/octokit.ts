// The one GitHub client type. The app makes it from Probot's context.octokit, the CLI from a
// token or GitHub App credentials (client.ts); every module that talks to GitHub takes a
// GitHub. Making one installs the error wrapping (errors.ts) on the octokit, so every failed
// call, REST, paginated or GraphQL, arrives as a GitHubApiError.
import type { Octokit } from "@octokit/rest";
import { fromGraphqlError, fromRequestError } from "./errors.js";

const MADE = Symbol("gitgrant.github");

/** What gitgrant uses of an octokit, made only by gitHub(): its errors are GitHubApiErrors. */
export type GitHub = Pick<Octokit, "rest" | "paginate" | "request"> & {
  graphql<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T>;
  readonly [MADE]: true;
};

/** Satisfied by `new Octokit()` from @octokit/rest and by Probot's `context.octokit`. */
export type OctokitLike = Pick<Octokit, "rest" | "paginate" | "request" | "graphql" | "hook">;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** A repository on GitHub and the client to reach it. */
export interface GitHubTarget extends RepoRef {
  octokit: GitHub;
}

const wrapped = new WeakSet<object>();

/** The one client over an octokit. Idempotent: a GitHub is returned as it is, an octokit is hooked once. */
export function gitHub(octokit: OctokitLike | GitHub): GitHub {
  if (MADE in octokit) return octokit;
  const o = octokit as OctokitLike;
  if (!wrapped.has(o)) {
    // Outermost: octokit's own retry and throttling run first, so this sees the final error.
    o.hook.error("request", (error, options) => {
      throw fromRequestError(error, options);
    });
    wrapped.add(o);
  }
  return {
    rest: o.rest,
    paginate: o.paginate,
    request: o.request,
    async graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      try {
        return await o.graphql<T>(query, variables);
      } catch (err) {
        throw fromGraphqlError(err);
      }
    },
    [MADE]: true,
  };
}
