// Hostile names and texts shared by the core and the CLI tests.

/** Property names every plain JavaScript object inherits. */
export const PROTOTYPE_NAMES = [
  "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf",
  "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__defineSetter__",
  "__lookupGetter__", "__lookupSetter__",
];

/** Texts a reader sees nothing in: spaces, tabs, zero-width and other invisible characters. */
export const BLANKS = [
  "",
  "   ",
  "\t\t",
  "\u200B\u200B",
  "\u200C\u200D",
  "\u2060",
  "\uFEFF",
  "\u00A0\u3000",
  "\u202E\u2066",
  "\u00AD",
  "\u3164\u115F",
  "\u2800",
  "\uFE0F",
  "\u{E0020}\u{E0041}",
  "\u0007\u001B",
  " \u200B\t\uFEFF ",
];
