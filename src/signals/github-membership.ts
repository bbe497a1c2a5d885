// requester.org_member / outside_collaborator: one membership check per requester.
import type { RequesterSignals } from "../core/context.js";
import { describeError, needGitHub, statusOf } from "./github.js";
import type { SignalSource } from "./types.js";

export const githubMembership: SignalSource = {
  name: "GitHub organisation membership",
  fills: ["requester.org_member", "requester.outside_collaborator"],
  async fetch(ask, env) {
    const gh = needGitHub(env);
    const org = gh.org;
    const notes: string[] = [];
    const requesters: Record<string, RequesterSignals> = {};
    const member = async (login: string): Promise<boolean> => {
      if (org === null) return false; // a personal account has no members
      try {
        // 204: a member (public or private); 404: not a member.
        await gh.api.rest.orgs.checkMembershipForUser({ org, username: login });
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        notes.push(`could not tell whether ${login} is a member of ${org} (${describeError(err)}); treated as an outside collaborator`);
        return false;
      }
    };
    const answers = await Promise.all(ask.logins.map(member));
    ask.logins.forEach((l, i) => (requesters[l] = { org_member: answers[i]! }));
    return { signals: { requesters }, notes };
  },
};
