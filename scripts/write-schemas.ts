// npm run schemas: rewrite schemas/{catalog,identities,policy}.schema.json from the provider
// registry, for editors (yaml-language-server) and other tools. gitgrant itself validates
// against the same schemas built in memory, so a stale file never changes a verdict; the
// registry test fails until this has been run.
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { join } from "node:path";
import { providerSchemas } from "../src/providers/index.js";

const dir = join(import.meta.dirname, "../schemas");
for (const [name, schema] of Object.entries(providerSchemas())) {
  const file = join(dir, `${name}.schema.json`);
  if (isDeepStrictEqual(JSON.parse(readFileSync(file, "utf8")), schema)) continue;
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${file}`);
}
