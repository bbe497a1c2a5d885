// Where request files live, and what a path says about them.
import { ACCESS_DIR, REQUESTS_DIR } from "./config.js";

export interface RequestPath {
  resourceId: string;
  /** As written in the path (display); compare with `login`. */
  loginAsWritten: string;
  /** Lower-cased: logins compare case-insensitively. */
  login: string;
}

export type PathKind =
  | { kind: "request"; parsed: RequestPath }
  | { kind: "bad-request-path"; message: string }
  | { kind: "other" };

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const RESOURCE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function requestPath(resourceId: string, login: string): string {
  return `${REQUESTS_DIR}/${resourceId}/${login.toLowerCase()}.yaml`;
}

const PREFIX = `${REQUESTS_DIR}/`;
const shape = `Request files live at ${REQUESTS_DIR}/<resource-id>/<your-github-login>.yaml`;

export function classifyPath(path: string): PathKind {
  if (!path.startsWith(PREFIX)) return { kind: "other" };
  const rest = path.slice(PREFIX.length).split("/");
  if (rest.length !== 2) return { kind: "bad-request-path", message: `${shape}; "${path}" is not at that depth.` };
  const [resourceId, file] = rest as [string, string];
  if (file.endsWith(".yml")) return { kind: "bad-request-path", message: `${shape}: rename "${file}" to end in .yaml, not .yml.` };
  if (!file.endsWith(".yaml")) return { kind: "bad-request-path", message: `${shape}; "${file}" is not a .yaml file.` };
  const login = file.slice(0, -".yaml".length);
  if (!LOGIN.test(login)) return { kind: "bad-request-path", message: `"${login}" is not a GitHub login; ${shape}.` };
  if (!RESOURCE.test(resourceId)) return { kind: "bad-request-path", message: `"${resourceId}" is not a resource id (lower-case letters, digits, dashes); ${shape}.` };
  return { kind: "request", parsed: { resourceId, loginAsWritten: login, login: login.toLowerCase() } };
}

export function isConfigPath(path: string): boolean {
  return path.startsWith(`${ACCESS_DIR}/`) && !path.startsWith(`${REQUESTS_DIR}/`);
}
