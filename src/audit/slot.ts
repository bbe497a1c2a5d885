// A promise whose value can be read synchronously once it has settled. The audit waits on
// hundreds of thousands of file reads; most have arrived by the time they are needed, and
// reading them without an `await` each keeps the assembly loop tight.
export interface Slot<T> {
  done: boolean;
  value: T | undefined;
  error: unknown;
  promise: Promise<T>;
}

export function slot<T>(promise: Promise<T>): Slot<T> {
  const s: Slot<T> = { done: false, value: undefined, error: undefined, promise };
  promise.then(
    (v) => {
      s.done = true;
      s.value = v;
    },
    (e) => {
      // Settled with an error: read() throws it where the value is needed.
      s.done = true;
      s.error = e ?? new Error("failed");
    },
  );
  return s;
}

export function resolved<T>(value: T): Slot<T> {
  return { done: true, value, error: undefined, promise: Promise.resolve(value) };
}

/** The value of a settled slot (throws its error). */
export function read<T>(s: Slot<T>): T {
  if (!s.done) throw new Error("internal: slot read before it settled");
  if (s.error !== undefined) throw s.error;
  return s.value as T;
}

/** Wait until the slot settles (without throwing: read() does). */
export async function settle<T>(s: Slot<T>): Promise<void> {
  if (!s.done) await s.promise.then(() => undefined, () => undefined);
}
