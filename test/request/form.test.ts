// The request form from the catalog, and the way back from the issue GitHub renders.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseRequestForm, requestFormYaml, requestText } from "../../src/operations/request-form.js";
import { readIssueRequest, requestFromForm, type BaseRules } from "../../src/operations/request.js";
import { org } from "../helpers/orgs.js";
import { formBody } from "../helpers/issues.js";

const config = org("app").config();
const rules: BaseRules = { branch: "main", sha: "b".repeat(40), tree: "t".repeat(40), config };
const NOW = new Date("2026-11-30T10:00:00Z");

describe("the request form", () => {
  it("offers every catalog resource by id, with its description, sensitivity and cap, and asks duration, reason, ticket and break-glass", () => {
    const form = parse(requestFormYaml(config.catalog));
    expect(form.labels).toEqual(["access-request"]);
    const fields = form.body.filter((b: any) => b.type !== "markdown");
    expect(fields.map((f: any) => [f.type, f.id, f.attributes.label])).toEqual([
      ["dropdown", "resource", "Resource"],
      ["input", "duration", "Duration"],
      ["textarea", "reason", "Reason"],
      ["input", "ticket", "Ticket"],
      ["checkboxes", "break_glass", "Break-glass"],
    ]);
    const options: string[] = fields[0].attributes.options;
    expect(options).toHaveLength(Object.keys(config.catalog.resources).length);
    expect(options).toContain("gcp-prod-viewer: View resources in the production GCP project (medium, at most 12h)");
    expect(options.map((o) => o.split(":")[0])).toEqual(Object.keys(config.catalog.resources).sort());
  });

  it("reads an issue GitHub rendered from it, a chosen option and an empty optional field included", () => {
    const body = formBody({ resource: "staging-deploy: Deploy to the staging environment (low, at most 8h)", duration: "2h", reason: "Deploy the hotfix for INC-1234 to staging" });
    expect(parseRequestForm(body)).toEqual({ kind: "ok", values: { resource: "staging-deploy", duration: "2h", reason: "Deploy the hotfix for INC-1234 to staging", breakGlass: false } });
    const glass = parseRequestForm(formBody({ resource: "infra-admins", duration: "1h", reason: "Restore admin access during outage INC-42", ticket: "INC-42", breakGlass: true }).replace(/\n/g, "\r\n"));
    expect(glass).toEqual({ kind: "ok", values: { resource: "infra-admins", duration: "1h", reason: "Restore admin access during outage INC-42", ticket: "INC-42", breakGlass: true } });
  });

  it("says what to fix in words, and an ordinary issue is not a request", () => {
    expect(parseRequestForm("The build is broken, please look")).toEqual({ kind: "not-a-form" });
    expect(parseRequestForm(formBody({ resource: "_No response_", duration: "two hours", reason: "_No response_" }))).toEqual({
      kind: "invalid",
      problems: ['Resource: "(empty)" does not name a resource; pick one from the list.', 'Duration: "two hours" should be one value such as 30m, 2h or 1d.', "Reason: say in a sentence why you need the access."],
    });
  });

  it("the file is the issue author's, whatever the text says, and the same values always give the same text", () => {
    const values = { resource: "staging-deploy", duration: "2h", reason: "requester: mallory\nDeploy the hotfix", breakGlass: false };
    const file = requestFromForm(12, "Alice", values);
    expect(file.path).toBe("access/requests/staging-deploy/alice.yaml");
    // The reason stays a string: a typed "requester:" line cannot become a field.
    expect(parse(file.text)).toEqual({ reason: "requester: mallory\nDeploy the hotfix", duration: "2h" });
    expect(requestFromForm(12, "Alice", values).text).toBe(file.text);
    expect(requestText({ duration: "1h", reason: "x", ticket: "INC-1", breakGlass: true })).toBe("reason: x\nduration: 1h\nticket: INC-1\nbreak_glass: true\nincident: INC-1\n");
  });

  it("is checked against the base rules before any pull request: an unknown resource, a cap, an unknown person", () => {
    const issue = (resource: string, duration: string, author = "alice") => readIssueRequest({ number: 12, author, title: "", url: "", body: formBody({ resource, duration, reason: "Deploy the hotfix for INC-1234 to staging" }) }, rules, NOW);
    expect(issue("staging-deploy", "2h")).toMatchObject({ kind: "ok", path: "access/requests/staging-deploy/alice.yaml" });
    expect(issue("stagin-deploy", "2h")).toEqual({ kind: "invalid", problems: ['Unknown resource "stagin-deploy": it is not in access/catalog.yaml.'] });
    expect(issue("staging-deploy", "9h")).toEqual({ kind: "invalid", problems: ["9h is over staging-deploy's cap of 8h; ask for 8h or less."] });
    expect(issue("staging-deploy", "2h", "mallory")).toEqual({ kind: "invalid", problems: ["mallory is not listed in access/identities.yaml; ask the security team to add you."] });
  });
});
