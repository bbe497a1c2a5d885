// Hostile names and texts shared by the core and the CLI tests.

/** Property names every plain JavaScript object inherits. */
export const PROTOTYPE_NAMES = [
  "constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf",
  "propertyIsEnumerable", "toLocaleString", "__defineGetter__", "__defineSetter__",
  "__lookupGetter__", "__lookupSetter__",
];
