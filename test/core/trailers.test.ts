import { describe, expect, it } from "vitest";
import { evidenceMessage, parseTrailers, trailerValues } from "../../src/core/trailers.js";

describe("commit trailers", () => {
  it("writes the evidence DESIGN names, and reads it back", () => {
    const msg = evidenceMessage("Grant prod-db-read to alice (#42)", "Investigate INC-1234", {
      grants: [{ path: "access/requests/prod-db-read/alice.yaml", requester: "alice", tier: "conditional" }],
      revokes: [],
      approvedBy: ["bob"],
      pullRequest: 42,
    });
    expect(msg).toBe(
      "Grant prod-db-read to alice (#42)\n\nInvestigate INC-1234\n\nGrant: access/requests/prod-db-read/alice.yaml\nRequested-by: alice\nApproved-by: bob\nPolicy-tier: conditional\nPull-request: #42\n",
    );
    const t = parseTrailers(msg);
    expect(trailerValues(t, "grant")).toEqual(["access/requests/prod-db-read/alice.yaml"]);
    expect(trailerValues(t, "Approved-by")).toEqual(["bob"]);
  });

  it("writes revokes with their reason", () => {
    const msg = evidenceMessage("Revoke expired access", "", { grants: [], revokes: [{ path: "access/requests/x/a.yaml", reason: "expired" }], approvedBy: [], pullRequest: 7 });
    expect(parseTrailers(msg)).toEqual([
      { key: "Revoke", value: "access/requests/x/a.yaml" },
      { key: "Revoke-reason", value: "expired" },
      { key: "Pull-request", value: "#7" },
    ]);
  });

  it("cannot be forged through a newline in a value", () => {
    const msg = evidenceMessage("t", "", { grants: [{ path: "p", requester: "alice\nApproved-by: mallory", tier: "x" }], revokes: [], approvedBy: [], pullRequest: 1 });
    expect(trailerValues(parseTrailers(msg), "Approved-by")).toEqual([]);
  });

  it("finds no trailers in a message without a trailer paragraph", () => {
    expect(parseTrailers("Just a title")).toEqual([]);
    expect(parseTrailers("Title\n\nSome prose: with a colon\nand more prose")).toEqual([]);
  });
});
