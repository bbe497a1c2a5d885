// YAML in, plain data out, with every problem pointing at a line and column.
// Request files are written by anyone who can open a PR, so parsing is defensive:
// size is checked before parsing, aliases are refused (no alias bombs), duplicate keys,
// multiple documents, custom tags and non-map documents are errors, never crashes.
import { isAlias, isMap, isPair, isScalar, parseAllDocuments, parseDocument, visit, type Document, type Node } from "yaml";
import type { FileError } from "./types.js";
import { unreadableText } from "./blank.js";

export const MAX_REQUEST_BYTES = 16 * 1024;
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ParsedYaml {
  value: Record<string, unknown> | null;
  errors: FileError[];
  /** Where a path in the document starts, for errors found after parsing (schema, cross-checks). */
  locate(path: ReadonlyArray<string | number>, at?: "key" | "value"): { line: number; column: number } | undefined;
}

export interface ParseOptions {
  maxBytes: number;
  /** What the file is, for messages: "request file", "catalog.yaml". */
  what: string;
}

export function parseYaml(text: string, opts: ParseOptions): ParsedYaml {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no exact count.
  const bytes = text.length * 3 <= opts.maxBytes ? text.length : Buffer.byteLength(text, "utf8");
  const nowhere: ParsedYaml = { value: null, errors: [], locate: () => undefined };
  if (bytes > opts.maxBytes) {
    nowhere.errors.push({
      message: `The ${opts.what} is ${bytes} bytes; the limit is ${opts.maxBytes} bytes. Keep it to a few lines.`,
      line: 1,
      column: 1,
    });
    return nowhere;
  }

  const unreadable = unreadableText(text);
  if (unreadable) {
    nowhere.errors.push({ message: `The ${opts.what} ${unreadable.message}.`, ...linePos(text, unreadable.offset) });
    return nowhere;
  }

  // Lines and columns are worked out only for the offsets that need them (errors, locate),
  // not for every newline of every file: most files have no error at all.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  const pos = (offset: number) => linePos(text, offset);
  if (doc.contents === null && doc.errors.length === 0) {
    // Nothing but blank lines and comments.
    nowhere.errors.push({ message: `The ${opts.what} is empty; it must be a YAML mapping of fields.`, line: 1, column: 1 });
    return nowhere;
  }
  const multiple = doc.errors.find((e) => e.code === "MULTIPLE_DOCS");
  if (multiple) {
    const count = parseAllDocuments(text).length;
    nowhere.errors.push({
      message: `The ${opts.what} holds ${count} YAML documents (separated by '---'); it must hold exactly one.`,
      ...pos(multiple.pos[0]),
    });
    return nowhere;
  }
  const locate = makeLocator(doc, pos);
  const errors: FileError[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    errors.push({ message: yamlMessage(e.code, e.message), ...pos(e.pos[0]) });
  }
  // Anchors need "&", aliases "*", tags "!": a file with none of them needs no walk.
  if (/[&*!]/.test(text)) visit(doc, {
    Alias(_k, node) {
      errors.push({
        message: `YAML aliases (*${node.source}) are not allowed in a ${opts.what}; write the value out.`,
        ...pos(node.range?.[0] ?? 0),
      });
    },
    Node(_k, node) {
      if (node.anchor) {
        errors.push({
          message: `YAML anchors (&${node.anchor}) are not allowed in a ${opts.what}; write the value out.`,
          ...pos(node.range?.[0] ?? 0),
        });
      }
      if (node.tag && !node.tag.startsWith("tag:yaml.org,2002:")) {
        errors.push({ message: `Custom YAML tag ${node.tag} is not allowed.`, ...pos(node.range?.[0] ?? 0) });
      }
    },
  });
  if (errors.length > 0) return { value: null, errors, locate };

  if (!isMap(doc.contents)) {
    const kind = doc.contents === null ? "nothing" : isScalar(doc.contents) ? "a single value" : "a list";
    return {
      value: null,
      errors: [{ message: `The ${opts.what} must be a mapping of fields (key: value), but it holds ${kind}.`, line: 1, column: 1 }],
      locate,
    };
  }
  for (const item of doc.contents.items) {
    if (!isScalar(item.key) || typeof item.key.value !== "string") {
      return {
        value: null,
        errors: [{ message: "Every key must be a plain name.", ...pos((item.key as Node | null)?.range?.[0] ?? 0) }],
        locate,
      };
    }
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    return { value: null, errors: [{ message: `The ${opts.what} cannot be read: ${(e as Error).message}`, line: 1, column: 1 }], locate };
  }
  return { value: value as Record<string, unknown>, errors: [], locate };
}

/** 1-based line and column of a character offset. */
export function linePos(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: end - start + 1 };
}

function yamlMessage(code: string, message: string): string {
  const first = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") return `${first} (each field may appear once)`;
  return `YAML syntax error: ${first}`;
}

function makeLocator(doc: Document, pos: (offset: number) => { line: number; column: number }) {
  return (path: ReadonlyArray<string | number>, at: "key" | "value" = "value") => {
    let node: unknown = doc.contents;
    let keyNode: Node | undefined;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (node && typeof node === "object" && "items" in node && Array.isArray((node as { items: unknown[] }).items)) {
        const item = (node as { items: unknown[] }).items[Number(seg)];
        if (item === undefined) break;
        keyNode = undefined;
        node = item;
      } else break;
    }
    const target = at === "key" && keyNode ? keyNode : isAlias(node) ? undefined : (node as Node | null) ?? keyNode;
    const offset = target?.range?.[0];
    return offset === undefined ? undefined : pos(offset);
  };
}
