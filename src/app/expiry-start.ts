// At start, the expiry timers are rebuilt from the tree of every repository the app is
// installed on: the process holds nothing from before it started (DESIGN: the app keeps no
// state), so what ends when is read again from git. One repository failing to read is
// logged and the others go on; the sweep is the safety net for the one that failed.
import type { Probot } from "probot";
import { appGitHub, type AppDeps } from "./deps.js";
import type { ExpiryTimers } from "./expiry-timers.js";
import { ProcessProviders } from "./providers.js";
import { REST_PAGE_SIZE } from "../github/limits.js";

interface InstalledRepo {
  name: string;
  owner: { login: string };
  default_branch?: string;
  archived?: boolean;
}

export async function rebuildAtStart(app: Probot, timers: ExpiryTimers, deps: AppDeps): Promise<{ repos: number; failed: number }> {
  const asApp = await app.auth();
  const installations = (await asApp.paginate(asApp.rest.apps.listInstallations, { per_page: REST_PAGE_SIZE })) as Array<{ id: number }>;
  const providers = deps.processProviders ?? new ProcessProviders();
  let repos = 0;
  let failed = 0;
  for (const installation of installations) {
    const holder = `installation ${installation.id}`;
    const octokit = await app.auth(installation.id);
    const api = appGitHub(octokit as never, deps.outbound, holder);
    const listed = (await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: REST_PAGE_SIZE })) as unknown as InstalledRepo[];
    for (const r of listed) {
      if (r.archived) continue;
      repos++;
      const ctx = { owner: r.owner.login, repo: r.name, installation: holder, api, providers: providers.for(holder, api), ...(r.default_branch ? { branch: r.default_branch } : {}) };
      await timers.rebuild(ctx).catch((err: Error) => {
        failed++;
        app.log.warn(`gitgrant: expiry timers of ${r.owner.login}/${r.name} not rebuilt (${err.message}); the sweep ends its grants`);
      });
    }
  }
  app.log.info(`gitgrant: expiry timers rebuilt from ${repos - failed} of ${repos} repositories`);
  return { repos, failed };
}
