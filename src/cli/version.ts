// The version users see (`gitgrant --version`, the action, the app's startup line, the
// workflows `init` pins), read once from package.json so a release changes it in one place.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// src/cli, dist/cli and the action bundle (action/dist) are all two levels below the package root.
export const VERSION: string = (require("../../package.json") as { version: string }).version;
