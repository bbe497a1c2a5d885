// Bundles the gitgrant action into one file, action/dist/index.js, with esbuild: every
// dependency inlined (the cloud SDKs stay lazily initialised inside it), so a workflow step
// starts in seconds with no npm ci. The schemas and package.json are read at run time
// from two levels up, i.e. the action's own checkout, as from dist/ in the npm package.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = process.argv[2] ?? `${root}action/dist/index.js`;

await build({
  entryPoints: [`${root}src/action/main.ts`],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  // The action runs on node24 (action.yml); node20 syntax keeps the tests runnable on 20.
  target: "node20",
  // CommonJS dependencies call require(); an ESM bundle has to provide it.
  banner: { js: "import { createRequire as __gitgrantRequire } from 'node:module'; const require = __gitgrantRequire(import.meta.url);" },
  legalComments: "eof",
  logLevel: "warning",
});
console.log(`built ${outfile}`);
