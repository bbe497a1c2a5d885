// CODEOWNERS, read the way GitHub reads it, because GitHub enforces the same file on
// the same pull requests: if we disagreed with it about who owns a path, a PR could pass
// our check and still be blocked by branch protection, or the other way round.
// Source of the rules: GitHub Docs, "About code owners" (syntax, example file, "Syntax
// exceptions"). Pure: no I/O; the caller passes the file's text.

/** Where GitHub looks for the file, in the order it looks. The first one found is used. */
export const CODEOWNERS_LOCATIONS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

/** GitHub does not load a CODEOWNERS file of 3 MB or more. */
export const CODEOWNERS_MAX_BYTES = 3 * 1024 * 1024;

export interface CodeownersRule {
  /** The pattern as written (escapes kept). */
  pattern: string;
  /** As written: "@login", "@org/team" or an email. Empty: the paths are unowned. */
  owners: string[];
  /** 1-based line in the file. */
  line: number;
  /** Compiled once at parse time; matched against a repository-relative path. */
  regex: RegExp;
  /** Literal start every matching path must have ("" when the pattern floats): a cheap pre-check. */
  prefix: string;
}
/** Kept for readers who know the rule as "Rule". */
export type Rule = CodeownersRule;

export interface CodeownersError {
  line: number;
  message: string;
}

export interface Codeowners {
  rules: CodeownersRule[];
  /** Lines GitHub would skip, with why. The other lines still apply. */
  errors: CodeownersError[];
}

export interface OwnersResult {
  /** Owners of the last matching rule; empty when no rule matches or it names no one. */
  owners: string[];
  /** Line of the deciding rule; null when no rule matches. */
  line: number | null;
  /** Pattern of the deciding rule; null when no rule matches. */
  pattern: string | null;
}

/** The first CODEOWNERS that exists, in GitHub's order; `read` returns null/undefined when absent. */
export function pickCodeowners(
  read: (path: string) => string | null | undefined,
): { path: string; text: string } | null {
  for (const path of CODEOWNERS_LOCATIONS) {
    const text = read(path);
    if (text !== null && text !== undefined) return { path, text };
  }
  return null;
}

export function parseCodeowners(text: string): Codeowners {
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only long texts need the exact count.
  if (text.length * 3 >= CODEOWNERS_MAX_BYTES && new TextEncoder().encode(text).length >= CODEOWNERS_MAX_BYTES) {
    return {
      rules: [],
      errors: [{ line: 1, message: "The CODEOWNERS file is 3 MB or larger, so GitHub does not load it: no path has code owners." }],
    };
  }
  const rules: CodeownersRule[] = [];
  const errors: CodeownersError[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const result = parseLine(lines[i], i + 1);
    if (result === null) continue;
    if ("message" in result) errors.push(result);
    else rules.push(result);
  }
  return { rules, errors };
}

/** Last matching rule wins (GitHub: "the last matching pattern takes the most precedence"). */
export function ownersOf(co: Codeowners, path: string): OwnersResult {
  const p = path.startsWith("/") ? path.slice(1) : path;
  for (let i = co.rules.length - 1; i >= 0; i--) {
    const rule = co.rules[i];
    // startsWith is far cheaper than the regex, and most rules are per-folder.
    if (rule.prefix && !p.startsWith(rule.prefix)) continue;
    if (rule.regex.test(p)) return { owners: rule.owners, line: rule.line, pattern: rule.pattern };
  }
  return { owners: [], line: null, pattern: null };
}

/**
 * The owner entry through which `login` counts as an owner ("@bob", or "@acme/dba" when
 * bob is in that team), or null. Logins and team slugs compare case-insensitively, as on
 * GitHub. Email owners never match here: turning an email into a login needs the API.
 */
export function ownerEntryFor(owners: string[], login: string, teamsOfLogin: string[]): string | null {
  const who = login.replace(/^@/, "").toLowerCase();
  const teams = new Set(teamsOfLogin.map((t) => t.replace(/^@/, "").toLowerCase()));
  for (const owner of owners) {
    if (!owner.startsWith("@")) continue;
    const name = owner.slice(1).toLowerCase();
    if (name.includes("/") ? teams.has(name) : name === who) return owner;
  }
  return null;
}

export function isOwner(owners: string[], login: string, teamsOfLogin: string[]): boolean {
  return ownerEntryFor(owners, login, teamsOfLogin) !== null;
}

// ---- one line ---------------------------------------------------------------------------

// Logins: letters, digits, hyphens; "_" appears in managed-user logins (login_shortcode).
const LOGIN = "[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?";
const USER_OWNER = new RegExp(`^@${LOGIN}$`);
const TEAM_OWNER = new RegExp(`^@${LOGIN}/[A-Za-z0-9_][A-Za-z0-9_.-]*$`);
const EMAIL_OWNER = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

function parseLine(raw: string, line: number): CodeownersRule | CodeownersError | null {
  const text = raw.trim();
  if (text === "" || text.startsWith("#")) return null;
  const tokens = tokenize(text);
  const [pattern, ...owners] = tokens;
  const problem = patternProblem(pattern);
  if (problem) return { line, message: `Pattern "${pattern}" ${problem} GitHub skips this line.` };
  for (const owner of owners) {
    if (!USER_OWNER.test(owner) && !TEAM_OWNER.test(owner) && !EMAIL_OWNER.test(owner)) {
      return {
        line,
        message: `Owner "${owner}" is not a GitHub user (@login), a team (@org/team) or an email address. GitHub skips this line.`,
      };
    }
  }
  return { pattern, owners, line, regex: compilePattern(pattern), prefix: literalPrefix(pattern) };
}

/** Splits on unescaped blanks; a token starting with "#" begins an inline comment. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && i + 1 < text.length) {
      current += ch + text[++i];
    } else if (ch === " " || ch === "\t") {
      if (current) tokens.push(current);
      current = "";
    } else if (ch === "#" && current === "") {
      break;
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}

/** Why GitHub would not accept this pattern (a sentence ending in "."), or null. */
function patternProblem(pattern: string): string | null {
  // GitHub Docs, "Syntax exceptions": these gitignore rules do not work in CODEOWNERS.
  if (pattern.startsWith("\\#")) {
    return 'escapes a leading "#" with "\\", which GitHub CODEOWNERS does not support.';
  }
  if (pattern.startsWith("!")) {
    return 'starts with "!", but GitHub CODEOWNERS cannot negate a pattern; give the paths an owner-less line instead.';
  }
  if (/(^|[^\\])\[/.test(pattern)) {
    return 'uses "[ ]", but GitHub CODEOWNERS does not support character ranges; list each path instead.';
  }
  if (pattern.includes("***")) return 'has "***", which is not a valid wildcard (use "*" or "**").';
  if (/^\/+$/.test(pattern)) return "names no file (it is only a slash); use * for every file.";
  if (pattern.includes("//")) return 'has an empty folder name ("//").';
  return null;
}

// ---- pattern -> RegExp -----------------------------------------------------------------

/**
 * gitignore semantics as GitHub applies them:
 * - a leading "/", or a "/" in the middle, anchors the pattern to the repository root;
 *   otherwise (one name, maybe with a trailing "/") it matches at any depth;
 * - a trailing "/" matches a directory: everything under it, at any depth;
 * - "*" and "?" never cross "/"; "**" as a whole segment spans any number of folders;
 * - a pattern naming a file or folder also covers everything under that folder, except
 *   when its last segment is a lone "*": GitHub documents that `docs/*` matches
 *   docs/getting-started.md but not docs/build-app/troubleshooting.md.
 */
export function compilePattern(pattern: string): RegExp {
  let segments = pattern.split("/");
  const anchored = segments[0] === "";
  if (anchored) segments = segments.slice(1);
  const dirOnly = segments.length > 1 && segments[segments.length - 1] === "";
  if (dirOnly) segments = segments.slice(0, -1);
  const floating = !anchored && segments.length === 1 && segments[0] !== "**";

  let re = floating ? "^(?:.*/)?" : "^";
  let needSlash = false;
  let endsInDoubleStar = false;
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === "**") {
      if (last) {
        re += i === 0 ? ".+" : "/.+";
        endsInDoubleStar = true;
      } else {
        re += (needSlash ? "/" : "") + "(?:.*/)?";
        needSlash = false;
      }
      return;
    }
    re += (needSlash ? "/" : "") + (seg === "*" ? "[^/]+" : globSegment(seg));
    needSlash = true;
  });
  const lastSeg = segments[segments.length - 1];
  // "/**" at the end already spans everything below; otherwise add what the end implies.
  if (!endsInDoubleStar) {
    if (dirOnly) re += "/.+";
    else if (lastSeg !== "*") re += "(?:/.*)?";
  }
  return new RegExp(re + "$", "s");
}

/**
 * The literal folders a rooted pattern starts with ("/access/requests/db/" -> "access/requests/db"),
 * up to the first segment with a wildcard or escape. Patterns that float (one segment, no
 * leading slash) can match at any depth and have none.
 */
export function literalPrefix(pattern: string): string {
  let segments = pattern.split("/");
  const anchored = segments[0] === "";
  if (anchored) segments = segments.slice(1);
  if (segments[segments.length - 1] === "") segments = segments.slice(0, -1);
  if (!anchored && segments.length <= 1) return "";
  const literal: string[] = [];
  for (const seg of segments) {
    if (/[*?\\[\]]/.test(seg) || seg === "") break;
    literal.push(seg);
  }
  return literal.join("/");
}

function globSegment(seg: string): string {
  let out = "";
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === "\\" && i + 1 < seg.length) out += escapeRegex(seg[++i]);
    else if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else out += escapeRegex(ch);
  }
  return out;
}

function escapeRegex(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? "\\" + ch : ch;
}
