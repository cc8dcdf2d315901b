// Checks a page's numbers against its JSON file: each `data-key` is a JSON Pointer (RFC 6901) into
// the file, and the text shown must be that value in the cell's `data-format`. Written apart from
// lib/report/format.ts (numeric comparison, not the same formatting code) so a wrong key, a wrong
// value or a wrong rounding all fail.

/** The value at a JSON Pointer, or undefined when the path does not exist. */
export function atPointer(root: unknown, pointer: string): unknown {
  if (!pointer.startsWith('/')) return undefined;
  let v: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

export interface ShownNumber {
  key: string;
  format: string;
  text: string;
}

/** Why a shown number does not match the JSON (null when it does). */
export function mismatch(json: unknown, n: ShownNumber): string | null {
  const value = atPointer(json, n.key);
  const where = `${n.key} (${n.format}) shows "${n.text}"`;
  if (value === undefined) return `${where}: no such place in the JSON`;
  if (value === null) return n.text === '–' ? null : `${where}, the JSON has null`;
  if (typeof value !== 'number') return `${where}, the JSON has ${JSON.stringify(value)}`;
  if (n.format === 'fixed3') {
    if (!/^-?\d+\.\d{3}$/.test(n.text)) return `${where}: not three decimals`;
    return Math.abs(Number(n.text) - value) <= 0.0005 + 1e-12 ? null : `${where}, the JSON has ${value}`;
  }
  if (n.format === 'int') {
    if (!/^-?\d{1,3}(,\d{3})*$/.test(n.text)) return `${where}: not a whole number with thousands commas`;
    return Number(n.text.replace(/,/g, '')) === Math.round(value) ? null : `${where}, the JSON has ${value}`;
  }
  if (n.format === 'plain') return Number(n.text) === value ? null : `${where}, the JSON has ${value}`;
  return `${where}: unknown format`;
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] as string);
}

/** The keyed numbers of a page's HTML text, as the page writes them (no DOM needed). */
export function shownNumbers(html: string): ShownNumber[] {
  return [...html.matchAll(/data-key="([^"]*)" data-format="([^"]*)">([^<]*)</g)].map((m) => ({
    key: unescapeHtml(m[1]),
    format: m[2],
    text: unescapeHtml(m[3]),
  }));
}
