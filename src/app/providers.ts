// The providers of the running app, built once per process rather than once per delivery:
// a provider instance is where a target's in-process state lives (the local ledger's lock,
// an SDK client's connection pool and credentials), so two deliveries that each built
// their own would each hold their own lock on the same ledger and the last writer would win.
// github-team is the exception that proves the rule: it acts with the installation's own
// token, so there is one per installation (each still shared by all its deliveries).
import { providersForApply } from "../operations/apply-providers.js";
import type { ProviderLookup } from "../operations/execute.js";
import type { GitHub } from "../github/octokit.js";
import type { Provider } from "../providers/types.js";
import type { Providers, ProvidersOptions } from "../providers/index.js";

export type BuildProviders = (options: ProvidersOptions) => Providers;

export class ProcessProviders {
  private shared: Providers | undefined;
  private readonly teams = new Map<string, Provider | undefined>();
  /** How many provider sets were built (the bench and tests check it stays small). */
  builds = 0;

  constructor(private readonly build: BuildProviders = providersForApply) {}

  /** The providers for a delivery of installation `holder`, whose client is `api`. */
  for(holder: string, api: GitHub): ProviderLookup {
    if (!this.teams.has(holder)) {
      this.builds++;
      this.teams.set(holder, this.build({ "github-team": { octokit: api } })["github-team"]);
    }
    const team = this.teams.get(holder);
    return (name) => {
      if (name === "github-team") return team;
      if (!this.shared) {
        this.builds++;
        this.shared = this.build({});
      }
      return this.shared[name];
    };
  }
}

/** One piece of work at a time per key, in arrival order: the applies of one repository in this process. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }
}
