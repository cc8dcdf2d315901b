// How numbers and text appear in the HTML pages. Every number cell carries `data-key` (its exact place
// in the page's JSON file, as a JSON Pointer, RFC 6901: "/sets/0/ccc/valence") and `data-format`, so a
// test or a reader can check the page against the file. A pointer stays unambiguous for speaker or
// gender names with dots or slashes in them.

/** What a missing score (null in the JSON) shows. */
export const MISSING = '–';

/**
 * 'fixed3': three decimals (scores, seconds, milliseconds); 'int': a whole number with thousands
 * commas (counts, bytes, seeds); 'plain': the number as JSON writes it (label ranges, clip lengths).
 */
export type NumberFormat = 'fixed3' | 'int' | 'plain';

function present(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function formatNumber(v: number | null | undefined, format: NumberFormat = 'fixed3'): string {
  if (!present(v)) return MISSING;
  if (format === 'int') return Math.round(v).toLocaleString('en-US');
  if (format === 'plain') return String(v);
  const text = v.toFixed(3);
  // A tiny negative rounds to "-0.000"; shown as 0.000, as the charts' labels show it.
  return text === '-0.000' ? '0.000' : text;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** The JSON Pointer of a place in the JSON file: keys and array indices ("/sets/0/ccc/valence"). */
export function keyPath(...parts: Array<string | number>): string {
  return parts.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * A table cell holding a number from the JSON file at `path`. A value the file does not hold
 * (undefined) is an empty cell without a key; null shows MISSING and keeps its key.
 */
export function numberCell(path: string, v: number | null | undefined, format: NumberFormat = 'fixed3'): string {
  if (v === undefined) return '<td class="num"></td>';
  return `<td class="num" data-key="${escapeHtml(path)}" data-format="${format}">${formatNumber(v, format)}</td>`;
}

/** The same as an inline element, for numbers inside running text. */
export function numberSpan(path: string, v: number | null | undefined, format: NumberFormat = 'fixed3'): string {
  if (v === undefined) return '';
  return `<span class="num" data-key="${escapeHtml(path)}" data-format="${format}">${formatNumber(v, format)}</span>`;
}

export function textCell(s: string): string {
  return `<td>${escapeHtml(s)}</td>`;
}

/** Markup that is already HTML (e.g. a caption holding keyed numbers), as opposed to text. */
export interface Html {
  html: string;
}

/** A table with a caption, a header row and body rows (each row already a string of cells). */
export function table(caption: string | Html, header: string[], rows: string[], className = 'data'): string {
  const head = `<tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr>`;
  return (
    `<table class="${className}"><caption>${typeof caption === 'string' ? escapeHtml(caption) : caption.html}</caption>` +
    `<thead>${head}</thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table>`
  );
}

/** A row header cell (the row's name). */
export function rowHeader(s: string): string {
  return `<th scope="row">${escapeHtml(s)}</th>`;
}
