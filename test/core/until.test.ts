// `until:` in a request: allowed only where the tier says so (allow_until), incident-resolved
// needs the incident it waits for, the decision says how the grant ends, and the grant's
// window carries the event for the sweep. The reading used by the webhook path, too.
import { describe, expect, it } from "vitest";
import { evaluateChange } from "../../src/core/evaluate.js";
import { grantWindow } from "../../src/core/window.js";
import { incidentLookupKey, namesIncident, untilTerms } from "../../src/core/until.js";
import { org } from "../helpers/orgs.js";

const now = new Date("2026-11-30T10:00:00Z");
const core = org("core");
const allowing = core.config({ policy: core.policy.replace(/approvals: 0\n/, "approvals: 0\n    allow_until: [incident-resolved]\n") });
const PATH = "access/requests/prod-db-read/alice.yaml";
const judge = (text: string, config = allowing) => evaluateChange({ config, changes: [{ path: PATH, change: "added", text }], author: "alice", now }).files[0]!;

describe("until: in a request", () => {
  it("is valid where the tier allows it, and the decision says how the grant ends", () => {
    expect(allowing.problems).toEqual([]);
    const f = judge("reason: Mitigate INC-1234 on the replica\nduration: 2h\nincident: INC-1234\nuntil: incident-resolved\n");
    expect(f.valid).toBe(true);
    expect(f.reasons).toContain("ends early when INC-1234 resolves in PagerDuty (until: incident-resolved)");
  });

  it("is refused where the tier does not allow it, saying which events it allows", () => {
    const f = judge("reason: Mitigate INC-1234 on the replica\nduration: 2h\nuntil: shift-end\n");
    expect(f.valid).toBe(false);
    expect(f.errors).toContainEqual({ message: 'Tier "self-service" does not allow "until: shift-end" (it allows until: incident-resolved); remove it, and the grant ends with its duration.', line: 3, column: 8 });
    const none = judge("reason: Mitigate INC-1234 on the replica\nduration: 2h\nticket: INC-1234\nuntil: incident-resolved\n", core.config());
    expect(none.errors.map((e) => e.message)).toContain('Tier "self-service" does not allow "until: incident-resolved"; remove it, and the grant ends with its duration.');
  });

  it("incident-resolved needs an incident (or ticket) to wait for; an unknown event is a schema error", () => {
    expect(judge("reason: Mitigate the replica slowness\nduration: 2h\nuntil: incident-resolved\n").errors.map((e) => e.message)).toContain(
      '"until: incident-resolved" needs the incident it waits for: add "incident: INC-1234" (a PagerDuty incident number or id).',
    );
    expect(judge("reason: Mitigate the replica slowness\nduration: 2h\nuntil: lunch\n").errors.map((e) => e.message)).toContain('"until" must be one of: incident-resolved, shift-end.');
  });

  it("the grant's window carries the event and the incident; a grant without until carries neither", () => {
    const w = grantWindow(allowing, PATH, "reason: Mitigate INC-1234 on the replica\nduration: 2h\nticket: INC-1234\nuntil: incident-resolved\n", now);
    expect(w.ok && w.grant).toMatchObject({ until: "incident-resolved", incident: "INC-1234", expiresAt: new Date("2026-11-30T12:00:00Z") });
    const plain = grantWindow(allowing, PATH, "reason: Mitigate INC-1234 on the replica\nduration: 2h\nticket: INC-1234\n", now);
    expect(plain.ok && "until" in plain.grant).toBe(false);
    expect(plain.ok && "incident" in plain.grant).toBe(false);
  });

  it("reads until and the incident from a file's text; matches an incident by id or number", () => {
    expect(untilTerms("reason: x\nincident: ' #1234 '\nticket: T-9\nuntil: incident-resolved\n")).toEqual({ until: "incident-resolved", incident: "#1234" });
    expect(untilTerms("reason: x\nuntil: shift-end\n")).toEqual({ until: "shift-end" });
    expect(untilTerms("reason: x\nuntil: later\n")).toBeNull();
    expect(untilTerms("reason: [unclosed\n")).toBeNull();
    const inc = { id: "PT4KHLK", number: 1234 };
    for (const ref of ["INC-1234", "#1234", "1234", "inc-01234", "pt4khlk"]) expect(namesIncident(ref, inc)).toBe(true);
    for (const ref of ["INC-123", "PT4KHLL"]) expect(namesIncident(ref, inc)).toBe(false);
    expect([incidentLookupKey("INC-1234"), incidentLookupKey("#0042"), incidentLookupKey("PT4KHLK")]).toEqual(["1234", "42", "PT4KHLK"]);
  });
});
