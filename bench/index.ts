// npm run bench: every benchmark prints its figures beside a baseline measured in the same run.
// Each bench file exports `run(): Promise<void>`; add yours to BENCHES.
import { run as appBench } from "./app.js";
import { run as auditBench } from "./audit.js";
import { run as burstBench } from "./burst.js";
import { run as convergeBench } from "./converge.js";
import { run as expiryBench } from "./expiry.js";
import { run as sweepBench } from "./sweep.js";
import { run as validateBench } from "./validate.js";

const BENCHES: Array<[string, () => Promise<void>]> = [["validate", validateBench], ["audit", auditBench], ["sweep", sweepBench], ["converge", convergeBench], ["app", appBench], ["burst", burstBench], ["expiry", expiryBench]];

const only = process.argv[2];
for (const [name, run] of BENCHES) {
  if (only && only !== name) continue;
  console.log(`\n== ${name} ==`);
  await run();
}
