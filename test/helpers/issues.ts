// Real `issues` webhook payloads (@octokit/webhooks-examples) as a request form renders them.
import { createRequire } from "node:module";
import { INSTALLATION, OWNER, REPO } from "./app.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;

/** An issue body as GitHub renders the request form: "### Label", a blank line, the value. */
export function formBody(f: { resource: string; duration: string; reason: string; ticket?: string; breakGlass?: boolean }): string {
  return [
    "### Resource",
    "",
    f.resource,
    "",
    "### Duration",
    "",
    f.duration,
    "",
    "### Reason",
    "",
    f.reason,
    "",
    "### Ticket",
    "",
    f.ticket ?? "_No response_",
    "",
    "### Break-glass",
    "",
    `- [${f.breakGlass ? "X" : " "}] This is an emergency: grant it at once for a short window, reviewed by the code owners afterwards (needs an incident in Ticket)`,
  ].join("\n");
}

export function issueEvent(action: "opened" | "edited" | "reopened", f: { number?: number; author?: string; sender?: string; body: string; labels?: string[] }): { name: string; payload: Record<string, any> } {
  const found = examples.find((e) => e.name === "issues")!.examples.find((x) => x.action === action);
  if (!found) throw new Error(`no issues.${action} example`);
  const p = structuredClone(found);
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==" };
  p.repository = { ...p.repository, name: REPO, full_name: `${OWNER}/${REPO}`, default_branch: "main", owner: { ...p.repository.owner, login: OWNER, type: "Organization" } };
  const author = f.author ?? "alice";
  p.issue = {
    ...p.issue,
    number: f.number ?? 12,
    title: "Access request",
    body: f.body,
    state: "open",
    user: { ...p.issue.user, login: author, type: "User" },
    labels: (f.labels ?? ["access-request"]).map((name, i) => ({ id: 100 + i, node_id: `LA_${i}`, url: "", name, color: "ededed", default: false, description: null })),
    html_url: `https://github.com/${OWNER}/${REPO}/issues/${f.number ?? 12}`,
  };
  delete p.issue.pull_request;
  p.sender = { ...p.sender, login: f.sender ?? author, type: "User" };
  if (action === "edited") p.changes = { body: { from: "earlier text" } };
  return { name: "issues", payload: p };
}
