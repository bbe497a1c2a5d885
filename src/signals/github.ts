// What the GitHub signal sources use of GitHub, in one place: the client type, its error
// sentences and one GraphQL query per delivery shared by every source (GraphqlBatch), so
// teams and incidents cost one round trip, as they did before the seam.
import { describeError, statusOf } from "../github/errors.js";
import { graphqlPartial } from "../github/graphql.js";
import type { GitHub, RepoRef } from "../github/octokit.js";

export { describeError, statusOf };

export interface GitHubSignalEnv {
  api: GitHub;
  where: RepoRef;
  /** The organisation owning the repository; null for a personal account (no teams, no members). */
  org: string | null;
  baseSha: string;
  listFiles(ref: string, folder: string): Promise<string[]>;
  batch: GraphqlBatch;
}

interface Part {
  decl: string[];
  fields: string[];
  vars: Record<string, unknown>;
  resolve: (r: { data: Record<string, unknown>; errors: string[] }) => void;
  reject: (e: unknown) => void;
}

/**
 * Fields of one GraphQL query, added by several sources before send(); each source gets
 * the whole answer and reads its own aliases. Variables must not collide (each source
 * prefixes its own). A part added after send() goes out on its own.
 */
export class GraphqlBatch {
  private parts: Part[] = [];
  private sent = false;
  /** GraphQL errors of a partial answer, once per query (not once per source). */
  readonly notes: string[] = [];

  constructor(private readonly api: GitHub) {}

  add(decl: string[], fields: string[], vars: Record<string, unknown>): Promise<{ data: Record<string, unknown>; errors: string[] }> {
    return new Promise((resolve, reject) => {
      this.parts.push({ decl, fields, vars, resolve, reject });
      if (this.sent) this.send();
    });
  }

  send(): void {
    this.sent = true;
    const parts = this.parts;
    this.parts = [];
    if (!parts.length) return;
    const vars: Record<string, unknown> = {};
    for (const p of parts) {
      for (const k of Object.keys(p.vars)) if (k in vars) throw new Error(`GraphQL variable $${k} is used by two signal sources`);
      Object.assign(vars, p.vars);
    }
    const query = `query gitgrantSignals(${parts.flatMap((p) => p.decl).join(", ")}) { ${parts.flatMap((p) => p.fields).join(" ")} }`;
    graphqlPartial<Record<string, unknown>>(this.api, query, vars).then(
      (r) => {
        for (const e of r.errors) this.notes.push(`GitHub: ${e}`);
        for (const p of parts) p.resolve(r);
      },
      (e) => {
        for (const p of parts) p.reject(e);
      },
    );
  }
}

/** The GitHub environment a source needs, or the sentence why it has none. */
export function needGitHub(env: { github?: GitHubSignalEnv }): GitHubSignalEnv {
  if (!env.github) throw new Error("GitHub is not connected here (give the signal with a flag or --signals)");
  return env.github;
}
