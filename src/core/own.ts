// Lookups by a name that comes from a path or a file (a login, a resource id, a tier, a
// provider, an identity key) must never find what every object inherits: a login
// "constructor" is not in identities.yaml just because `{}.constructor` exists.

/** The value stored under `key` on the object itself, never one inherited from its prototype. */
export function own<T>(obj: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** True only for a key the object itself holds. */
export function hasOwn(obj: object | null | undefined, key: string): boolean {
  return obj != null && Object.hasOwn(obj, key);
}

/** An empty record with no prototype: `dict()["toString"]` is undefined, and `__proto__` is an ordinary key. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A copy of a record as a prototype-free one (own enumerable keys only). */
export function toDict<T>(obj: Readonly<Record<string, T>> | null | undefined): Record<string, T> {
  const out = dict<T>();
  if (obj != null) for (const k of Object.keys(obj)) out[k] = obj[k]!;
  return out;
}

/**
 * The record's own value under `key`, made with `make` (and stored as an own property, even
 * for "__proto__") when there is none: a safe `rec[key] ??= make()`.
 */
export function ownSlot<T>(rec: Record<string, T>, key: string, make: () => T): T {
  if (Object.hasOwn(rec, key) && rec[key] !== undefined && rec[key] !== null) return rec[key]!;
  const value = make();
  Object.defineProperty(rec, key, { value, writable: true, enumerable: true, configurable: true });
  return value;
}
