// The version users see (`gitgrant --version`, the action, the app's startup line, the
// workflows `init` pins), read once from package.json so a release changes it in one place.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// src/cli, dist/cli and the action bundle (action/dist) are all two levels below the package root.
export const VERSION: string = (require("../../package.json") as { version: string }).version;

/** Where the gitgrant action is published: `owner/repo` from package.json's repository. */
export const ACTION_REPOSITORY: string = repositoryOf(require("../../package.json") as { repository?: string | { url?: string } });

function repositoryOf(pkg: { repository?: string | { url?: string } }): string {
  const url = typeof pkg.repository === "string" ? pkg.repository : (pkg.repository?.url ?? "");
  return /github\.com[/:]([^/]+\/[^/.]+)/.exec(url)?.[1] ?? "gitgrant/gitgrant";
}
