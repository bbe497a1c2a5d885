// Reading git's output and the app's trailers back, byte by byte.
import { afterEach, describe, expect, it } from "vitest";
import { CatFile } from "../../src/git/catfile.js";
import { GitCommandError } from "../../src/git/errors.js";
import { csv, csvCell, defuse } from "../../src/core/csv.js";
import { LOG_FORMAT, LogParser, streamLog } from "../../src/git/log.js";
import { prNumber, readCommitTrailers } from "../../src/core/commit-trailers.js";
import { evidenceMessage } from "../../src/core/trailers.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";

afterEach(cleanupRepos);

describe("readCommitTrailers", () => {
  it("reads back exactly what the app writes", () => {
    const msg = evidenceMessage("Grant (#42)", "Body text.", {
      grants: [{ path: "access/requests/a/alice.yaml", requester: "alice", tier: "conditional" }],
      revokes: [{ path: "access/requests/b/bob.yaml", reason: "offboarding" }],
      approvedBy: ["carol", "dave"],
      pullRequest: 42,
      breakGlass: true,
    });
    const t = readCommitTrailers(msg);
    expect([...t.grants]).toEqual(["access/requests/a/alice.yaml"]);
    expect([...t.revokes]).toEqual(["access/requests/b/bob.yaml"]);
    expect(t).toMatchObject({ requestedBy: ["alice"], approvedBy: ["carol", "dave"], tiers: ["conditional"], revokeReasons: ["offboarding"], pr: 42, breakGlass: true });
  });

  it("a message without a trailer paragraph has no evidence, even if its body mentions Grant:", () => {
    const t = readCommitTrailers("Merge branch 'x'\n\nGrant: access/requests/a/alice.yaml was discussed\nand more prose here");
    expect(t.grants.size).toBe(0);
    expect(t.pr).toBeNull();
  });

  it("pull request numbers come from #N, N or a PR URL", () => {
    expect([prNumber("#7"), prNumber("7"), prNumber("https://github.com/acme/access/pull/19"), prNumber("soon"), prNumber(undefined)]).toEqual([7, 7, 19, null, null]);
  });
});

describe("LogParser", () => {
  const US = "\x1f";
  const header = (sha: string, msg: string) => `\x1e${sha}${US}p1 p2${US}1772445600${US}1772445000${US}Ann Author${US}${msg}${US}\0\n`;
  const raw = (status: string, path: string) => `:100644 100644 ${"a".repeat(40)} ${"b".repeat(40)} ${status}\0${path}\0`;
  const stream =
    header("1".repeat(40), `Title with ${US} and \x1e inside\n\nGrant: x\n`) + raw("A", "access/requests/r/a b.yaml") + raw("M", "access/requests/r/\n.yaml") +
    header("2".repeat(40), "second\n") + raw("D", "access/requests/r/é.yaml");

  it("gives the same commits whether the bytes come at once or one at a time", () => {
    const whole = new LogParser();
    const all = [...whole.push(Buffer.from(stream)), ...whole.end()];
    const bytes = Buffer.from(stream);
    const slow = new LogParser();
    const pieces = [];
    for (let i = 0; i < bytes.length; i++) pieces.push(...slow.push(bytes.subarray(i, i + 1)));
    pieces.push(...slow.end());
    expect(pieces).toEqual(all);
    expect(all).toHaveLength(2);
    expect(all[0]).toMatchObject({
      sha: "1".repeat(40),
      parents: ["p1", "p2"],
      committedAt: new Date(1772445600 * 1000),
      authoredAt: new Date(1772445000 * 1000),
      author: "Ann Author",
      message: `Title with ${US} and \x1e inside\n\nGrant: x\n`,
    });
    expect(all[0]!.entries.map((e) => [e.status, e.path])).toEqual([["A", "access/requests/r/a b.yaml"], ["M", "access/requests/r/\n.yaml"]]);
    expect(all[1]!.entries).toEqual([{ status: "D", path: "access/requests/r/é.yaml", oldBlob: "a".repeat(40), newBlob: "b".repeat(40) }]);
  });

  it("refuses output it does not understand instead of guessing", () => {
    expect(() => new LogParser().push(Buffer.from("garbage\0"))).toThrow(/expected a commit header/);
  });

  it("the format puts %B between fixed fields so a message cannot shift them", () => {
    expect(LOG_FORMAT).toBe("\x1e%H\x1f%P\x1f%ct\x1f%at\x1f%an\x1f%B\x1f");
  });
});

describe("streamLog and CatFile on a real repository", () => {
  it("streams first-parent commits oldest first, a merge with its first-parent diff, odd file names intact", async () => {
    const repo = await makeRepo();
    await repo.write("access/catalog.yaml", "resources: {}\n");
    const first = await repo.commit("config", { date: "2026-03-02T09:00:00Z" });
    await repo.branch("topic");
    await repo.write("access/requests/r/a b é.yaml", "reason: x\n");
    await repo.write("elsewhere.txt", "not in the pathspec\n");
    await repo.commit("on a branch", { date: "2026-03-02T09:30:00Z", author: "dave" });
    await repo.checkout("main");
    const merge = await repo.merge("topic", { date: "2026-03-02T10:00:00Z", author: "carol" });
    const commits = [];
    for await (const batch of streamLog({ dir: repo.dir, head: "HEAD", paths: ["access"] })) commits.push(...batch);
    expect(commits.map((c) => c.sha)).toEqual([first, merge]);
    expect(commits[1]!.parents).toHaveLength(2);
    expect(commits[1]!.author).toBe("carol");
    expect(commits[1]!.entries.map((e) => [e.status, e.path])).toEqual([["A", "access/requests/r/a b é.yaml"]]);

    const cat = new CatFile({ dir: repo.dir });
    try {
      const blob = commits[1]!.entries[0]!.newBlob;
      // Many reads in flight at once come back in order.
      const texts = await Promise.all([cat.read(blob), cat.read("0".repeat(40)), cat.read(commits[0]!.entries[0]!.newBlob), cat.read(blob)]);
      expect(texts).toEqual(["reason: x\n", null, "resources: {}\n", "reason: x\n"]);
      await expect(cat.read("--batch")).rejects.toThrow('not an object id: "--batch"');
    } finally {
      cat.close();
    }
  });

  it("a bad ref is git's error, not an empty audit", async () => {
    const repo = await makeRepo();
    await repo.write("a", "a\n");
    await repo.commit("a");
    const run = async () => {
      for await (const _ of streamLog({ dir: repo.dir, head: "no-such-ref", paths: ["access"] })) void _;
    };
    const error = await run().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).exitCode).toBe(128);
    expect((error as GitCommandError).message).toMatch(/^git log -z .* no-such-ref .*failed \(exit 128\): fatal: bad revision 'no-such-ref'/);
  });
});

describe("CSV", () => {
  it("quotes per RFC 4180 and ends lines with CRLF", () => {
    expect(csv(["a", "b"], [["plain", 'say "hi", then\nleave']])).toBe('a,b\r\nplain,"say ""hi"", then\nleave"\r\n');
  });

  it("defuses cells a spreadsheet would run as a formula", () => {
    expect(["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "safe", "2026-03-02T10:00:00Z"].map(defuse)).toEqual([
      "'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "safe", "2026-03-02T10:00:00Z",
    ]);
    expect(csvCell('=cmd|" /C calc"!A0')).toBe(`"'=cmd|"" /C calc""!A0"`);
  });
});
