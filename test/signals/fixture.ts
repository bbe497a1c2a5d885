// Judging one request of the example organisation through the signal seam, as the app does:
// judge, gather what the deciding condition reads, judge again with it.
import { loadConfig } from "../../src/core/config.js";
import { PROVIDER_RULES } from "../../src/providers/index.js";
import { evaluateChange, type EvaluateInput } from "../../src/core/evaluate.js";
import { gatherSignals } from "../../src/signals/gather.js";
import { planSignals, requestRefs } from "../../src/signals/plan.js";
import type { SignalEnv } from "../../src/signals/types.js";
import { BASE_FILES, NOW } from "../helpers/app.js";

export const FILE = "access/requests/gcp-prod-viewer/alice.yaml";

export function configWith(condition: string, settings = "", identities = "") {
  let policy = BASE_FILES["access/policy.yaml"]!.replace(/auto_approve_if: ".*"/, `auto_approve_if: ${JSON.stringify(condition)}`);
  if (settings) policy = policy.replace("settings:\n", `settings:\n${settings}`);
  let ids = BASE_FILES["access/identities.yaml"]!;
  if (identities) ids = ids.replace("  alice:\n", `  alice:\n${identities}`);
  const config = loadConfig({ catalog: BASE_FILES["access/catalog.yaml"]!, policy, identities: ids, codeowners: { ".github/CODEOWNERS": BASE_FILES[".github/CODEOWNERS"] } }, PROVIDER_RULES);
  if (config.problems.length) throw new Error(JSON.stringify(config.problems));
  return config;
}

export async function judgeThrough(config: ReturnType<typeof configWith>, text: string, env: SignalEnv, now = NOW) {
  const changes = [{ path: FILE, change: "added" as const, text }];
  const input: EvaluateInput = { config, changes, author: "alice", now };
  const plan = planSignals(config, evaluateChange(input), "alice", requestRefs(changes));
  const gathered = await gatherSignals(plan, { config, now }, env);
  input.signals = gathered.signals;
  return { plan, gathered, file: evaluateChange(input).files[0]! };
}
