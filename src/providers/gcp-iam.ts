// GCP IAM: a conditional role binding on a project, folder or organisation whose condition
// `request.time < timestamp(...)` makes Google itself end the access on time. Every change
// is a read-modify-write of the whole policy guarded by its etag; a concurrent change makes
// setIamPolicy fail with 409 ABORTED, and the whole cycle is retried.
import { FoldersClient, OrganizationsClient, ProjectsClient, type protos } from "@google-cloud/resource-manager";
import { GoogleAuth } from "google-auth-library";
import type { Grant, GrantRef, Resource } from "../core/types.js";
import { configError, credentialProblem, configLatch, invalidTarget } from "./errors.js";
import { withRetry, type RetryOptions } from "./retry.js";
import { ProviderError, defineProvider, type ExistingGrant, type Provider, type ProviderOutcome } from "./types.js";
import { isoSeconds } from "../core/time.js";

type Policy = protos.google.iam.v1.IPolicy;
type Binding = protos.google.iam.v1.IBinding;

/** The two calls used, shared by ProjectsClient, FoldersClient and OrganizationsClient. */
export interface IamPolicyClient {
  getIamPolicy(request: protos.google.iam.v1.IGetIamPolicyRequest, options?: object): Promise<[Policy, ...unknown[]]>;
  setIamPolicy(request: protos.google.iam.v1.ISetIamPolicyRequest, options?: object): Promise<[Policy, ...unknown[]]>;
}

type ScopeKind = "project" | "folder" | "organization";

export interface GcpIamOptions {
  /** A google-auth-library client; default: Application Default Credentials, resolved on first use. */
  authClient?: object;
  /** Resolves Application Default Credentials (tests inject a failing one); default google-auth-library's GoogleAuth. */
  defaultCredentials?: () => Promise<object>;
  /** Ready clients per scope kind (tests, or custom endpoints). */
  clients?: Partial<Record<ScopeKind, IamPolicyClient>>;
  retry?: RetryOptions;
  /** Clock used only to decide whether a start condition is still worth writing. */
  now?: () => Date;
}

interface GcpTarget {
  kind: ScopeKind;
  /** "projects/acme-prod", "folders/123", "organizations/456". */
  resourceName: string;
  role: string;
}

const PROJECT = /^([a-z][a-z0-9-]{4,28}[a-z0-9]|\d+)$/;
const NUMERIC = /^\d+$/;
const ROLE = /^(roles\/[\w.]+|(projects|organizations)\/[\w.-]+\/roles\/[\w.]+)$/;
const MEMBER = /^(user|serviceAccount|group|domain|principal|principalSet):\S+$/;

// Google refuses conditions on the legacy basic roles, so a time-bound grant of them can
// never be written (IAM Conditions overview: "You cannot use conditions when you grant
// legacy basic roles, including Owner, Editor and Viewer").
const BASIC_ROLES: Record<string, string> = {
  "roles/viewer": "roles/browser (see the resource hierarchy) or a predefined viewer role of the service, e.g. roles/compute.viewer or roles/cloudsql.viewer",
  "roles/editor": "a predefined role of the service, e.g. roles/compute.instanceAdmin.v1 or roles/cloudsql.editor",
  "roles/owner": "a predefined administrator role of the service, e.g. roles/resourcemanager.projectIamAdmin or roles/compute.admin",
};

/** Limits of a condition's text as Google's IAM condition editor enforces them. */
export const CONDITION_TITLE_MAX = 100;
export const CONDITION_DESCRIPTION_MAX = 256;
// The longest GitHub login (39), so a resource id that fits here fits for everyone.
const LONGEST_LOGIN = 39;

export function checkGcpTarget(resource: Resource): GcpTarget {
  const target = resource.target ?? {};
  const scopes = (["project", "folder", "organization"] as const).filter((k) => target[k] !== undefined);
  if (scopes.length !== 1) {
    throw invalidTarget(resource.id, "needs exactly one of project, folder or organization (and a role)");
  }
  const kind = scopes[0];
  const id = String(target[kind]);
  if (kind === "project" ? !PROJECT.test(id) : !NUMERIC.test(id)) {
    throw invalidTarget(resource.id, `has ${kind} "${id}", which is not a ${kind === "project" ? "project id or number" : `numeric ${kind} id`}`);
  }
  const role = target.role;
  if (typeof role !== "string" || !ROLE.test(role)) {
    throw invalidTarget(resource.id, "needs role (e.g. roles/cloudsql.viewer or organizations/123/roles/custom)");
  }
  const instead = BASIC_ROLES[role];
  if (instead) {
    throw invalidTarget(
      resource.id,
      `has role ${role}, a legacy basic role: Google refuses conditions on basic roles (Owner, Editor, Viewer), so gitgrant cannot grant it for a limited time. Use ${instead}`,
    );
  }
  const title = `gitgrant ${resource.id} `.length + LONGEST_LOGIN;
  if (title > CONDITION_TITLE_MAX) {
    throw invalidTarget(
      resource.id,
      `cannot be granted: the condition title "gitgrant ${resource.id} <login>" can reach ${title} characters, over Google's ${CONDITION_TITLE_MAX}; use a resource id of at most ${CONDITION_TITLE_MAX - LONGEST_LOGIN - "gitgrant  ".length} characters`,
    );
  }
  const prefix = kind === "project" ? "projects" : kind === "folder" ? "folders" : "organizations";
  return { kind, resourceName: `${prefix}/${id}`, role };
}

/** The condition title names the request, so revoke finds it without the file. */
export const conditionTitle = (ref: Pick<GrantRef, "login"> & { resource: { id: string } }) =>
  `gitgrant ${ref.resource.id} ${ref.login.toLowerCase()}`;

const rfc3339 = isoSeconds;

export function grantCondition(grant: Grant, now: Date): { title: string; description: string; expression: string } {
  const until = rfc3339(grant.expiresAt);
  // A start already past adds nothing and would make every later read differ.
  const start = grant.startsAt.getTime() > now.getTime() ? `request.time >= timestamp("${rfc3339(grant.startsAt)}") && ` : "";
  const condition = {
    title: conditionTitle(grant),
    description: `gitgrant request ${grant.path} expires ${until}`,
    expression: `${start}request.time < timestamp("${until}")`,
  };
  // Checked here too: the description carries the path, which the target check cannot see.
  for (const [field, max] of [["title", CONDITION_TITLE_MAX], ["description", CONDITION_DESCRIPTION_MAX]] as const) {
    if (condition[field].length > max) {
      throw invalidTarget(grant.resource.id, `cannot be granted to ${grant.principal}: the condition ${field} has ${condition[field].length} characters, over Google's ${max}`);
    }
  }
  return condition;
}

const EXPIRY = /request\.time\s*<\s*timestamp\("([^"]+)"\)/;
function expiryOf(binding: Binding): Date | undefined {
  const match = EXPIRY.exec(binding.condition?.expression ?? "");
  return match && !Number.isNaN(Date.parse(match[1])) ? new Date(match[1]) : undefined;
}

/** A binding as Google sent it, without the proto3 defaults the decoder fills in
 *  (condition: null, description: "", location: ""), so bindings gitgrant does not
 *  touch are written back exactly as they were read. */
function asWritten(binding: Binding): Binding {
  const { condition, ...rest } = binding;
  if (!condition) return rest;
  const kept = Object.fromEntries(Object.entries(condition).filter(([, v]) => v !== "" && v !== null && v !== undefined));
  return { ...rest, condition: kept };
}

const sameMember = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
// No retries inside google-gax: withRetry is the single retry loop.
const NO_GAX_RETRY = { retry: null };

/** Every binding gitgrant writes carries its request.time condition. */
const nativeExpiry = () => true;

export const GCP_CREDENTIAL_HINT =
  "Provide Application Default Credentials: in GitHub Actions the google-github-actions/auth step (Workload Identity Federation, " +
  "repository variables GITGRANT_GCP_WORKLOAD_IDENTITY_PROVIDER and GITGRANT_GCP_SERVICE_ACCOUNT); elsewhere GOOGLE_APPLICATION_CREDENTIALS, " +
  "`gcloud auth application-default login` or the metadata server";

const defaultCredentials = () => new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] }).getClient();

export function createGcpIamProvider(options: GcpIamOptions = {}): Provider {
  const clients: Partial<Record<ScopeKind, IamPolicyClient>> = { ...options.clients };
  const now = options.now ?? (() => new Date());
  const retry = (action: string) => ({ ...options.retry, action });
  const latch = configLatch();
  let auth: Promise<object> | undefined;
  const asConfig = (error: ProviderError) =>
    error.message.startsWith("gcp-iam:") ? error : configError("gcp-iam", `Google refused or found no credentials (${credentialProblem(error)})`, GCP_CREDENTIAL_HINT);

  /** The credentials, resolved once. Left to gax, a missing one is an unhandled rejection
   *  that ends the process with a stack trace; resolved here it is a config error. */
  async function authClient(): Promise<object> {
    if (options.authClient) return options.authClient;
    auth ??= (options.defaultCredentials ?? defaultCredentials)();
    try {
      return await auth;
    } catch (err) {
      throw configError("gcp-iam", `no Google credentials were found (${(err as Error).message.split("\n")[0]})`, GCP_CREDENTIAL_HINT);
    }
  }

  async function client(kind: ScopeKind): Promise<IamPolicyClient> {
    if (clients[kind]) return clients[kind];
    // REST transport (fallback): plain HTTPS, works behind proxies and is visible to nock.
    // The cast: gax pins its own copy of google-auth-library, whose AuthClient type differs
    // nominally from the top-level one while being the same thing at run time.
    const config = { fallback: true, authClient: await authClient() } as ConstructorParameters<typeof ProjectsClient>[0];
    const make = { project: ProjectsClient, folder: FoldersClient, organization: OrganizationsClient }[kind];
    return (clients[kind] ??= new make(config) as unknown as IamPolicyClient);
  }

  /** One operation under the credential latch: a setup problem is said once, then repeated as is. */
  const guarded = <T>(fn: () => Promise<T>) => latch.run(fn, asConfig);

  async function readPolicy(target: GcpTarget): Promise<Policy> {
    const [policy] = await (await client(target.kind)).getIamPolicy(
      { resource: target.resourceName, options: { requestedPolicyVersion: 3 } },
      NO_GAX_RETRY,
    );
    return { ...policy, bindings: (policy.bindings ?? []).map(asWritten) };
  }

  async function writePolicy(target: GcpTarget, policy: Policy, bindings: Binding[]): Promise<void> {
    // Version 3 is required once any binding has a condition; the etag read makes a
    // concurrent change fail (409) instead of being overwritten.
    const next: Policy = { version: 3, bindings, etag: policy.etag };
    await (await client(target.kind)).setIamPolicy({ resource: target.resourceName, policy: next }, NO_GAX_RETRY);
  }

  /** Every binding of the role, with `member` taken out of this request's own bindings. */
  function without(bindings: Binding[], role: string, title: string, member: string): { bindings: Binding[]; removed: boolean } {
    let removed = false;
    const kept = bindings.flatMap((b) => {
      if (b.role !== role || b.condition?.title !== title) return [b];
      const members = (b.members ?? []).filter((m) => !sameMember(m, member));
      if (members.length === (b.members ?? []).length) return [b];
      removed = true;
      return members.length ? [{ ...b, members }] : [];
    });
    return { bindings: kept, removed };
  }

  function checkMember(ref: GrantRef): string {
    if (!MEMBER.test(ref.principal)) {
      throw invalidTarget(ref.resource.id, `cannot be granted to "${ref.principal}": not an IAM member such as user:alice@acme.com`);
    }
    return ref.principal;
  }

  return {
    name: "gcp-iam",
    nativeExpiry,
    checkTarget: (resource) => void checkGcpTarget(resource),

    async grant(grant: Grant): Promise<ProviderOutcome> {
      const target = checkGcpTarget(grant.resource);
      const member = checkMember(grant);
      const condition = grantCondition(grant, now());
      const where = `${target.role} on ${target.resourceName}`;
      return guarded(() => withRetry(async () => {
        const policy = await readPolicy(target);
        const bindings = policy.bindings ?? [];
        const current = bindings.find(
          (b) =>
            b.role === target.role &&
            b.condition?.title === condition.title &&
            b.condition.expression === condition.expression &&
            b.condition.description === condition.description &&
            (b.members ?? []).some((m) => sameMember(m, member)),
        );
        if (current) {
          return { status: "unchanged", found: "own", principal: member, detail: `${member} already holds ${where} until ${rfc3339(grant.expiresAt)} (gitgrant's binding)` };
        }
        // An extension replaces this request's old binding rather than adding a second one.
        const { bindings: others, removed } = without(bindings, target.role, condition.title, member);
        // The role held without any condition is the person's own standing access: gitgrant
        // adds nothing beside it (and its revoke never touches a binding without its title).
        // A binding under someone else's condition (business hours, one resource) may be
        // narrower than this grant, so it is not taken for the same access.
        if (!removed && bindings.some((b) => b.role === target.role && !b.condition && (b.members ?? []).some((m) => sameMember(m, member)))) {
          return {
            status: "unchanged",
            found: "standing",
            principal: member,
            detail: `${member} already had standing access to ${where} (a binding without gitgrant's condition); gitgrant will leave it`,
          };
        }
        await writePolicy(target, policy, [...others, { role: target.role, members: [member], condition }]);
        const verb = removed ? "changed" : "granted";
        return { status: "granted", principal: member, detail: `${verb} ${member} ${where} until ${rfc3339(grant.expiresAt)}, enforced by Google` };
      }, retry(`grant ${member} ${where}`)));
    },

    async revoke(ref: GrantRef): Promise<ProviderOutcome> {
      const target = checkGcpTarget(ref.resource);
      const member = checkMember(ref);
      const where = `${target.role} on ${target.resourceName}`;
      return guarded(() => withRetry(async () => {
        const policy = await readPolicy(target);
        const { bindings, removed } = without(policy.bindings ?? [], target.role, conditionTitle(ref), member);
        // Only the binding titled for this request is gitgrant's; any other binding of the
        // role (standing, or under someone else's condition) stays as it is.
        if (!removed) return { status: "unchanged", principal: member, detail: `${member} holds no gitgrant binding of ${where}` };
        await writePolicy(target, policy, bindings);
        return { status: "revoked", principal: member, detail: `removed ${member}'s gitgrant binding of ${where}` };
      }, retry(`revoke ${member} ${where}`)));
    },

    async list(resource: Resource, principals?: string[]): Promise<ExistingGrant[]> {
      const target = checkGcpTarget(resource);
      const policy = await guarded(() => withRetry(() => readPolicy(target), retry(`read the IAM policy of ${target.resourceName}`)));
      const ours = `gitgrant ${resource.id} `;
      const wanted = principals?.map((p) => p.toLowerCase());
      return (policy.bindings ?? []).flatMap((binding) => {
        if (binding.role !== target.role) return [];
        const title = binding.condition?.title ?? "";
        // Another catalog resource's gitgrant binding of the same role is not this one's.
        if (title.startsWith("gitgrant ") && !title.startsWith(ours)) return [];
        const managed = title.startsWith(ours);
        return (binding.members ?? [])
          .filter((m) => !wanted || wanted.includes(m.toLowerCase()))
          .map((m) => ({
            resourceId: resource.id,
            principal: m,
            expiresAt: managed ? expiryOf(binding) : undefined,
            managedByGitgrant: managed,
          }));
      });
    },
  };
}

export const descriptor = defineProvider({
  name: "gcp-iam",
  identity: { key: "gcp", schema: { type: "string", pattern: "^(user|serviceAccount|group):.+@.+$", description: "IAM member, e.g. user:alice@acme.com." } },
  targetSchema: {
    type: "object",
    additionalProperties: false,
    required: ["role"],
    properties: {
      role: { type: "string", pattern: "^(roles/|projects/|organizations/).+" },
      project: { type: "string", minLength: 1 },
      folder: { type: "string", pattern: "^\\d+$" },
      organization: { type: "string", pattern: "^\\d+$" },
    },
    oneOf: [{ required: ["project"] }, { required: ["folder"] }, { required: ["organization"] }],
  },
  checkTarget: (resource) => void checkGcpTarget(resource),
  nativeExpiry,
  create: (own: GcpIamOptions | undefined, shared) => createGcpIamProvider({ ...own, retry: own?.retry ?? shared.retry }),
});
