// npm pack / npm publish run prepack, then prepare (the build), then pack: start from an
// empty dist/ so no file left by a source since removed ends up in the package.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

rmSync(fileURLToPath(new URL("../dist", import.meta.url)), { recursive: true, force: true });
