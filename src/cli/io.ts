// Output for people and machines. Commands write through an Io so tests capture it.
export interface Io {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  cwd: process.cwd(),
  env: process.env,
};

/** Exit statuses shared by every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export class UsageError extends Error {}

/** A plain text table: columns padded to the widest cell, long cells wrapped nowhere. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now "${value}" is not a date-time (e.g. 2026-11-29T10:00:00Z)`);
  return d;
}

export function parseFormat(value: string | undefined, allowed: string[] = ["table", "json"]): string {
  const f = value ?? "table";
  if (!allowed.includes(f)) throw new UsageError(`--format must be one of ${allowed.join(", ")}, not "${f}"`);
  return f;
}

/**
 * `gitgrant audit | head`: once the reader has gone, further output has nowhere to go and
 * is not an error. Exit at once, quietly, instead of dying on an unhandled EPIPE.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.EventEmitter, exit: (code: number) => void = (c) => process.exit(c)): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") return exit(EXIT.ok);
    throw err;
  });
}
