import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  EMPTY_TREE_SHA,
  LocalGitRepo,
  UnknownRefError,
  ZERO_SHA,
  diffBase,
  isZeroSha,
} from "../../src/git/local.js";
import { cleanupRepos, makeRepo } from "../helpers/gitrepo.js";

afterEach(cleanupRepos);

const REQ = "access/requests";

describe("LocalGitRepo.resolve", () => {
  it("gives the full SHA of a branch, a tag and a short SHA", async () => {
    const repo = await makeRepo();
    await repo.write("README.md", "hi\n");
    const sha = await repo.commit("first");
    await repo.git("tag", "v1");
    const local = new LocalGitRepo(repo.dir);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await local.resolve("main")).toBe(sha);
    expect(await local.resolve("v1")).toBe(sha);
    expect(await local.resolve(sha.slice(0, 10))).toBe(sha);
  });

  it("an unknown ref is an UnknownRefError naming the ref", async () => {
    const repo = await makeRepo();
    await repo.write("README.md", "hi\n");
    await repo.commit("first");
    const local = new LocalGitRepo(repo.dir);
    await expect(local.resolve("no-such-branch")).rejects.toThrow('unknown git ref "no-such-branch"');
    await expect(local.resolve("no-such-branch")).rejects.toBeInstanceOf(UnknownRefError);
    // Something that looks like an option must not reach git as one.
    await expect(local.resolve("--all")).rejects.toThrow('unknown git ref "--all"');
    await expect(local.readFile("nope", "README.md")).rejects.toThrow('unknown git ref "nope"');
  });
});

describe("LocalGitRepo.readFile", () => {
  it("returns the exact text at that ref, and null for a missing file or a folder", async () => {
    const repo = await makeRepo();
    const text = "\uFEFFreason: \"café ☕\"\r\nduration: 2h\n\n";
    await repo.write(`${REQ}/prod-db/alice.yaml`, text);
    const first = await repo.commit("add");
    await repo.write(`${REQ}/prod-db/alice.yaml`, "reason: changed\n");
    await repo.commit("change");
    const local = new LocalGitRepo(repo.dir);
    expect(await local.readFile(first, `${REQ}/prod-db/alice.yaml`)).toBe(text);
    expect(await local.readFile("main", `${REQ}/prod-db/alice.yaml`)).toBe("reason: changed\n");
    expect(await local.readFile("main", `${REQ}/prod-db/bob.yaml`)).toBeNull();
    expect(await local.readFile("main", `${REQ}/prod-db`)).toBeNull();
  });

  it("reads names with spaces and colons", async () => {
    const repo = await makeRepo();
    await repo.write("odd dir/a: b.yaml", "x: 1\n");
    await repo.commit("odd");
    const local = new LocalGitRepo(repo.dir);
    expect(await local.readFile("HEAD", "odd dir/a: b.yaml")).toBe("x: 1\n");
  });
});

describe("LocalGitRepo.listFiles", () => {
  it("lists files under a folder, recursively and sorted, never a sibling with the same prefix", async () => {
    const repo = await makeRepo();
    await repo.writeAll({
      [`${REQ}/prod-db/bob.yaml`]: "a\n",
      [`${REQ}/prod-db/alice.yaml`]: "a\n",
      [`${REQ}/admins/zed.yaml`]: "a\n",
      "access/requests-old/x.yaml": "a\n",
      "access/catalog.yaml": "a\n",
    });
    await repo.commit("files");
    const local = new LocalGitRepo(repo.dir);
    const expected = [`${REQ}/admins/zed.yaml`, `${REQ}/prod-db/alice.yaml`, `${REQ}/prod-db/bob.yaml`];
    expect(await local.listFiles("main", REQ)).toEqual(expected);
    expect(await local.listFiles("main", `${REQ}/`)).toEqual(expected);
    expect(await local.listFiles("main", "access/req")).toEqual([]);
    expect(await local.listFiles("main", "")).toHaveLength(5);
  });
});

describe("LocalGitRepo.changedFiles", () => {
  it("reports added, modified and deleted files, and a rename as a delete plus an add", async () => {
    const repo = await makeRepo();
    await repo.writeAll({
      [`${REQ}/a/keep.yaml`]: "keep\n",
      [`${REQ}/a/change.yaml`]: "v1\n",
      [`${REQ}/a/gone.yaml`]: "bye\n",
      [`${REQ}/a/old-name.yaml`]: "the same content so git would call it a rename\n",
    });
    const base = await repo.commit("base");
    await repo.write(`${REQ}/a/change.yaml`, "v2\n");
    await repo.rm(`${REQ}/a/gone.yaml`);
    await repo.git("mv", `${REQ}/a/old-name.yaml`, `${REQ}/a/new-name.yaml`);
    await repo.write(`${REQ}/b/new file.yaml`, "new\n");
    const head = await repo.commit("head");
    const local = new LocalGitRepo(repo.dir);
    expect(await local.changedFiles(base, head)).toEqual([
      { path: `${REQ}/a/change.yaml`, change: "modified", mode: "100644" },
      { path: `${REQ}/a/gone.yaml`, change: "deleted" },
      { path: `${REQ}/a/new-name.yaml`, change: "added", mode: "100644" },
      { path: `${REQ}/a/old-name.yaml`, change: "deleted" },
      { path: `${REQ}/b/new file.yaml`, change: "added", mode: "100644" },
    ]);
    expect(await local.changedFiles(head, head)).toEqual([]);
  });

  it("the all-zero base of a branch-creating push lists everything in head as added", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ "b.txt": "b\n", "a/c.txt": "c\n" });
    const head = await repo.commit("first");
    const local = new LocalGitRepo(repo.dir);
    expect(isZeroSha(ZERO_SHA)).toBe(true);
    expect(isZeroSha(head)).toBe(false);
    expect(diffBase(ZERO_SHA)).toBe(EMPTY_TREE_SHA);
    expect(diffBase(head)).toBe(head);
    expect(await local.changedFiles(ZERO_SHA, head)).toEqual([
      { path: "a/c.txt", change: "added", mode: "100644" },
      { path: "b.txt", change: "added", mode: "100644" },
    ]);
  });

  it("a file that becomes a symlink is modified", async () => {
    const repo = await makeRepo();
    await repo.write("x", "x\n");
    const base = await repo.commit("file");
    await repo.rm("x");
    await symlink("target", join(repo.dir, "x"));
    const head = await repo.commit("symlink");
    expect(await new LocalGitRepo(repo.dir).changedFiles(base, head)).toEqual([{ path: "x", change: "modified", mode: "120000" }]);
  });
});

describe("LocalGitRepo in a subfolder of the work tree", () => {
  it("still reads paths from the repository root, and folders are never globs", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ [`${REQ}/db/alice.yaml`]: "a\n", "access/x.yaml": "x\n", "tools/README.md": "t\n" });
    const sha = await repo.commit("files", { date: "2026-01-01T10:00:00Z" });
    const local = new LocalGitRepo(join(repo.dir, "tools"));
    expect(await local.readFile("main", `${REQ}/db/alice.yaml`)).toBe("a\n");
    expect(await local.listFiles("main", REQ)).toEqual([`${REQ}/db/alice.yaml`]);
    expect([...(await local.landings("main", REQ)).values()]).toEqual([
      { path: `${REQ}/db/alice.yaml`, sha, time: new Date("2026-01-01T10:00:00Z") },
    ]);
    expect(await local.listFiles("main", "access/*")).toEqual([]);
    expect((await local.landings("main", "access/*")).size).toBe(0);
  });
});

describe("LocalGitRepo.landings", () => {
  it("a file added then modified lands at the latest change", async () => {
    const repo = await makeRepo();
    await repo.write(`${REQ}/db/alice.yaml`, "v1\n");
    await repo.commit("add", { date: "2026-01-01T10:00:00Z" });
    await repo.write(`${REQ}/db/alice.yaml`, "v2\n");
    const changed = await repo.commit("change", { date: "2026-01-02T10:00:00Z" });
    await repo.write("README.md", "unrelated\n");
    await repo.commit("unrelated", { date: "2026-01-03T10:00:00Z" });
    const got = await new LocalGitRepo(repo.dir).landings("main", REQ);
    expect([...got.values()]).toEqual([
      { path: `${REQ}/db/alice.yaml`, sha: changed, time: new Date("2026-01-02T10:00:00Z") },
    ]);
  });

  it("a file merged with --no-ff lands at the merge commit's committer date, not the branch commit's", async () => {
    const repo = await makeRepo();
    await repo.write("README.md", "x\n");
    await repo.commit("root", { date: "2026-01-01T09:00:00Z" });
    await repo.branch("request");
    await repo.write(`${REQ}/db/bob.yaml`, "reason: x\n");
    const branchCommit = await repo.commit("request", { date: "2026-01-01T10:00:00Z", author: "bob" });
    await repo.checkout("main");
    // main moves on, so the merge is a real two-parent merge
    await repo.write("other.txt", "o\n");
    await repo.commit("other", { date: "2026-01-01T11:00:00Z" });
    const merge = await repo.merge("request", {
      date: "2026-01-01T12:00:00Z",
      committerDate: "2026-01-01T12:30:00Z",
      committer: "gitgrant-app",
    });
    expect((await repo.git("rev-list", "--parents", "-n", "1", merge)).trim().split(" ")).toHaveLength(3);
    const got = await new LocalGitRepo(repo.dir).landings("main", REQ);
    expect(got.get(`${REQ}/db/bob.yaml`)).toEqual({
      path: `${REQ}/db/bob.yaml`,
      sha: merge,
      time: new Date("2026-01-01T12:30:00Z"),
    });
    expect(merge).not.toBe(branchCommit);
    // Seen from the branch itself, it landed at the branch commit.
    expect((await new LocalGitRepo(repo.dir).landings("request", REQ)).get(`${REQ}/db/bob.yaml`)?.sha).toBe(
      branchCommit,
    );
  });

  it("a squash merge is an ordinary commit and lands at its own date", async () => {
    const repo = await makeRepo();
    await repo.write("README.md", "x\n");
    await repo.commit("root", { date: "2026-01-01T09:00:00Z" });
    await repo.branch("request");
    await repo.write(`${REQ}/db/carol.yaml`, "v1\n");
    await repo.commit("wip", { date: "2026-01-01T10:00:00Z" });
    await repo.write(`${REQ}/db/carol.yaml`, "v2\n");
    await repo.commit("wip 2", { date: "2026-01-01T10:30:00Z" });
    await repo.checkout("main");
    const squash = await repo.squashMerge("request", { date: "2026-01-02T08:00:00Z", message: "Grant carol (#7)" });
    const got = await new LocalGitRepo(repo.dir).landings("main", REQ);
    expect(got.get(`${REQ}/db/carol.yaml`)).toEqual({
      path: `${REQ}/db/carol.yaml`,
      sha: squash,
      time: new Date("2026-01-02T08:00:00Z"),
    });
  });

  it("a deleted file is absent; a deleted then re-added file lands at the re-add", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ [`${REQ}/db/dave.yaml`]: "d\n", [`${REQ}/db/erin.yaml`]: "e\n" });
    await repo.commit("add both", { date: "2026-01-01T10:00:00Z" });
    await repo.rm(`${REQ}/db/dave.yaml`);
    await repo.rm(`${REQ}/db/erin.yaml`);
    await repo.commit("revoke both", { date: "2026-01-02T10:00:00Z" });
    await repo.write(`${REQ}/db/erin.yaml`, "e again\n");
    const readd = await repo.commit("erin again", { date: "2026-01-03T10:00:00Z" });
    const got = await new LocalGitRepo(repo.dir).landings("main", REQ);
    expect([...got.keys()]).toEqual([`${REQ}/db/erin.yaml`]);
    expect(got.get(`${REQ}/db/erin.yaml`)).toEqual({
      path: `${REQ}/db/erin.yaml`,
      sha: readd,
      time: new Date("2026-01-03T10:00:00Z"),
    });
  });

  it("ignores files outside the folder and gives every file under it, with committer time", async () => {
    const repo = await makeRepo();
    await repo.writeAll({
      [`${REQ}/a/f1.yaml`]: "1\n",
      "access/catalog.yaml": "c\n",
      "access/requests-archive/old.yaml": "o\n",
    });
    const c1 = await repo.commit("one", { date: "2026-01-01T10:00:00Z", committerDate: "2026-01-01T10:05:00+02:00" });
    await repo.write(`${REQ}/b/f2.yaml`, "2\n");
    await repo.write("access/catalog.yaml", "c2\n");
    const c2 = await repo.commit("two", { date: "2026-01-05T10:00:00Z" });
    const got = await new LocalGitRepo(repo.dir).landings("main", REQ);
    expect([...got.entries()]).toEqual([
      [`${REQ}/a/f1.yaml`, { path: `${REQ}/a/f1.yaml`, sha: c1, time: new Date("2026-01-01T08:05:00Z") }],
      [`${REQ}/b/f2.yaml`, { path: `${REQ}/b/f2.yaml`, sha: c2, time: new Date("2026-01-05T10:00:00Z") }],
    ]);
    // At an older ref only what existed then.
    expect([...(await new LocalGitRepo(repo.dir).landings(c1, REQ)).keys()]).toEqual([`${REQ}/a/f1.yaml`]);
  });

  it("refuses in a shallow clone, where the oldest commit would seem to add every file", async () => {
    const repo = await makeRepo();
    await repo.write(`${REQ}/db/alice.yaml`, "v1\n");
    await repo.commit("one");
    await repo.write(`${REQ}/db/bob.yaml`, "v1\n");
    await repo.commit("two");
    const shallow = join(repo.dir, "..", "shallow");
    await repo.git("clone", "--quiet", "--depth", "1", `file://${repo.dir}`, shallow);
    await expect(new LocalGitRepo(shallow).landings("HEAD", REQ)).rejects.toThrow(
      "reading when each request landed needs the full history, but this is a shallow clone: run `git fetch --unshallow`",
    );
  });

  it("is empty for a folder that never existed, and rejects an unknown ref", async () => {
    const repo = await makeRepo();
    await repo.write("README.md", "x\n");
    await repo.commit("root");
    const local = new LocalGitRepo(repo.dir);
    expect((await local.landings("main", REQ)).size).toBe(0);
    await expect(local.landings("nope", REQ)).rejects.toThrow('unknown git ref "nope"');
  });
});

describe("LocalGitRepo.readFiles", () => {
  it("reads many files at a ref in one go, null for missing ones and folders, odd names included", async () => {
    const { makeRepo } = await import("../helpers/gitrepo.js");
    const { LocalGitRepo } = await import("../../src/git/local.js");
    const r = await makeRepo();
    await r.writeAll({ "access/requests/a/alice.yaml": "reason: one\n", "access/requests/b/with space.yaml": "two: ü\n", "access/requests/c/empty.yaml": "" });
    const sha = await r.commit("files");
    await r.write("access/requests/a/alice.yaml", "changed later\n");
    await r.commit("later");
    const repo = new LocalGitRepo(r.dir);
    const got = await repo.readFiles(sha, ["access/requests/a/alice.yaml", "access/requests/b/with space.yaml", "access/requests/c/empty.yaml", "access/requests/nope.yaml", "access/requests/a"]);
    expect([...got]).toEqual([
      ["access/requests/a/alice.yaml", "reason: one\n"],
      ["access/requests/b/with space.yaml", "two: ü\n"],
      ["access/requests/c/empty.yaml", ""],
      ["access/requests/nope.yaml", null],
      ["access/requests/a", null],
    ]);
    for (const [path, text] of got) expect(await repo.readFile(sha, path)).toBe(text);
    await r.cleanup();
  });
});

describe("LocalGitRepo.listBlobs and treeId", () => {
  it("lists the blobs under a folder with git's blob ids, sorted, odd names kept; a submodule entry is no blob", async () => {
    const repo = await makeRepo();
    await repo.writeAll({ [`${REQ}/b/bob.yaml`]: "b\n", [`${REQ}/a/with space.yaml`]: "a\n", [`${REQ}-old/x.yaml`]: "x\n", "README.md": "hi\n" });
    await repo.commit("files");
    // A gitlink (what a submodule leaves in the tree) points at a commit, not a blob.
    await repo.git("update-index", "--add", "--cacheinfo", `160000,${await repo.sha()},${REQ}/vendored`);
    await mkdir(join(repo.dir, REQ, "vendored")); // an uninitialised submodule: an empty folder
    const sha = await repo.commit("submodule");
    expect(await repo.git("ls-tree", "-r", "--format=%(objecttype) %(path)", sha, "--", `${REQ}/vendored`)).toBe(`commit ${REQ}/vendored\n`);
    const local = new LocalGitRepo(repo.dir);
    const blobs = await local.listBlobs("main", REQ);
    expect(blobs.map((b) => b.path)).toEqual([`${REQ}/a/with space.yaml`, `${REQ}/b/bob.yaml`]);
    for (const b of blobs) expect(b.sha).toBe((await repo.git("rev-parse", `${sha}:${b.path}`)).trim());
    expect(await local.treeId("main")).toBe((await repo.git("rev-parse", "main^{tree}")).trim());
    await expect(local.treeId("nope")).rejects.toThrow('unknown git ref "nope"');
  });
});
