// A value that arrives later and can then be read synchronously. The audit waits on hundreds
// of thousands of file reads; most have arrived by the time they are needed, and reading
// them without a promise and an `await` each keeps the assembly loop (and the GC) light.
export class Slot<T> {
  done = false;
  private value: T | undefined;
  private error: unknown;
  private waiters: Array<() => void> | null = null;

  static of<T>(value: T): Slot<T> {
    const s = new Slot<T>();
    s.set(value);
    return s;
  }

  static from<T>(promise: Promise<T>): Slot<T> {
    const s = new Slot<T>();
    promise.then((v) => s.set(v), (e) => s.fail(e));
    return s;
  }

  set(value: T): void {
    this.done = true;
    this.value = value;
    this.wake();
  }

  fail(error: unknown): void {
    this.done = true;
    this.error = error ?? new Error("failed");
    this.wake();
  }

  /** Resolves when the slot is set or failed (never rejects: get() throws the error). */
  wait(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  get(): T {
    if (!this.done) throw new Error("internal: slot read before it was set");
    if (this.error !== undefined) throw this.error;
    return this.value as T;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = null;
    if (w) for (const f of w) f();
  }
}
