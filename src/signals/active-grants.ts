// requester.active_grants: the request files on the base branch; the core counts each
// person's (a file being edited is not counted against itself).
import { REQUESTS_DIR } from "../core/config.js";
import { needGitHub } from "./github.js";
import type { SignalSource } from "./types.js";

export const activeGrants: SignalSource = {
  name: "active grants",
  fills: ["requester.active_grants"],
  async fetch(_ask, env) {
    const gh = needGitHub(env);
    return { baseRequestFiles: await gh.listFiles(gh.baseSha, REQUESTS_DIR) };
  },
};
