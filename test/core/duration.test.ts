import { describe, expect, it } from "vitest";
import { DurationError, formatDuration, parseDuration } from "../../src/core/duration.js";

describe("durations", () => {
  it.each([
    ["30m", 30 * 60_000],
    ["2h", 2 * 3_600_000],
    ["1d", 86_400_000],
    ["1h30m", 90 * 60_000],
    ["1w", 7 * 86_400_000],
    ["45s", 45_000],
    ["PT2H", 2 * 3_600_000],
    ["PT30M", 30 * 60_000],
    ["P1DT4H", 28 * 3_600_000],
    ["P2D", 2 * 86_400_000],
    ["P1W", 7 * 86_400_000],
  ])("%s is %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "2", "h", "2 hours", "P1M", "P1Y", "PT", "P", "-2h", "2.5h", "0h", "P0D"])("refuses %j with a message that shows the forms", (text) => {
    expect(() => parseDuration(text)).toThrow(DurationError);
  });

  it("explains what a duration looks like", () => {
    expect(() => parseDuration("2 hours")).toThrow(/write it like 30m, 2h, 1d, 1h30m or ISO 8601 PT2H/);
    expect(() => parseDuration("0h")).toThrow(/is zero/);
    expect(() => parseDuration("99999d")).toThrow(/longer than ten years/);
  });

  it("formats compactly", () => {
    expect(formatDuration(90 * 60_000)).toBe("1h30m");
    expect(formatDuration(2 * 86_400_000)).toBe("2d");
    expect(formatDuration(0)).toBe("0s");
  });
});
