import { describe, expect, it } from "vitest";
import { grantRefFor, grantWindow } from "../../src/core/window.js";
import { org } from "../helpers/orgs.js";

const config = org("core").config();
const landed = new Date("2026-11-30T10:00:07.500Z");

describe("the grant window of a landed request", () => {
  it("starts at landing and ends after the duration, to the second", () => {
    const w = grantWindow(config, "access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 2h\n", landed);
    expect(w.ok && w.grant).toMatchObject({ login: "alice", principal: "alice", startsAt: new Date("2026-11-30T10:00:07Z"), expiresAt: new Date("2026-11-30T12:00:07Z") });
  });

  it("waits for a later starts_at", () => {
    const w = grantWindow(config, "access/requests/prod-db-read/alice.yaml", "reason: Investigate the slow replica\nduration: 1h\nstarts_at: 2026-12-01T08:00:00Z\n", landed);
    expect(w.ok && [w.grant.startsAt.toISOString(), w.grant.expiresAt.toISOString()]).toEqual(["2026-12-01T08:00:00.000Z", "2026-12-01T09:00:00.000Z"]);
  });

  it("caps a file that bypassed the check (hand merge) and says so", () => {
    const w = grantWindow(config, "access/requests/prod-db-admin/alice.yaml", "reason: Rotate the admin credentials\nduration: 4h\nticket: X-1\n", landed);
    expect(w.ok).toBe(true);
    if (w.ok) {
      expect(w.grant.expiresAt.toISOString()).toBe("2026-11-30T12:00:07.000Z");
      expect(w.capped).toBe('shortened to tier "escalated"\'s max_duration of 2h');
    }
  });

  it("explains a window it cannot compute", () => {
    const w = grantWindow(config, "access/requests/prod-db-read/carol.yaml", "reason: Investigate the slow replica\nduration: 2h\n", landed);
    expect(w).toEqual({ ok: false, path: "access/requests/prod-db-read/carol.yaml", reason: expect.stringMatching(/no "aws" identity/) });
  });

  it("finds the principal to revoke from the path alone", () => {
    expect(grantRefFor(config, "access/requests/gcp-viewer/bob.yaml")).toMatchObject({ ok: true, ref: { login: "bob", principal: "user:bob@acme.com", resource: { id: "gcp-viewer" } } });
    expect(grantRefFor(config, "access/requests/gone/bob.yaml")).toMatchObject({ ok: false, reason: 'resource "gone" is no longer in the catalog' });
  });
});
