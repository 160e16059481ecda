/**
 * CSV as RFC 4180 writes it — every field quoted, `"` doubled, CRLF between records — plus one
 * rule for files that end up in spreadsheets: a cell that starts with `=`, `+`, `-` or `@`
 * (after spaces; fullwidth forms too) gets a leading `'`, so Excel, LibreOffice and Google Sheets
 * show it as text instead of running it as a formula (OWASP "CSV injection"). Values from spans
 * are chosen by whoever can reach the collector.
 */

/** What makes a spreadsheet read a cell as a formula. Tab and CR are there too, for text that was not made visible. */
const FORMULA_START = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r]/u;

/** One cell: formula-neutralised, then quoted. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '""';
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

/** A whole CSV document: a header record, then one record per row, CRLF after each. */
export function csvDocument(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null | undefined>>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',') + '\r\n').join('');
}
