// The two output formats of predictCorpus, one record per input file, in input order:
// - JSONL: a header line {"ser-torch":"corpus-predictions","version":1,"labels":[...]}, then
//   {"file": ..., "<label>": number, ...} or {"file": ..., "error": "why"} per file;
// - CSV (RFC 4180): the header row file,<labels...>,error, then a row per file whose label
//   fields are empty where it failed and whose error field is empty where it was predicted.
// The header is the marker `resume` checks before it appends to a file.
import * as path from 'path';

import { InputError } from '../errors';

export type OutputFormat = 'jsonl' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['jsonl', 'csv'];

/** A predicted file (values in the order of the labels; null where the model gave no finite number) or a failed one. */
export type CorpusRecord = { file: string; values: Array<number | null> } | { file: string; error: string };

export const JSONL_MARKER = 'corpus-predictions';
export const JSONL_VERSION = 1;

/** The format `format` names, else the one out's extension names (.jsonl / .ndjson / .json, .csv). */
export function outputFormat(call: string, out: string, format: OutputFormat | undefined): OutputFormat {
  if (format !== undefined) return format;
  const ext = path.extname(out).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new InputError(`${call}: cannot tell the format of ${out} from its extension: name it .jsonl or .csv, or pass format: 'jsonl' | 'csv'`);
}

/** Labels that would collide with the record's own fields cannot be written. */
export function checkLabels(call: string, labels: readonly string[]): void {
  for (const l of labels) {
    if (l === 'file' || l === 'error') throw new InputError(`${call}: the model's label '${l}' has the name of an output column`);
  }
}

/** The header, with its line end. */
export function headerText(format: OutputFormat, labels: readonly string[]): string {
  if (format === 'jsonl') return `${JSON.stringify({ 'ser-torch': JSONL_MARKER, version: JSONL_VERSION, labels })}\n`;
  return `${['file', ...labels, 'error'].map(csvField).join(',')}\n`;
}

// Errors are one line in either format.
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' ');

/** One record, with its line end. */
export function recordText(format: OutputFormat, labels: readonly string[], r: CorpusRecord): string {
  if (format === 'jsonl') {
    const fields: Record<string, unknown> = { file: r.file };
    if ('error' in r) fields.error = oneLine(r.error);
    else labels.forEach((l, i) => (fields[l] = finiteOrNull(r.values[i])));
    return `${JSON.stringify(fields)}\n`;
  }
  const values = 'error' in r ? labels.map(() => '') : labels.map((_, i) => String(finiteOrNull(r.values[i]) ?? ''));
  return `${[csvField(r.file), ...values, csvField('error' in r ? oneLine(r.error) : '')].join(',')}\n`;
}

const finiteOrNull = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function csvField(text: string): string {
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
