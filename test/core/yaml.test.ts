import { describe, expect, it } from "vitest";
import { MAX_REQUEST_BYTES, parseYaml } from "../../src/core/yaml.js";

const opts = { maxBytes: MAX_REQUEST_BYTES, what: "request file" };

describe("parsing request files defensively", () => {
  it("reads a plain mapping", () => {
    const r = parseYaml("reason: Investigate the slow replica\nduration: 2h\n", opts);
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual({ reason: "Investigate the slow replica", duration: "2h" });
  });

  it("points a syntax error at its line and column", () => {
    const r = parseYaml("reason: fine words here\nduration: [2h\n", opts);
    expect(r.value).toBeNull();
    expect(r.errors[0]!.message).toMatch(/^YAML syntax error/);
    expect(r.errors[0]!.line).toBe(3);
  });

  it("points a mis-indented key at the value it was swallowed into", () => {
    const r = parseYaml("reason: words\n  duration: 2h\nticket: x\n", opts);
    expect(r.errors[0]).toMatchObject({ line: 1, column: 9, message: expect.stringMatching(/^YAML syntax error/) });
  });

  it("refuses an alias bomb without expanding it", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [*${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}, *${String.fromCharCode(96 + i)}]`);
    const r = parseYaml(bomb.join("\n"), opts);
    expect(r.value).toBeNull();
    expect(r.errors.some((e) => /aliases \(\*a\) are not allowed/.test(e.message) && e.line === 2)).toBe(true);
    expect(r.errors.some((e) => /anchors \(&a\) are not allowed/.test(e.message) && e.line === 1)).toBe(true);
  });

  it("refuses a file over the size limit before parsing it", () => {
    const r = parseYaml(`reason: ${"x".repeat(MAX_REQUEST_BYTES)}\n`, opts);
    expect(r.errors).toEqual([{ message: expect.stringMatching(/the limit is 16384 bytes/), line: 1, column: 1 }]);
  });

  it("refuses duplicate keys, naming the key and line", () => {
    const r = parseYaml("reason: one good reason\nduration: 2h\nduration: 8h\n", opts);
    expect(r.value).toBeNull();
    expect(r.errors[0]).toMatchObject({ line: 3, message: expect.stringMatching(/unique|duplicate/i) });
    expect(r.errors[0]!.message).toMatch(/each field may appear once/);
  });

  it.each([
    ["a list", "- reason\n- duration\n", /holds a list/],
    ["a single value", "just a string\n", /holds a single value/],
    ["nothing", "# only a comment\n", /empty/],
    ["an empty file", "", /empty/],
  ])("refuses a document that is %s", (_name, text, message) => {
    const r = parseYaml(text, opts);
    expect(r.value).toBeNull();
    expect(r.errors[0]!.message).toMatch(message);
  });

  it("refuses several documents in one file, pointing at the second", () => {
    const r = parseYaml("reason: first one here\n---\nreason: second\n", opts);
    expect(r.value).toBeNull();
    expect(r.errors[0]).toMatchObject({ message: expect.stringMatching(/2 YAML documents/), line: 2 });
  });

  it("refuses custom tags", () => {
    const r = parseYaml("reason: !!js/function 'function () {}'\nduration: 2h\n", opts);
    expect(r.value).toBeNull();
    expect(r.errors[0]!.line).toBe(1);
  });

  it("refuses keys that are not plain names", () => {
    const r = parseYaml("? [a, b]\n: value\n", opts);
    expect(r.value).toBeNull();
    expect(r.errors.length).toBeGreaterThan(0);
  });

  it("locates keys and values for later errors", () => {
    const r = parseYaml("reason: words words words\nticket: INC-1\nduration: 2x\n", opts);
    expect(r.locate(["duration"])).toEqual({ line: 3, column: 11 });
    expect(r.locate(["duration"], "key")).toEqual({ line: 3, column: 1 });
    // A missing field points at the mapping that should hold it.
    expect(r.locate(["nope"])).toEqual({ line: 1, column: 1 });
  });
});

describe("parsing stays linear on hostile text", () => {
  it("answers quickly for a long run of blank lines and comments followed by junk", () => {
    // A backtracking "is it only comments?" regex would take exponential time here.
    const text = "\n \n#c\n".repeat(2000) + "x";
    const r = parseYaml(text, opts);
    expect(r.errors[0]!.message).toMatch(/holds a single value/);
  });

  it("finds the line of an error deep in a file", () => {
    const text = "reason: a perfectly fine reason\n" + "# note\n".repeat(100) + "duration: [\n";
    expect(parseYaml(text, opts).errors[0]!.line).toBeGreaterThanOrEqual(102);
  });
});
