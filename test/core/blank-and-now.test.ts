// Blank values are missing, unreadable bytes make a file invalid, break-glass means now,
// and a condition approves only a window that starts about now.
import { describe, expect, it } from "vitest";
import { evaluateChange } from "../../src/core/evaluate.js";
import { isBlank, visibleText } from "../../src/core/blank.js";
import { org, type Org } from "../helpers/orgs.js";

const orgTexts = org("core");
const orgConfig = (overrides?: Parameters<Org["config"]>[0]) => orgTexts.config(overrides);
import { BLANKS } from "../helpers/hostile.js";

const now = new Date("2026-11-30T10:00:00Z");
const config = orgConfig();
function judge(path: string, text: string, opts: { author?: string; incident?: boolean; cfg?: typeof config } = {}) {
  return evaluateChange({
    config: opts.cfg ?? config,
    changes: [{ path, change: "added", text }],
    author: opts.author ?? "alice",
    now,
    signals: opts.incident ? { requesters: { alice: { teams: ["acme/oncall"], org_member: true } }, incident: { open: true } } : {},
  }).files[0]!;
}
const msgs = (f: { errors: Array<{ message: string }> }) => f.errors.map((e) => e.message);
const yamlString = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar

describe("blank is not a value", () => {
  it("knows what a reader cannot see", () => {
    for (const b of BLANKS) expect(isBlank(b), JSON.stringify(b)).toBe(true);
    expect(isBlank("INC-1")).toBe(false);
    expect(visibleText("a\u200Bb\uFEFFc")).toBe("abc");
  });

  for (const b of BLANKS) {
    it(`a reason of ${JSON.stringify(b)} is missing, with a message saying so`, () => {
      const f = judge("access/requests/staging/alice.yaml", `reason: ${yamlString(b.padEnd(12, b.charAt(0) || " "))}\nduration: 1h\n`);
      expect(f.valid).toBe(false);
      expect(msgs(f)).toContain('"reason" is blank: it holds only spaces or invisible characters, so it counts as missing.');
    });

    it(`a ticket of ${JSON.stringify(b)} does not meet a tier's require: [ticket]`, () => {
      const f = judge("access/requests/prod-db-admin/alice.yaml", `reason: Rotate the admin credentials\nduration: 1h\nticket: ${yamlString(b || " ")}\n`);
      expect(f.valid).toBe(false);
      expect(msgs(f)).toContain('"ticket" is blank: it holds only spaces or invisible characters, so it counts as missing.');
      expect(msgs(f)).toContain('Tier "escalated" requires a ticket: add "ticket: ..." (e.g. INC-1234).');
    });

    it(`an incident of ${JSON.stringify(b)} is no break-glass reference`, () => {
      const f = judge("access/requests/root/alice.yaml", `reason: Production is down, need tenant admin\nduration: 30m\nbreak_glass: true\nincident: ${yamlString(b || " ")}\n`);
      expect(f.valid).toBe(false);
      expect(f.approvals_required).toBe(0);
      expect(msgs(f)).toContain('"incident" is blank: it holds only spaces or invisible characters, so it counts as missing.');
      expect(msgs(f)).toContain('break_glass needs an incident reference: add "incident: INC-1234".');
    });
  }

  it("a reason padded to length with invisible characters is too short", () => {
    const f = judge("access/requests/staging/alice.yaml", `reason: ${yamlString("fix\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B")}\nduration: 1h\n`);
    expect(msgs(f)).toEqual(['"reason" is too short: say in a sentence why you need the access (at least 10 visible characters).']);
  });

  it("a blank ticket does not lower the risk score as if there were one", () => {
    const f = judge("access/requests/staging/alice.yaml", `reason: Deploy the release candidate\nduration: 1h\nticket: "\u200B"\n`);
    expect(f.reasons.join(" ")).toMatch(/no ticket \+10/);
  });
});

describe("bytes that are not text make a file invalid", () => {
  it("a NUL byte in a request file is an error at its line", () => {
    const f = judge("access/requests/staging/alice.yaml", "reason: Deploy the release candidate\nduration: 1h\0\n");
    expect(f.valid).toBe(false);
    expect(f.errors).toEqual([{ message: "The request file holds a NUL byte; it must be plain UTF-8 text.", line: 2, column: 13 }]);
  });

  it("bytes that were not UTF-8 (decoded as U+FFFD) are an error, never read as text", () => {
    const text = new TextDecoder().decode(Buffer.from("reason: Deploy the release \xff\xfe candidate\nduration: 1h\n", "latin1"));
    const f = judge("access/requests/staging/alice.yaml", text);
    expect(f.valid).toBe(false);
    expect(msgs(f)).toEqual(["The request file holds bytes that are not UTF-8 (or a U+FFFD replacement character); it must be plain UTF-8 text."]);
  });

  it("a NUL byte in a config file breaks the config, so every request is refused", () => {
    const cfg = orgConfig({ identities: `${orgTexts.identities}\0` });
    expect(cfg.problems.map((p) => p.message)).toEqual(["The access/identities.yaml holds a NUL byte; it must be plain UTF-8 text."]);
    expect(judge("access/requests/staging/alice.yaml", "reason: Deploy the release candidate\nduration: 1h\n", { cfg }).valid).toBe(false);
  });
});

describe("break-glass means now", () => {
  it("refuses a starts_at in a break-glass request", () => {
    const f = judge("access/requests/root/alice.yaml", "reason: Production is down, need tenant admin\nduration: 30m\nbreak_glass: true\nincident: INC-7\nstarts_at: 2026-11-30T10:00:00Z\n");
    expect(f.valid).toBe(false);
    expect(f.errors).toContainEqual({ message: 'break-glass access starts at once: remove "starts_at" (a later start is an ordinary request, with its tier\'s approvals).', line: 5, column: 12 });
  });

  it("accepts break-glass with a visible incident and no starts_at", () => {
    const f = judge("access/requests/root/alice.yaml", "reason: Production is down, need tenant admin\nduration: 30m\nbreak_glass: true\nincident: INC-7\nticket: INC-7\n");
    expect(f.errors).toEqual([]);
    expect(f).toMatchObject({ valid: true, break_glass: true, approvals_required: 0 });
  });
});

describe("a condition approves a window that starts now", () => {
  const gcp = (startsAt?: string) => `reason: Look at the production dashboards\nduration: 2h\n${startsAt ? `starts_at: ${startsAt}\n` : ""}`;

  it("auto-approves a request starting now, or within the default 15m", () => {
    expect(judge("access/requests/gcp-viewer/alice.yaml", gcp(), { incident: true })).toMatchObject({ valid: true, approvals_required: 0 });
    expect(judge("access/requests/gcp-viewer/alice.yaml", gcp("2026-11-30T10:15:00Z"), { incident: true })).toMatchObject({ valid: true, approvals_required: 0 });
  });

  it("needs the tier's approvals for a later start, and says why", () => {
    const f = judge("access/requests/gcp-viewer/alice.yaml", gcp("2026-11-30T10:15:01Z"), { incident: true });
    expect(f).toMatchObject({ valid: true, tier: "conditional", approvals_required: 1 });
    expect(f.reasons).toContain(
      "auto_approve_if holds now, but it judges this moment's signals and this request starts in 15m1s, more than settings.conditional_start_leeway (15m) from now, so it needs the tier's approvals",
    );
  });

  it("follows settings.conditional_start_leeway", () => {
    const cfg = orgConfig({ policy: orgTexts.policy.replace("  timezone: Europe/Berlin\n", "  timezone: Europe/Berlin\n  conditional_start_leeway: 2h\n") });
    expect(cfg.problems).toEqual([]);
    expect(judge("access/requests/gcp-viewer/alice.yaml", gcp("2026-11-30T11:30:00Z"), { incident: true, cfg })).toMatchObject({ approvals_required: 0 });
    expect(judge("access/requests/gcp-viewer/alice.yaml", gcp("2026-11-30T12:30:00Z"), { incident: true, cfg })).toMatchObject({ approvals_required: 1 });
  });

  it("refuses a leeway that is not a duration", () => {
    const cfg = orgConfig({ policy: orgTexts.policy.replace("  timezone: Europe/Berlin\n", "  timezone: Europe/Berlin\n  conditional_start_leeway: soon\n") });
    expect(cfg.problems.map((p) => p.message).join(" ")).toMatch(/conditional_start_leeway/);
  });
});
