// The signal seam: each source of policy context is one file in this folder, exporting a
// SignalSource that says which context fields it fills (paths declared in
// src/core/context-declaration.ts) and fetches them. The gatherer (gather.ts) asks only the
// sources whose fields a deciding condition reads, and turns a failure into the cautious
// value and a sentence.
import type { AccessConfig } from "../core/config.js";
import type { Signals } from "../core/context.js";
import type { GitHubSignalEnv } from "./github.js";

export interface SignalAsk {
  config: AccessConfig;
  /** Lower-cased logins whose files a condition decides. */
  logins: string[];
  /** The fields the deciding conditions read (with what they depend on): "requester.teams". */
  paths: ReadonlySet<string>;
  /** Incident references those requests name (their ticket or incident field). */
  refs: string[];
  now: Date;
}

/** What a source may use. A source whose system is not given reports that it cannot tell. */
export interface SignalEnv {
  github?: GitHubSignalEnv;
  /** The process environment (tokens: PAGERDUTY_TOKEN, ...); never logged. */
  env: Record<string, string | undefined>;
  /** Waits between retries of a throttled call; tests pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

export interface SignalAnswer {
  /** Only the fields this source fills. */
  signals?: Signals;
  /** The base branch's request files (the active-grants source: the core counts them). */
  baseRequestFiles?: string[];
  /** What could not be learned, in words; the cautious value stands for it. */
  notes?: string[];
}

export interface SignalSource {
  /** Named in notes: "github-teams". */
  name: string;
  /** The context fields it fills, "group.field" as declared. */
  fills: readonly string[];
  /**
   * Whether it answers for this policy, where two sources can fill a field (PagerDuty's
   * incidents when settings.pagerduty.services is set, else labelled GitHub issues).
   */
  applies?: (config: AccessConfig) => boolean;
  fetch(ask: SignalAsk, env: SignalEnv): Promise<SignalAnswer>;
}
