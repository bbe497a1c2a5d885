// Facts about this package, read once: where it is (templates, schemas, the example), its
// version (`gitgrant --version`, the app's startup line, the workflows `init` pins) and
// where its action is published. src/operations, dist/operations and the action bundle
// (action/dist) are all two levels below the package root.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const pkg = createRequire(import.meta.url)("../../package.json") as { version: string; repository?: string | { url?: string } };

export const VERSION: string = pkg.version;

/** `owner/repo` of the gitgrant action, from package.json's repository. */
export const ACTION_REPOSITORY: string = (() => {
  const url = typeof pkg.repository === "string" ? pkg.repository : (pkg.repository?.url ?? "");
  return /github\.com[/:]([^/]+\/[^/.]+)/.exec(url)?.[1] ?? "gitgrant/gitgrant";
})();
