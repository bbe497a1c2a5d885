#!/usr/bin/env node
// `gitgrant --version` answers before the CLI (and the cloud SDKs the providers bring) is loaded.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { readFileSync } = await import("node:fs");
  console.log(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
} else {
  const { exitQuietlyOnClosedPipe } = await import("../dist/cli/io.js");
  const { main } = await import("../dist/cli/index.js");
  exitQuietlyOnClosedPipe(process.stdout);
  process.exitCode = await main(args);
}
