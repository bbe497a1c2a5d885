// CSV as RFC 4180 writes it (CRLF line ends, quoted when a cell holds a comma, a quote or a
// line break, quotes doubled), with cells that a spreadsheet would run as a formula defused.

/**
 * A cell starting with = + - @ (or a tab / carriage return, which some spreadsheets skip
 * before looking) is a formula to Excel, LibreOffice and Google Sheets; request files are
 * written by anyone who can open a PR, so such cells get a leading apostrophe (OWASP's advice).
 */
export function defuse(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function csvCell(value: string): string {
  const v = defuse(value);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csv(headers: string[], rows: string[][]): string {
  return [headers, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
