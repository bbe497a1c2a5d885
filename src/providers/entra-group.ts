// Entra ID groups through Microsoft Graph. `member` mode: plain group membership (or
// ownership); Entra cannot expire it, the sweep does. `pim` mode: a PIM-for-Groups
// assignment with an end date, which Entra itself ends on time.
import type { Client } from "@microsoft/microsoft-graph-client";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { httpStatusOf, invalidTarget, serviceCodeOf } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { clientCredentialsToken, type TokenSource } from "./entra-token.js";
import { defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";

export { clientCredentialsToken, type TokenSource };

export interface EntraGroupOptions {
  /** Bearer tokens for Graph; default: client credentials from AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET. */
  token?: TokenSource;
  env?: Record<string, string | undefined>;
  retry?: RetryOptions;
  /** Clock for the PIM schedule's start (never in the past). */
  now?: () => Date;
}

interface EntraTarget {
  groupId: string;
  mode: "member" | "pim";
  accessId: "member" | "owner";
}

const GROUP_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const GRAPH = "https://graph.microsoft.com/v1.0";
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
  return { groupId: t.group_id, mode, accessId };
}

interface Schedule {
  principalId: string;
  accessId: string;
  scheduleInfo?: { expiration?: { type?: string; endDateTime?: string | null } };
}

// PIM caps the justification; keep the request path, which is what ties it to git.
function justification(grant: GrantRef & { reason?: string }): string {
  const suffix = ` (gitgrant ${grant.path})`;
  return `${(grant.reason ?? "revoked").slice(0, 500 - suffix.length)}${suffix}`;
}

const isAbsent = (err: unknown) =>
  httpStatusOf(err) === 404 || serviceCodeOf(err) === "RoleAssignmentDoesNotExist" || serviceCodeOf(err) === "Request_ResourceNotFound";

/** A PIM assignment has an end date Entra enforces; a plain membership has none. */
const nativeExpiry = (resource: Resource) => resource.target?.mode === "pim";

export function createEntraGroupProvider(options: EntraGroupOptions = {}): Provider {
  const now = options.now ?? (() => new Date());
  const retry = (action: string) => ({ ...options.retry, action });
  let client: Client | undefined;
  const ids = new Map<string, string>(); // lower-cased UPN -> object id
  const upns = new Map<string, string>(); // object id -> UPN

  let tokenSource: TokenSource | undefined;
  let bearer: string | undefined;
  // The token is fetched before each operation, outside the Graph client, because the
  // client would wrap a token failure into an untyped GraphError (status -1).
  async function authenticate(): Promise<void> {
    tokenSource ??= options.token ?? clientCredentialsToken(options.env ?? process.env);
    bearer = await tokenSource();
  }

  async function graph(): Promise<Client> {
    if (client) return client;
    // Imported on the first call: commands that never reach Entra do not load it.
    const { AuthenticationHandler, Client, HTTPMessageHandler } = await import("@microsoft/microsoft-graph-client");
    // No RetryHandler in the chain: withRetry is the single retry loop (and never sleeps in tests).
    client ??= Client.initWithMiddleware({
      middleware: [new AuthenticationHandler({ getAccessToken: async () => bearer ?? "" }), new HTTPMessageHandler()],
    });
    return client;
  }

  /** The user's object id, or undefined when Entra has no such user. */
  async function userId(upn: string): Promise<string | undefined> {
    const cached = ids.get(upn.toLowerCase());
    if (cached) return cached;
    try {
      const user = (await (await graph()).api(`/users/${encodeURIComponent(upn)}`).select("id").get()) as { id: string };
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
      const user = (await (await graph()).api(`/users/${id}`).select(["id", "userPrincipalName"]).get()) as { userPrincipalName: string };
      upns.set(id, user.userPrincipalName);
      return user.userPrincipalName;
    } catch (err) {
      if (httpStatusOf(err) === 404) return id; // a group or service principal: keep its id
      throw err;
    }
  }

  async function pages<T>(first: string, configure: (graph: Client, path: string) => ReturnType<Client["api"]>): Promise<T[]> {
    const items: T[] = [];
    let request = configure(await graph(), first);
    for (;;) {
      const page = (await request.get()) as { value: T[]; "@odata.nextLink"?: string };
      items.push(...page.value);
      const next = page["@odata.nextLink"];
      if (!next) return items;
      request = (await graph()).api(next); // the link already carries every query option
    }
  }

  const schedules = (target: EntraTarget, principalId?: string) =>
    pages<Schedule>(`${PIM}/assignmentSchedules`, (g, path) =>
      g
        .api(path)
        .filter(`groupId eq '${target.groupId}'${principalId ? ` and principalId eq '${principalId}'` : ""}`),
    ).then((all) => all.filter((s) => s.accessId === target.accessId));

  async function scheduleRequest(target: EntraTarget, principalId: string, action: string, ref: GrantRef & { reason?: string }, window?: Grant) {
    const body: Record<string, unknown> = { accessId: target.accessId, principalId, groupId: target.groupId, action, justification: justification(ref) };
    if (window) {
      const start = window.startsAt.getTime() > now().getTime() ? window.startsAt : now();
      body.scheduleInfo = { startDateTime: start.toISOString(), expiration: { type: "afterDateTime", endDateTime: window.expiresAt.toISOString() } };
    }
    return (await graph()).api(`${PIM}/assignmentScheduleRequests`).post(body) as Promise<{ status?: string }>;
  }

  async function grantPim(grant: Grant, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const until = grant.expiresAt.toISOString();
    const [current] = await schedules(target, id);
    const end = current?.scheduleInfo?.expiration;
    if (current && (end?.type === "noExpiration" || !end?.endDateTime)) {
      return { status: "unchanged", detail: `${grant.principal} already has a permanent PIM ${target.accessId} assignment of group ${target.groupId}; left as is` };
    }
    if (current && Date.parse(end!.endDateTime!) === grant.expiresAt.getTime()) {
      return { status: "unchanged", detail: `${grant.principal} already has a PIM ${target.accessId} assignment of group ${target.groupId} until ${until}` };
    }
    const result = await scheduleRequest(target, id, current ? "adminUpdate" : "adminAssign", grant, grant);
    const verb = current ? "changed the" : "created a";
    return {
      status: "granted",
      detail: `${verb} PIM ${target.accessId} assignment of group ${target.groupId} for ${grant.principal} until ${until}, enforced by Entra (request ${result.status ?? "submitted"})`,
    };
  }

  async function revokePim(ref: GrantRef, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const none: ProviderOutcome = { status: "unchanged", detail: `${ref.principal} has no PIM ${target.accessId} assignment of group ${target.groupId}` };
    if ((await schedules(target, id)).length === 0) return none;
    try {
      await scheduleRequest(target, id, "adminRemove", ref);
    } catch (err) {
      if (isAbsent(err)) return none; // ended (expired) between the read and the request
      throw err;
    }
    return { status: "revoked", detail: `removed ${ref.principal}'s PIM ${target.accessId} assignment of group ${target.groupId}` };
  }

  const relation = (target: EntraTarget) => (target.accessId === "owner" ? "owners" : "members");

  async function grantMember(grant: Grant, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const what = `${target.accessId} of group ${target.groupId}`;
    try {
      await (await graph()).api(`/groups/${target.groupId}/${relation(target)}/$ref`).post({ "@odata.id": `${GRAPH}/directoryObjects/${id}` });
    } catch (err) {
      // Graph answers 400 "One or more added object references already exist" for a member.
      if (httpStatusOf(err) === 400 && /already exist/i.test(String((err as Error).message))) {
        return { status: "unchanged", detail: `${grant.principal} is already a ${what}` };
      }
      throw err;
    }
    return { status: "granted", detail: `made ${grant.principal} a ${what} (Entra does not expire it; the sweep revokes it)` };
  }

  async function revokeMember(ref: GrantRef, target: EntraTarget, id: string): Promise<ProviderOutcome> {
    const what = `${target.accessId} of group ${target.groupId}`;
    try {
      await (await graph()).api(`/groups/${target.groupId}/${relation(target)}/${id}/$ref`).delete();
    } catch (err) {
      if (isAbsent(err)) return { status: "unchanged", detail: `${ref.principal} is not a ${what}` };
      throw err;
    }
    return { status: "revoked", detail: `removed ${ref.principal} as ${what}` };
  }

  return {
    name: "entra-group",
    nativeExpiry,
    checkTarget: (resource) => void checkEntraTarget(resource),

    async grant(grant) {
      const target = checkEntraTarget(grant.resource);
      return withRetry(async () => {
        await authenticate();
        const id = await userId(grant.principal);
        if (!id) throw invalidTarget(grant.resource.id, `cannot be granted to ${grant.principal}: no such user in Entra ID`);
        return target.mode === "pim" ? grantPim(grant, target, id) : grantMember(grant, target, id);
      }, retry(`grant ${grant.principal} ${target.accessId} of group ${target.groupId}`));
    },

    async revoke(ref) {
      const target = checkEntraTarget(ref.resource);
      return withRetry(async (): Promise<ProviderOutcome> => {
        await authenticate();
        const id = await userId(ref.principal);
        if (!id) return { status: "unchanged", detail: `${ref.principal} is no longer a user in Entra ID` };
        return target.mode === "pim" ? revokePim(ref, target, id) : revokeMember(ref, target, id);
      }, retry(`revoke ${ref.principal} ${target.accessId} of group ${target.groupId}`));
    },

    async list(resource, principals) {
      const target = checkEntraTarget(resource);
      const wanted = principals?.map((p) => p.toLowerCase());
      const found = await withRetry(async () => {
        await authenticate();
        if (target.mode === "pim") {
          const all = await schedules(target);
          return Promise.all(
            all.map(async (s) => ({ principal: await upnOf(s.principalId), end: s.scheduleInfo?.expiration?.endDateTime ?? undefined })),
          );
        }
        const members = await pages<{ id: string; userPrincipalName?: string }>(`/groups/${target.groupId}/${relation(target)}`, (g, path) =>
          g.api(path).select(["id", "userPrincipalName"]),
        );
        return members.map((m) => ({ principal: m.userPrincipalName ?? m.id, end: undefined as string | undefined }));
      }, retry(`list ${relation(target)} of group ${target.groupId}`));
      // Entra records no author on a membership or schedule, so none is claimed as gitgrant's own.
      return found
        .filter((f) => !wanted || wanted.includes(f.principal.toLowerCase()))
        .map(
          (f): ExistingGrant => ({
            resourceId: resource.id,
            principal: f.principal,
            expiresAt: f.end ? new Date(f.end) : undefined,
            managedByGitgrant: false,
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
    },
  },
  checkTarget: (resource) => void checkEntraTarget(resource),
  nativeExpiry,
  create: (own: EntraGroupOptions | undefined, shared) =>
    createEntraGroupProvider({ env: shared.env, ...own, retry: own?.retry ?? shared.retry }),
});
