import { describe, expect, it } from "vitest";
import { creatorOf, judge, justification, madeForResource } from "../../src/providers/entra-pim.js";

const PATH = "access/requests/prod-admins/alice.yaml";
const timed = (createdUsing: string | null, extra = {}) => ({
  id: "g_member_r1",
  principalId: "p",
  accessId: "member",
  createdUsing,
  memberType: "direct",
  assignmentType: "assigned",
  scheduleInfo: { expiration: { type: "afterDateTime", endDateTime: "2026-03-02T14:30:00Z" } },
  ...extra,
});

describe("whose PIM assignment it is", () => {
  it("a long reason is cut so the marker always survives PIM's 500 characters", () => {
    const text = justification("x".repeat(600), PATH);
    expect(text).toHaveLength(500);
    expect(text.endsWith(` (gitgrant ${PATH})`)).toBe(true);
  });

  it("the creating request is the one createdUsing names, else the first assign aimed at the schedule", () => {
    const requests = [
      { id: "r2", action: "adminUpdate", targetScheduleId: "g_member_r1", createdDateTime: "2026-03-02T11:00:00Z" },
      { id: "r1", action: "adminAssign", targetScheduleId: "g_member_r1", createdDateTime: "2026-03-02T10:00:00Z" },
    ];
    expect(creatorOf(timed("r2"), requests)?.id).toBe("r2");
    expect(creatorOf(timed(null), requests)?.id).toBe("r1");
    expect(creatorOf(timed("gone"), [])).toBeUndefined();
  });

  it("own only with this request file's marker; a later update by someone else does not change the creator", () => {
    const requests = [
      { id: "r1", action: "adminAssign", justification: `Investigate (gitgrant ${PATH})` },
      { id: "r9", action: "adminUpdate", justification: "extended by an admin", targetScheduleId: "g_member_r1" },
    ];
    expect(judge(timed("r1"), requests, PATH).kind).toBe("own");
    expect(judge(timed("r1"), requests, "access/requests/prod-admins/bob.yaml")).toMatchObject({ kind: "standing", why: `made by gitgrant for another request, ${PATH}` });
    expect(judge(timed("r1", { scheduleInfo: { expiration: { type: "noExpiration", endDateTime: null } } }), requests, PATH)).toMatchObject({ kind: "standing", why: "a permanent assignment" });
    expect(judge(timed("gone"), requests, PATH).kind).toBe("unknown");
  });

  it("list marks a schedule managed when gitgrant made it for any request of the resource", () => {
    const requests = [{ id: "r1", justification: `Investigate (gitgrant ${PATH})` }];
    expect(madeForResource(timed("r1"), requests, "prod-admins")).toBe(true);
    expect(madeForResource(timed("r1"), requests, "prod")).toBe(false);
    expect(madeForResource(timed("r1", { assignmentType: "activated" }), requests, "prod-admins")).toBe(false);
  });
});
