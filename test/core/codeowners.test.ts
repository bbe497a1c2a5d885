import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CODEOWNERS_LOCATIONS,
  CODEOWNERS_MAX_BYTES,
  isOwner,
  ownerEntryFor,
  ownersOf,
  parseCodeowners,
  pickCodeowners,
} from "../../src/core/codeowners.js";

const docsExample = readFileSync(new URL("../fixtures/codeowners/github-docs-example", import.meta.url), "utf8");

/** Owners of `path` under `text`, with the deciding line. */
function own(text: string, path: string): { owners: string[]; line: number | null } {
  const { owners, line } = ownersOf(parseCodeowners(text), path);
  return { owners, line };
}
function owners(text: string, path: string): string[] {
  return own(text, path).owners;
}

describe("the example file on GitHub's 'About code owners' page, as a whole", () => {
  const co = parseCodeowners(docsExample);

  it("parses every rule with its line number and reports no errors", () => {
    expect(co.errors).toEqual([]);
    expect(co.rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [8, "*", ["@global-owner1", "@global-owner2"]],
      [14, "*.js", ["@js-owner"]],
      [19, "*.go", ["docs@example.com"]],
      [25, "*.txt", ["@octo-org/octocats"]],
      [30, "/build/logs/", ["@doctocat"]],
      [35, "docs/*", ["docs@example.com"]],
      [39, "apps/", ["@octocat"]],
      [44, "/docs/", ["@doctocat"]],
      [48, "/scripts/", ["@doctocat", "@octocat"]],
      [53, "**/logs", ["@octocat"]],
      [58, "/apps/", ["@octocat"]],
      [59, "/apps/github", []],
      [64, "/apps/", ["@octocat"]],
      [65, "/apps/github", ["@doctocat"]],
    ]);
  });

  it.each([
    ["README.md", ["@global-owner1", "@global-owner2"], 8],
    ["src/index.ts", ["@global-owner1", "@global-owner2"], 8],
    ["src/app.js", ["@js-owner"], 14],
    ["cmd/main.go", ["docs@example.com"], 19],
    ["notes/todo.txt", ["@octo-org/octocats"], 25],
    // /build/logs/ (line 30) matches, but **/logs (line 53) comes later and wins.
    ["build/logs/today.log", ["@octocat"], 53],
    ["build/output.bin", ["@global-owner1", "@global-owner2"], 8],
    // docs/* (line 35) matches, /docs/ (line 44) comes later and wins.
    ["docs/getting-started.md", ["@doctocat"], 44],
    ["docs/build-app/troubleshooting.md", ["@doctocat"], 44],
    ["packages/apps/web.rb", ["@octocat"], 39],
    ["scripts/deploy.sh", ["@doctocat", "@octocat"], 48],
    ["scripts/logs/run.log", ["@octocat"], 53],
    ["deeply/nested/logs/a.log", ["@octocat"], 53],
    ["apps/web.rb", ["@octocat"], 64],
    ["apps/github/hook.rb", ["@doctocat"], 65],
  ])("%s is owned by %j (line %i)", (path, expected, line) => {
    expect(ownersOf(co, path)).toEqual({ owners: expected, line, pattern: co.rules.find((r) => r.line === line)!.pattern });
  });
});

describe("each example rule of the documentation, on its own after a default owner", () => {
  const withDefault = (rule: string) => `* @default\n${rule}`;

  it("*.js: 'only @js-owner and not the global owner(s)' for JS files, at any depth", () => {
    const t = withDefault("*.js    @js-owner #This is an inline comment.");
    expect(own(t, "app.js")).toEqual({ owners: ["@js-owner"], line: 2 });
    expect(owners(t, "src/deep/app.js")).toEqual(["@js-owner"]);
    expect(owners(t, "app.jsx")).toEqual(["@default"]);
    expect(owners(t, "app.js.map")).toEqual(["@default"]);
    expect(owners(t, "README.md")).toEqual(["@default"]);
  });

  it("*.go with an email owner and *.txt with a team owner", () => {
    expect(owners(withDefault("*.go docs@example.com"), "a/b/main.go")).toEqual(["docs@example.com"]);
    expect(owners(withDefault("*.txt @octo-org/octocats"), "notes.txt")).toEqual(["@octo-org/octocats"]);
    expect(owners(withDefault("*.txt @octo-org/octocats"), "notes.txt.bak")).toEqual(["@default"]);
  });

  it("/build/logs/: files in build/logs at the root and any of its subdirectories", () => {
    const t = withDefault("/build/logs/ @doctocat");
    expect(owners(t, "build/logs/a.log")).toEqual(["@doctocat"]);
    expect(owners(t, "build/logs/2024/01/a.log")).toEqual(["@doctocat"]);
    expect(owners(t, "other/build/logs/a.log")).toEqual(["@default"]);
    expect(owners(t, "build/logs")).toEqual(["@default"]);
    expect(owners(t, "build/logsarchive/a.log")).toEqual(["@default"]);
  });

  it("docs/*: docs/getting-started.md but not docs/build-app/troubleshooting.md", () => {
    const t = withDefault("docs/*  docs@example.com");
    expect(own(t, "docs/getting-started.md")).toEqual({ owners: ["docs@example.com"], line: 2 });
    expect(own(t, "docs/build-app/troubleshooting.md")).toEqual({ owners: ["@default"], line: 1 });
    // A slash in the middle anchors the pattern to the root, as in gitignore.
    expect(owners(t, "site/docs/getting-started.md")).toEqual(["@default"]);
  });

  it("apps/: any file in an apps directory anywhere in the repository", () => {
    const t = withDefault("apps/ @octocat");
    expect(owners(t, "apps/web.rb")).toEqual(["@octocat"]);
    expect(owners(t, "packages/apps/deep/web.rb")).toEqual(["@octocat"]);
    expect(owners(t, "apps")).toEqual(["@default"]);
    expect(owners(t, "myapps/web.rb")).toEqual(["@default"]);
  });

  it("/docs/: any file in /docs at the root and any of its subdirectories", () => {
    const t = withDefault("/docs/ @doctocat");
    expect(owners(t, "docs/index.md")).toEqual(["@doctocat"]);
    expect(owners(t, "docs/a/b/c.md")).toEqual(["@doctocat"]);
    expect(owners(t, "site/docs/index.md")).toEqual(["@default"]);
  });

  it("/scripts/: approval from @doctocat or @octocat, root only", () => {
    const t = withDefault("/scripts/ @doctocat @octocat");
    expect(owners(t, "scripts/deploy.sh")).toEqual(["@doctocat", "@octocat"]);
    expect(owners(t, "tools/scripts/deploy.sh")).toEqual(["@default"]);
  });

  it("**/logs: files in /build/logs, /scripts/logs and /deeply/nested/logs", () => {
    const t = withDefault("**/logs @octocat");
    for (const path of ["build/logs/a", "scripts/logs/a", "deeply/nested/logs/a", "logs/a", "logs"]) {
      expect(owners(t, path)).toEqual(["@octocat"]);
    }
    expect(owners(t, "catalogs/a")).toEqual(["@default"]);
    expect(owners(t, "build/logsx/a")).toEqual(["@default"]);
  });

  it("/apps/ then /apps/github with no owners: apps/github is unowned, the rest of apps is not", () => {
    const t = withDefault("/apps/ @octocat\n/apps/github");
    expect(own(t, "apps/web.rb")).toEqual({ owners: ["@octocat"], line: 2 });
    expect(own(t, "apps/github/hook.rb")).toEqual({ owners: [], line: 3 });
    expect(own(t, "apps/github")).toEqual({ owners: [], line: 3 });
    expect(own(t, "apps/githubber/x.rb")).toEqual({ owners: ["@octocat"], line: 2 });
  });

  it("/apps/ then /apps/github @doctocat: the subdirectory has its own owner", () => {
    const t = withDefault("/apps/ @octocat\n/apps/github @doctocat");
    expect(owners(t, "apps/github/hook.rb")).toEqual(["@doctocat"]);
    expect(owners(t, "apps/web.rb")).toEqual(["@octocat"]);
  });
});

describe("gitignore pattern semantics", () => {
  const cases: Array<[string, Record<string, boolean>]> = [
    ["*", { "a": true, "a/b/c.txt": true, ".github/CODEOWNERS": true }],
    ["**", { "a": true, "a/b": true }],
    ["/*", { "README.md": true, "src/index.ts": false }],
    ["Makefile", { "Makefile": true, "lib/Makefile": true, "Makefile.am": false, "lib/Makefile/x": true }],
    ["/Makefile", { "Makefile": true, "lib/Makefile": false }],
    // A slash in the middle anchors (gitignore: "doc/frotz/ matches doc/frotz but not a/doc/frotz").
    ["build/logs/", { "build/logs/a": true, "build/logs/a/b": true, "x/build/logs/a": false, "build/logs": false }],
    ["access/requests/prod-db", { "access/requests/prod-db/alice.yaml": true, "access/requests/prod-db-read/a.yaml": false }],
    ["access/requests/*/", { "access/requests/prod-db/alice.yaml": true, "access/requests/x.yaml": false }],
    ["f?o", { "foo": true, "fo": false, "fooo": false, "f/o": false }],
    ["f*", { "foo": true, "x/foo/bar": true, "bar": false }],
    ["docs/*.md", { "docs/a.md": true, "docs/a/b.md": false, "docs/a.mdx": false }],
    ["src/**/test", { "src/test": true, "src/a/test": true, "src/a/b/test/x.ts": true, "x/src/test": false }],
    ["src/**", { "src/a": true, "src/a/b": true, "src": false }],
    ["/src/**/*.ts", { "src/a.ts": true, "src/a/b/c.ts": true, "src/a.js": false }],
    ["f\\*o", { "f*o": true, "foo": false }],
    ["path\\ with\\ spaces/", { "path with spaces/a": true, "path/a": false }],
    ["a.b", { "a.b": true, "axb": false }],
    ["/Docs/", { "Docs/a": true, "docs/a": false }],
    ["*.MD", { "README.MD": true, "README.md": false }],
  ];
  it.each(cases)("%s", (pattern, paths) => {
    const co = parseCodeowners(`${pattern} @o`);
    expect(co.errors).toEqual([]);
    const got = Object.fromEntries(Object.keys(paths).map((p) => [p, ownersOf(co, p).line === 1]));
    expect(got).toEqual(paths);
  });

  it("accepts a path given with a leading slash", () => {
    expect(owners("/apps/ @octocat", "/apps/web.rb")).toEqual(["@octocat"]);
  });
});

describe("precedence and unowned paths", () => {
  it("the last matching rule wins, even when an earlier one is more specific", () => {
    const t = "/apps/github/ @doctocat\n/apps/ @octocat";
    expect(own(t, "apps/github/hook.rb")).toEqual({ owners: ["@octocat"], line: 2 });
  });

  it("owners on separate lines for the same pattern: only the last line counts", () => {
    expect(owners("*.js @a\n*.js @b", "x.js")).toEqual(["@b"]);
  });

  it("a path no rule matches has no owners and no line", () => {
    expect(ownersOf(parseCodeowners("/apps/ @octocat"), "lib/x.ts")).toEqual({ owners: [], line: null, pattern: null });
    expect(ownersOf(parseCodeowners(""), "lib/x.ts")).toEqual({ owners: [], line: null, pattern: null });
  });
});

describe("comments, blanks and line endings", () => {
  it("skips comment and blank lines, strips inline comments, keeps # inside a pattern", () => {
    const co = parseCodeowners("# top\n\n   # indented comment\n\t\n*.js @a # owner @b is only in a comment\n*.ts @c #@d\nfoo#bar @e\n");
    expect(co.errors).toEqual([]);
    expect(co.rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [5, "*.js", ["@a"]],
      [6, "*.ts", ["@c"]],
      [7, "foo#bar", ["@e"]],
    ]);
  });

  it("reads CRLF files with the same line numbers and no stray carriage returns", () => {
    const co = parseCodeowners("# c\r\n*.js @a\r\n/apps/ @b @c\r\n");
    expect(co.rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [2, "*.js", ["@a"]],
      [3, "/apps/", ["@b", "@c"]],
    ]);
  });

  it("separates owners by tabs as well as spaces", () => {
    expect(owners("*\t@a\t\t@b", "x")).toEqual(["@a", "@b"]);
  });
});

describe("invalid lines are reported with their line number and skipped, as GitHub does", () => {
  const text = [
    "* @default", // 1
    "!secret.txt @a", // 2
    "[Mm]akefile @b", // 3
    "\\#notes.md @c", // 4
    "docs/ alice", // 5
    "docs/ @bad!name", // 6
    "lib/*** @d", // 7
    "/ @e", // 8
    "src/ @ok @acme/platform-team ops@acme.example", // 9
  ].join("\n");
  const co = parseCodeowners(text);

  it("lists every invalid line with a message a person understands", () => {
    expect(co.errors).toEqual([
      { line: 2, message: 'Pattern "!secret.txt" starts with "!", but GitHub CODEOWNERS cannot negate a pattern; give the paths an owner-less line instead. GitHub skips this line.' },
      { line: 3, message: 'Pattern "[Mm]akefile" uses "[ ]", but GitHub CODEOWNERS does not support character ranges; list each path instead. GitHub skips this line.' },
      { line: 4, message: 'Pattern "\\#notes.md" escapes a leading "#" with "\\", which GitHub CODEOWNERS does not support. GitHub skips this line.' },
      { line: 5, message: 'Owner "alice" is not a GitHub user (@login), a team (@org/team) or an email address. GitHub skips this line.' },
      { line: 6, message: 'Owner "@bad!name" is not a GitHub user (@login), a team (@org/team) or an email address. GitHub skips this line.' },
      { line: 7, message: 'Pattern "lib/***" has "***", which is not a valid wildcard (use "*" or "**"). GitHub skips this line.' },
      { line: 8, message: 'Pattern "/" names no file (it is only a slash); use * for every file. GitHub skips this line.' },
    ]);
  });

  it("keeps the valid lines, so skipped lines leave earlier owners in force", () => {
    expect(co.rules.map((r) => r.line)).toEqual([1, 9]);
    expect(ownersOf(co, "secret.txt")).toEqual({ owners: ["@default"], line: 1, pattern: "*" });
    expect(owners(text, "Makefile")).toEqual(["@default"]);
    expect(owners(text, "docs/x.md")).toEqual(["@default"]);
    expect(owners(text, "src/a.ts")).toEqual(["@ok", "@acme/platform-team", "ops@acme.example"]);
  });

  it("does not load a file of 3 MB or more, as GitHub does not", () => {
    const big = "* @a\n" + "#".repeat(CODEOWNERS_MAX_BYTES);
    expect(parseCodeowners(big)).toEqual({
      rules: [],
      errors: [{ line: 1, message: "The CODEOWNERS file is 3 MB or larger, so GitHub does not load it: no path has code owners." }],
    });
    const justUnder = "* @a\n" + "#".repeat(CODEOWNERS_MAX_BYTES - 6);
    expect(parseCodeowners(justUnder).rules.map((r) => r.owners)).toEqual([["@a"]]);
  });

  it("counts bytes, not characters, toward the 3 MB limit", () => {
    // "é" is two bytes in UTF-8: this text is under the limit in characters but not in bytes.
    const text = "* @a\n#" + "é".repeat(CODEOWNERS_MAX_BYTES / 2);
    expect(parseCodeowners(text).rules).toEqual([]);
  });
});

describe("pickCodeowners: GitHub's search order .github/, root, docs/", () => {
  it("exports the locations in that order", () => {
    expect(CODEOWNERS_LOCATIONS).toEqual([".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]);
  });

  const files = (present: Record<string, string>) => {
    const asked: string[] = [];
    const read = (path: string) => {
      asked.push(path);
      return present[path] ?? null;
    };
    return { read, asked };
  };

  it("uses .github/CODEOWNERS first and stops looking", () => {
    const f = files({ ".github/CODEOWNERS": "a", CODEOWNERS: "b", "docs/CODEOWNERS": "c" });
    expect(pickCodeowners(f.read)).toEqual({ path: ".github/CODEOWNERS", text: "a" });
    expect(f.asked).toEqual([".github/CODEOWNERS"]);
  });

  it("falls back to the root, then to docs/", () => {
    expect(pickCodeowners(files({ CODEOWNERS: "b", "docs/CODEOWNERS": "c" }).read)).toEqual({ path: "CODEOWNERS", text: "b" });
    expect(pickCodeowners(files({ "docs/CODEOWNERS": "c" }).read)).toEqual({ path: "docs/CODEOWNERS", text: "c" });
  });

  it("treats undefined as absent and an empty file as present", () => {
    expect(pickCodeowners(() => undefined)).toBeNull();
    expect(pickCodeowners(files({}).read)).toBeNull();
    expect(pickCodeowners(files({ ".github/CODEOWNERS": "", CODEOWNERS: "b" }).read)).toEqual({ path: ".github/CODEOWNERS", text: "" });
  });
});

describe("isOwner: logins and team slugs compare case-insensitively", () => {
  const list = ["@Alice", "@Acme/DBA", "ops@acme.example"];

  it("matches a user listed by login, whatever the case, with or without @", () => {
    expect(isOwner(list, "alice", [])).toBe(true);
    expect(isOwner(list, "ALICE", [])).toBe(true);
    expect(isOwner(list, "@alice", [])).toBe(true);
    expect(ownerEntryFor(list, "alice", [])).toBe("@Alice");
  });

  it("matches a member of a listed team through the team", () => {
    expect(isOwner(list, "bob", ["acme/dba"])).toBe(true);
    expect(ownerEntryFor(list, "bob", ["acme/other", "acme/dba"])).toBe("@Acme/DBA");
  });

  it("does not match other people, other teams, team names without the org, or emails", () => {
    expect(isOwner(list, "bob", [])).toBe(false);
    expect(isOwner(list, "bob", ["other/dba", "acme/dba-admins"])).toBe(false);
    expect(isOwner(list, "dba", [])).toBe(false);
    expect(isOwner(list, "ops", [])).toBe(false);
    expect(isOwner(list, "ops@acme.example", [])).toBe(false);
    expect(isOwner([], "alice", ["acme/dba"])).toBe(false);
    expect(ownerEntryFor(list, "bob", [])).toBeNull();
  });
});

describe("the literal-prefix pre-check", () => {
  it("takes the literal folders of rooted patterns only", async () => {
    const { literalPrefix } = await import("../../src/core/codeowners.js");
    expect(literalPrefix("/access/requests/db/")).toBe("access/requests/db");
    expect(literalPrefix("docs/*")).toBe("docs");
    expect(literalPrefix("/apps/**/logs")).toBe("apps");
    expect(literalPrefix("/build/lo?s/")).toBe("build");
    expect(literalPrefix("*.js")).toBe("");
    expect(literalPrefix("apps/")).toBe("");
    expect(literalPrefix("**/logs")).toBe("");
  });

  it("never changes who owns a path (same answers as the regexes alone)", async () => {
    const { parseCodeowners, ownersOf } = await import("../../src/core/codeowners.js");
    const co = parseCodeowners(
      ["* @all", "*.js @js", "/docs/ @docs", "docs/* @docs-star", "apps/ @apps", "/apps/github @gh", "**/logs @logs", "/build/logs/ @build", "/access/requests/db/ @dba", "/access/requests/d*/ @d", "/access/ @sec"].join("\n"),
    );
    const paths = ["a.js", "docs/x.md", "docs/a/b.md", "x/docs/y.md", "apps/a.txt", "x/apps/a", "apps/github/z", "logs", "a/logs/b", "build/logs/x", "x/build/logs/y", "access/requests/db/alice.yaml", "access/requests/dx/alice.yaml", "access/policy.yaml", "accessory/requests/db/a.yaml"];
    for (const path of paths) {
      const bare = [...co.rules].reverse().find((r) => r.regex.test(path));
      expect(ownersOf(co, path).owners, path).toEqual(bare?.owners ?? []);
    }
  });
});
