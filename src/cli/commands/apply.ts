// gitgrant apply: grant the request files added or edited between two refs and revoke the
// deleted ones, through the providers. For GitHub Actions instead of the app's push handler.
import type { Command } from "commander";
import type { Io } from "../io.js";
import { rangeOptions, runPlanOrApply, type PlanFlags } from "./plan.js";
import { options } from "../options.js";

export function registerApply(program: Command, io: Io, done: (code: number) => void): void {
  const cmd = program
    .command("apply")
    .description(
      "Grant added and edited request files and revoke deleted ones between two refs, through each resource's provider. " +
        "Credentials come from the environment (AWS default chain, GCP Application Default Credentials, AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, GITHUB_TOKEN); " +
        "the local provider needs none. Idempotent: run it again and nothing changes twice. Exit 1 if any action failed.",
    );
  options.ledger(rangeOptions(cmd, io)).action(async (flags: PlanFlags) => done((await runPlanOrApply(flags, io, false)).code));
}
