// Entry of the bundled action (action/dist/index.js, built by `npm run build:action`).
import { exitQuietlyOnClosedPipe, processIo } from "../cli/io.js";
import { runAction } from "./run.js";

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = await runAction(process.env, { ...processIo, cwd: process.cwd(), env: process.env });
