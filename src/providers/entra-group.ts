// Entra ID groups through Microsoft Graph. `member` mode: plain group membership (or
// ownership); Entra cannot expire it, the sweep does, and it carries no marker (the
// receipts say whose it is). `pim` mode: a PIM-for-Groups assignment with an end date,
// which Entra itself ends on time; gitgrant's own assignments are told apart by the
// marker in their creating request's justification (entra-pim.ts), and a person's own
// assignment (permanent, time-bound, activated or inherited) is never changed or removed. Either way, tokens already
// issued carry the group claim until they expire; `revoke_sessions: true` on the target also
// calls revokeSignInSessions whenever gitgrant itself removes the access.
import { AuthenticationHandler, Client, HTTPMessageHandler } from "@microsoft/microsoft-graph-client";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { configError, credentialProblem, configLatch, httpStatusOf, invalidTarget, serviceCodeOf, toProviderError } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { clientCredentialsToken, ENTRA_CREDENTIAL_HINT, entraCloud, type TokenSource } from "./entra-token.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";
import { judge, justification, madeForResource, type Schedule, type ScheduleRequest, type Verdict } from "./entra-pim.js";

export { clientCredentialsToken, type TokenSource };

export interface EntraGroupOptions {
  /** Bearer tokens for Graph; default: client credentials from AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET. */
  token?: TokenSource;
  env?: Record<string, string | undefined>;
  retry?: RetryOptions;
  /** Clock for the PIM schedule's start (never in the past). */
  now?: () => Date;
  /** Graph's root for a national cloud, e.g. https://graph.microsoft.us; default from AZURE_CLOUD / GITGRANT_GRAPH_ENDPOINT. */
  graphEndpoint?: string;
}

interface EntraTarget {
  groupId: string;
  mode: "member" | "pim";
  accessId: "member" | "owner";
  revokeSessions: boolean;
}

const GROUP_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PIM = "/identityGovernance/privilegedAccess/group";

export function checkEntraTarget(resource: Resource): EntraTarget {
  const t = resource.target ?? {};
  if (typeof t.group_id !== "string" || !GROUP_ID.test(t.group_id)) {
    throw invalidTarget(resource.id, "needs group_id (the group's object id, a GUID)");
  }
  const mode = t.mode ?? "member";
  if (mode !== "member" && mode !== "pim") throw invalidTarget(resource.id, `has mode "${String(mode)}"; use member or pim`);
  const accessId = t.access_id ?? "member";
  if (accessId !== "member" && accessId !== "owner") {
    throw invalidTarget(resource.id, `has access_id "${String(accessId)}"; use member or owner`);
  }
  const revokeSessions = t.revoke_sessions ?? false;
  if (typeof revokeSessions !== "boolean") throw invalidTarget(resource.id, `has revoke_sessions ${JSON.stringify(revokeSessions)}; use true or false`);
  return { groupId: t.group_id, mode, accessId, revokeSessions };
}

const isAbsent = (err: unknown) =>
  httpStatusOf(err) === 404 || serviceCodeOf(err) === "RoleAssignmentDoesNotExist" || serviceCodeOf(err) === "Request_ResourceNotFound";

/** A PIM assignment has an end date Entra enforces; a plain membership has none. */
const nativeExpiry = (resource: Resource) => resource.target?.mode === "pim";

export function createEntraGroupProvider(options: EntraGroupOptions = {}): Provider {
  const now = options.now ?? (() => new Date());
  const retry = (action: string) => ({ ...options.retry, action });
  const env = options.env ?? process.env;
  const latch = configLatch();
  let endpoint: string | undefined;
  // Read when first needed, so a wrong AZURE_CLOUD is a config error of the first call, not of building.
  const graphRoot = () => (endpoint ??= (options.graphEndpoint ?? entraCloud(env).graphEndpoint).replace(/\/+$/, ""));
  const asCredential = (error: ProviderError) =>
    error.message.startsWith("entra-group:") ? error : configError("entra-group", `Microsoft Graph refused the token (${credentialProblem(error)})`, ENTRA_CREDENTIAL_HINT);
  /** One operation under the retry loop and the credential latch. */
  const operation = <T>(action: string, fn: () => Promise<T>) => latch.run(() => withRetry(fn, retry(action)), asCredential);
  let client: Client | undefined;
  const ids = new Map<string, string>(); // lower-cased UPN -> object id
  const upns = new Map<string, string>(); // object id -> UPN

  let tokenSource: TokenSource | undefined;
  let bearer: string | undefined;
  // The token is fetched before each operation, outside the Graph client, because the
  // client would wrap a token failure into an untyped GraphError (status -1).
  async function authenticate(): Promise<void> {
    tokenSource ??= options.token ?? clientCredentialsToken(env, { graphEndpoint: graphRoot() });
    bearer = await tokenSource();
  }

  function graph(): Client {
    // No RetryHandler in the chain: withRetry is the single retry loop (and never sleeps in tests).
    const root = graphRoot();
    client ??= Client.initWithMiddleware({
      baseUrl: `${root}/`,
      // A custom endpoint (a proxy, a future cloud) still gets the bearer token.
      customHosts: new Set([new URL(root).host]),
      middleware: [new AuthenticationHandler({ getAccessToken: async () => bearer ?? "" }), new HTTPMessageHandler()],
    });
    return client;
  }

  /** The user's object id, or undefined when Entra has no such user. */
  async function userId(upn: string): Promise<string | undefined> {
    const cached = ids.get(upn.toLowerCase());
    if (cached) return cached;
    try {
      const user = (await graph().api(`/users/${encodeURIComponent(upn)}`).select("id").get()) as { id: string };
      ids.set(upn.toLowerCase(), user.id);
      upns.set(user.id, upn);
      return user.id;
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async function upnOf(id: string): Promise<string> {
    const cached = upns.get(id);
    if (cached) return cached;
    try {
      const user = (await graph().api(`/users/${id}`).select(["id", "userPrincipalName"]).get()) as { userPrincipalName: string };
      upns.set(id, user.userPrincipalName);
      return user.userPrincipalName;
    } catch (err) {
      if (httpStatusOf(err) === 404) return id; // a group or service principal: keep its id
      throw err;
    }
  }

  async function pages<T>(first: string, configure: (path: string) => ReturnType<Client["api"]>): Promise<T[]> {
    const items: T[] = [];
    let request = configure(first);
    for (;;) {
      const page = (await request.get()) as { value: T[]; "@odata.nextLink"?: string };
      items.push(...page.value);
      const next = page["@odata.nextLink"];
      if (!next) return items;
      request = graph().api(next); // the link already carries every query option
    }
  }

  const filterOf = (target: EntraTarget, principalId?: string) => `groupId eq '${target.groupId}'${principalId ? ` and principalId eq '${principalId}'` : ""}`;
  const schedules = (target: EntraTarget, principalId?: string) =>
    pages<Schedule>(`${PIM}/assignmentSchedules`, (path) =>
      graph()
        .api(path)
        .filter(filterOf(target, principalId)),
    ).then((all) => all.filter((s) => s.accessId === target.accessId));
  // The requests' history, where each schedule's creating request (and its justification) is found.
  const requests = (target: EntraTarget, principalId?: string) =>
    pages<ScheduleRequest>(`${PIM}/assignmentScheduleRequests`, (path) => graph().api(path).filter(filterOf(target, principalId)));

  /** Each of the person's schedules judged: gitgrant's own for this request file, standing, or not to be told. */
  async function verdicts(target: EntraTarget, principalId: string, path: string): Promise<Verdict[]> {
    const found = await schedules(target, principalId);
    if (!found.length) return [];
    const history = await requests(target, principalId);
    return found.map((s) => judge(s, history, path));
  }

  function scheduleRequest(target: EntraTarget, principalId: string, action: string, ref: GrantRef & { reason?: string }, window?: Grant) {
    const body: Record<string, unknown> = { accessId: target.accessId, principalId, groupId: target.groupId, action, justification: justification(ref.reason ?? "revoked", ref.path) };
    if (window) {
      const start = window.startsAt.getTime() > now().getTime() ? window.startsAt : now();
      body.scheduleInfo = { startDateTime: start.toISOString(), expiration: { type: "afterDateTime", endDateTime: window.expiresAt.toISOString() } };
    }
    return graph().api(`${PIM}/assignmentScheduleRequests`).post(body) as Promise<{ status?: string }>;
  }

  /** The outcome of a grant that finds assignments it must not touch. */
  function leaveAlone(grant: Grant, target: EntraTarget, others: Verdict[]): ProviderOutcome {
    const what = `PIM ${target.accessId} assignment of group ${target.groupId}`;
    const standing = others.find((v): v is Extract<Verdict, { kind: "standing" }> => v.kind === "standing");
    if (standing) {
      return { status: "unchanged", found: "standing", principal: grant.principal, detail: `${grant.principal} already had standing access: a ${what}, ${standing.why}; gitgrant will leave it` };
    }
    const unknown = others[0] as Extract<Verdict, { kind: "unknown" }>;
    return { status: "unchanged", principal: grant.principal, detail: `${grant.principal} already has a ${what} that gitgrant cannot tell is its own (${unknown.why}); left as is` };
  }

  async function grantPim(grant: Grant, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const until = grant.expiresAt.toISOString();
    const what = `PIM ${target.accessId} assignment of group ${target.groupId}`;
    const judged = await verdicts(target, id, grant.path);
    const own = judged.filter((v): v is Extract<Verdict, { kind: "own" }> => v.kind === "own");
    // Never overwrite, shorten or extend a person's own assignment: any that is not provably
    // this request's leaves everything as it is.
    const others = judged.filter((v) => v.kind !== "own");
    if (others.length) return leaveAlone(grant, target, others);
    const current = own[0];
    if (current && current.end && Date.parse(current.end) === grant.expiresAt.getTime()) {
      return { status: "unchanged", found: "own", principal: grant.principal, detail: `${grant.principal} already has gitgrant's ${what} until ${until}` };
    }
    let result: { status?: string };
    try {
      result = await scheduleRequest(target, id, current ? "adminUpdate" : "adminAssign", grant, grant);
    } catch (err) {
      if (serviceCodeOf(err) !== "RoleAssignmentExists") throw err;
      // Someone assigned it since our read: another gitgrant run (the app and the workflow,
      // a redelivery), or an administrator. Whose it is decides.
      const now = await verdicts(target, id, grant.path);
      const theirs = now.filter((v) => v.kind !== "own");
      if (theirs.length) return leaveAlone(grant, target, theirs);
      const made = now.find((v): v is Extract<Verdict, { kind: "own" }> => v.kind === "own");
      if (made?.end && Date.parse(made.end) === grant.expiresAt.getTime()) {
        return { status: "unchanged", found: "own", principal: grant.principal, detail: `${grant.principal} already has gitgrant's ${what} until ${until} (made by a concurrent run)` };
      }
      // Ours, with another end: the next try reads it and updates it.
      throw new ProviderError("conflict", `a concurrent run assigned ${grant.principal} to group ${target.groupId} with another end (${made?.end ?? "none"}); trying again updates it`);
    }
    const verb = current ? "changed the" : "created a";
    return {
      status: "granted",
      principal: grant.principal,
      detail: `${verb} ${what} for ${grant.principal} until ${until}, enforced by Entra (request ${result.status ?? "submitted"})`,
    };
  }

  async function revokePim(ref: GrantRef, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const what = `PIM ${target.accessId} assignment of group ${target.groupId}`;
    const none: ProviderOutcome = { status: "unchanged", principal: ref.principal, detail: `${ref.principal} has no ${what}` };
    const judged = await verdicts(target, id, ref.path);
    if (judged.length === 0) return none;
    // Only the schedule made for this request file is gitgrant's to end.
    if (!judged.some((v) => v.kind === "own")) {
      const why = judged.map((v) => (v.kind === "own" ? "" : v.why)).join("; ");
      return { status: "kept", principal: ref.principal, detail: `${ref.principal}'s ${what} is not gitgrant's (${why}); left in place` };
    }
    try {
      await scheduleRequest(target, id, "adminRemove", ref);
    } catch (err) {
      if (isAbsent(err)) return none; // ended (expired) between the read and the request
      throw err;
    }
    return { status: "revoked", principal: ref.principal, detail: `removed ${ref.principal}'s ${what}` };
  }

  const relation = (target: EntraTarget) => (target.accessId === "owner" ? "owners" : "members");

  async function grantMember(grant: Grant, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const what = `${target.accessId} of group ${target.groupId}`;
    try {
      await graph().api(`/groups/${target.groupId}/${relation(target)}/$ref`).post({ "@odata.id": `${graphRoot()}/v1.0/directoryObjects/${id}` });
    } catch (err) {
      // Graph answers 400 "One or more added object references already exist" for a member.
      if (httpStatusOf(err) === 400 && /already exist/i.test(String((err as Error).message))) {
        // A membership carries no author: the receipts tell whose it is.
        return { status: "unchanged", principal: grant.principal, detail: `${grant.principal} is already a ${what}` };
      }
      throw err;
    }
    return { status: "granted", principal: grant.principal, detail: `made ${grant.principal} a ${what} (Entra does not expire it; the sweep revokes it)` };
  }

  async function revokeMember(ref: GrantRef, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const what = `${target.accessId} of group ${target.groupId}`;
    try {
      await graph().api(`/groups/${target.groupId}/${relation(target)}/${id}/$ref`).delete();
    } catch (err) {
      if (isAbsent(err)) return { status: "unchanged", principal: ref.principal, detail: `${ref.principal} is not a ${what}` };
      throw err;
    }
    return { status: "revoked", principal: ref.principal, detail: `removed ${ref.principal} as ${what}` };
  }

  /** After gitgrant removed the access: sign the user out everywhere, so no issued token keeps the group claim. */
  async function endSessions(outcome: ProviderOutcome, target: EntraTarget, ref: GrantRef, id: string): Promise<ProviderOutcome> {
    if (!target.revokeSessions || outcome.status !== "revoked") return outcome;
    try {
      await graph().api(`/users/${id}/revokeSignInSessions`).post({});
    } catch (err) {
      // The access is gone already; a retry would find nothing to remove and skip this call.
      const error = toProviderError(err, `revoke the sign-in sessions of ${ref.principal}`);
      throw new ProviderError(error.kind, `${outcome.detail}, but ${error.message}`, { ...(error.cause as object), retriedBelow: true });
    }
    return { ...outcome, detail: `${outcome.detail}; revoked ${ref.principal}'s sign-in sessions (revoke_sessions)` };
  }

  return {
    name: "entra-group",
    nativeExpiry,
    checkTarget: (resource) => void checkEntraTarget(resource),

    async grant(grant) {
      const target = checkEntraTarget(grant.resource);
      return operation(`grant ${grant.principal} ${target.accessId} of group ${target.groupId}`, async () => {
        await authenticate();
        const id = await userId(grant.principal);
        if (!id) throw invalidTarget(grant.resource.id, `cannot be granted to ${grant.principal}: no such user in Entra ID`);
        return target.mode === "pim" ? grantPim(grant, target, id) : grantMember(grant, target, id);
      });
    },

    async revoke(ref) {
      const target = checkEntraTarget(ref.resource);
      return operation(`revoke ${ref.principal} ${target.accessId} of group ${target.groupId}`, async (): Promise<ProviderOutcome> => {
        await authenticate();
        const id = await userId(ref.principal);
        if (!id) return { status: "unchanged", principal: ref.principal, detail: `${ref.principal} is no longer a user in Entra ID` };
        const outcome = target.mode === "pim" ? await revokePim(ref, target, id) : await revokeMember(ref, target, id);
        return endSessions(outcome, target, ref, id);
      });
    },

    async list(resource, principals) {
      const target = checkEntraTarget(resource);
      const wanted = principals?.map((p) => p.toLowerCase());
      const found = await operation(`list ${relation(target)} of group ${target.groupId}`, async () => {
        await authenticate();
        if (target.mode === "pim") {
          const all = await schedules(target);
          const history = all.length ? await requests(target) : [];
          return Promise.all(
            all.map(async (s) => ({
              principal: await upnOf(s.principalId),
              end: s.scheduleInfo?.expiration?.endDateTime ?? undefined,
              ours: madeForResource(s, history, resource.id),
            })),
          );
        }
        const members = await pages<{ id: string; userPrincipalName?: string }>(`/groups/${target.groupId}/${relation(target)}`, (path) =>
          graph().api(path).select(["id", "userPrincipalName"]),
        );
        return members.map((m) => ({ principal: m.userPrincipalName ?? m.id, end: undefined as string | undefined, ours: false }));
      });
      // A plain membership records no author, so none is claimed as gitgrant's own; a PIM
      // schedule is gitgrant's when its creating request carries gitgrant's marker for this resource.
      return found
        .filter((f) => !wanted || wanted.includes(f.principal.toLowerCase()))
        .map(
          (f): ExistingGrant => ({
            resourceId: resource.id,
            principal: f.principal,
            expiresAt: f.end ? new Date(f.end) : undefined,
            managedByGitgrant: f.ours,
          }),
        );
    },
  };
}

export const descriptor = defineProvider({
  name: "entra-group",
  identity: { key: "entra", schema: { type: "string", description: "User principal name, e.g. alice@acme.com." } },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["group_id"],
    properties: {
      group_id: { type: "string", pattern: "^[0-9a-fA-F-]{36}$" },
      mode: { enum: ["member", "pim"] },
      access_id: { enum: ["member", "owner"] },
      revoke_sessions: {
        type: "boolean",
        description: "Also call revokeSignInSessions when gitgrant removes the access, so issued tokens stop carrying the group. Signs the user out everywhere. Default false.",
      },
    },
  },
  checkTarget: (resource) => void checkEntraTarget(resource),
  nativeExpiry,
  create: (own: EntraGroupOptions | undefined, shared) =>
    createEntraGroupProvider({ env: shared.env, ...own, retry: own?.retry ?? shared.retry }),
});
