#!/usr/bin/env node
import { exitQuietlyOnClosedPipe } from "../dist/cli/io.js";
import { main } from "../dist/cli/index.js";

exitQuietlyOnClosedPipe(process.stdout);
process.exitCode = await main(process.argv.slice(2));
