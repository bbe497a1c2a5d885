// The timeline: one row per (person, resource), one bar per grant life, drawn as inline SVG
// (no library, nothing fetched at view time). Presentation attributes only, no style="":
// the page's Content-Security-Policy allows its one stylesheet by hash and nothing inline.
import { lifeStatus } from "../core/lives.js";
import type { GrantLife } from "../core/audit-types.js";
import { esc } from "./escape.js";

export interface TimelineOptions {
  now: Date;
  /** Most (person, resource) rows drawn; the most recently active are kept. */
  maxRows?: number;
  width?: number;
}

const ROW = 18;
const LABEL = 230;
const AXIS = 28;

function when(d: Date): string {
  return d.toISOString().slice(0, 16).replace("T", " ");
}

export function timelineSvg(lives: GrantLife[], o: TimelineOptions): { svg: string; rows: number; hidden: number } {
  const width = o.width ?? 1100;
  const now = o.now.getTime();
  const rows = new Map<string, GrantLife[]>();
  for (const l of lives) {
    const key = `${l.requester}\u0000${l.resource}`;
    const list = rows.get(key);
    if (list) list.push(l);
    else rows.set(key, [l]);
  }
  const lastSeen = (ls: GrantLife[]) => ls.reduce((m, l) => Math.max(m, (l.end?.at ?? o.now).getTime()), 0);
  let keys = [...rows.keys()];
  const maxRows = o.maxRows ?? 300;
  const hidden = Math.max(0, keys.length - maxRows);
  if (hidden) keys = keys.sort((a, b) => lastSeen(rows.get(b)!) - lastSeen(rows.get(a)!)).slice(0, maxRows);
  keys.sort();
  if (keys.length === 0) return { svg: "", rows: 0, hidden: 0 };

  const shown = keys.flatMap((k) => rows.get(k)!);
  // Loops, not Math.min(...list): a long history would overflow the argument stack.
  let t0 = Infinity;
  let t1 = now;
  for (const l of shown) {
    t0 = Math.min(t0, l.grantedAt.getTime());
    t1 = Math.max(t1, l.end?.at.getTime() ?? 0, l.expiresAt?.getTime() ?? 0);
  }
  const span = Math.max(t1 - t0, 60_000);
  const x = (t: number) => LABEL + ((t - t0) / span) * (width - LABEL - 10);
  const height = AXIS + keys.length * ROW + 6;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Grants per person and resource over time">`);
  for (let i = 0; i <= 5; i++) {
    const t = t0 + (span * i) / 5;
    const tx = x(t).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${AXIS - 6}" x2="${tx}" y2="${height}" stroke="#d0d7de" stroke-width="1"/>`);
    parts.push(`<text x="${tx}" y="12" font-size="10" text-anchor="${i === 0 ? "start" : i === 5 ? "end" : "middle"}" fill="#57606a">${esc(when(new Date(t)))}</text>`);
  }
  const nx = x(now).toFixed(1);
  parts.push(`<line x1="${nx}" y1="${AXIS - 10}" x2="${nx}" y2="${height}" stroke="#cf222e" stroke-width="1" stroke-dasharray="3 2"><title>now ${esc(when(o.now))} UTC</title></line>`);
  keys.forEach((key, i) => {
    const y = AXIS + i * ROW;
    const [person, resource] = key.split("\u0000");
    parts.push(`<text x="4" y="${y + 12}" font-size="11" fill="#24292f">${esc(`${person} · ${resource}`)}</text>`);
    for (const l of rows.get(key)!) {
      const status = lifeStatus(l, o.now);
      const start = l.grantedAt.getTime();
      const removed = l.end?.at.getTime() ?? now;
      const accessEnd = Math.min(removed, l.expiresAt?.getTime() ?? removed);
      const fill = !l.evidence.complete ? "#d1242f" : status === "active" ? "#1a7f37" : "#0969da";
      const title = `${l.requester} · ${l.resource} · ${l.tier ?? "no tier"} · ${when(l.grantedAt)} → ${l.expiresAt ? when(l.expiresAt) : "no expiry"}${l.end ? ` · ${l.end.kind} ${when(l.end.at)}` : ""}${l.evidence.complete ? "" : " · evidence incomplete"}`;
      const w = Math.max(2, x(accessEnd) - x(start));
      parts.push(`<rect class="bar ${status}" x="${x(start).toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" rx="2" fill="${fill}"><title>${esc(title)}</title></rect>`);
      // The file stayed on the branch after its window ended (waiting for the sweep): a thin line.
      if (removed > accessEnd) {
        parts.push(`<rect class="lingering" x="${x(accessEnd).toFixed(1)}" y="${y + ROW / 2 - 1}" width="${Math.max(1, x(removed) - x(accessEnd)).toFixed(1)}" height="2" fill="#8c959f"><title>${esc(`file still on the branch after expiry, until ${when(new Date(removed))}`)}</title></rect>`);
      }
    }
  });
  parts.push("</svg>");
  return { svg: parts.join(""), rows: keys.length, hidden };
}
