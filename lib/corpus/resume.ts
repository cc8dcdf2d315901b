// Reads back an output of predictCorpus before a run appends to it: every complete line must be
// a record of this format and labels (else the file is refused, naming the line), and a last
// line cut off by a kill is dropped, to be written again.
import * as fsp from 'fs/promises';

import { InputError } from '../errors';
import { type CorpusRecord, headerText, JSONL_MARKER, JSONL_VERSION, type OutputFormat } from './output-format';

export interface ExistingOutput {
  /** The records after the header, in file order. */
  records: CorpusRecord[];
  /** Bytes to keep: the header and every complete record (a torn last line is cut off). */
  keepBytes: number;
  /** true when not even the header is complete: the file is written from the start. */
  fresh: boolean;
}

/** A line (a CSV record may span several) and where it starts, for messages. */
interface Line {
  text: string;
  line: number;
}

/** Splits text into complete records; `rest` is the index where a last, unterminated one begins. */
function splitRecords(text: string, csv: boolean): { lines: Line[]; rest: number } {
  const lines: Line[] = [];
  let start = 0;
  let lineNo = 1;
  let startLine = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (csv && c === '"') quoted = !quoted; // a doubled quote toggles twice
    if (c !== '\n') continue;
    lineNo++;
    if (quoted) continue;
    lines.push({ text: text.slice(start, i).replace(/\r$/, ''), line: startLine });
    start = i + 1;
    startLine = lineNo;
  }
  return { lines, rest: start };
}

/** RFC 4180 fields of one record, or null when it is not well-formed. */
export function csvFields(text: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return null;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',') return null;
    } else {
      const end = text.indexOf(',', i);
      field = text.slice(i, end === -1 ? text.length : end);
      if (field.includes('"')) return null;
      i = end === -1 ? text.length : end;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

type Parse = (l: Line) => CorpusRecord | string;

function jsonlRecord(labels: readonly string[]): Parse {
  const predicted = ['file', ...labels];
  return ({ text }) => {
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      return 'not a JSON line';
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
    const r = o as Record<string, unknown>;
    const keys = Object.keys(r);
    if (typeof r.file !== 'string' || r.file === '') return "no 'file' string";
    if (sameList(keys, ['file', 'error'])) {
      return typeof r.error === 'string' ? { file: r.file, error: r.error } : "'error' is not a string";
    }
    if (!sameList(keys, predicted)) return `fields ${keys.join(', ')} are not file, ${labels.join(', ')} (or file, error)`;
    const values: Array<number | null> = [];
    for (const l of labels) {
      const v = r[l];
      if (v !== null && typeof v !== 'number') return `'${l}' is not a number`;
      values.push(v);
    }
    return { file: r.file, values };
  };
}

function csvRecord(labels: readonly string[]): Parse {
  return ({ text }) => {
    const f = csvFields(text);
    if (!f) return 'not a well-formed CSV record';
    if (f.length !== labels.length + 2) return `${f.length} fields, not ${labels.length + 2}`;
    const [file, ...rest] = f;
    const error = rest.pop()!;
    if (file === '') return 'no file';
    if (error !== '') return rest.every((v) => v === '') ? { file, error } : 'both values and an error';
    const values: Array<number | null> = [];
    for (const [i, v] of rest.entries()) {
      const n = v === '' ? null : Number(v);
      if (n !== null && !Number.isFinite(n)) return `${labels[i]} "${v}" is not a number`;
      values.push(n);
    }
    return { file, values };
  };
}

/** Checks the header line; a string says what is wrong. */
function checkHeader(format: OutputFormat, labels: readonly string[], text: string): string | null {
  if (format === 'csv') {
    const f = csvFields(text);
    if (f && f[0] === 'file' && f[f.length - 1] === 'error' && !sameList(f, ['file', ...labels, 'error'])) {
      return `its columns are ${f.join(', ')}, this model's output has file, ${labels.join(', ')}, error`;
    }
    return f && sameList(f, ['file', ...labels, 'error']) ? null : `the header is not file,${labels.join(',')},error`;
  }
  let h: Record<string, unknown> | null = null;
  try {
    h = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: said below
  }
  if (!h || typeof h !== 'object' || h['ser-torch'] !== JSONL_MARKER) return `line 1 is not the header {"ser-torch":"${JSONL_MARKER}",...}`;
  if (h.version !== JSONL_VERSION) return `it is version ${String(h.version)} of the format; this is version ${JSONL_VERSION}`;
  if (!Array.isArray(h.labels) || !sameList(h.labels, labels)) {
    return `it holds ${JSON.stringify(h.labels)}, this model's output is ${JSON.stringify(labels)}`;
  }
  return null;
}

export async function readExistingOutput(call: string, out: string, format: OutputFormat, labels: readonly string[]): Promise<ExistingOutput> {
  // Split as bytes (latin1: one character per byte; quotes and line ends are ASCII), so that
  // keepBytes is exact whatever the records hold; each record is then decoded as strict UTF-8.
  const bytes = (await fsp.readFile(out)).toString('latin1');
  const refuse = (line: number, why: string): never => {
    throw new InputError(
      `${call}: ${out}:${line}: ${why}: it is not a predictCorpus ${format} output for this model, so resume will not append to it ` +
        '(give another out, or remove the file)',
    );
  };
  const { lines: raw, rest } = splitRecords(bytes, format === 'csv');
  if (raw.length === 0) {
    // Killed before the header was whole: an empty file, or a prefix of the header, starts over.
    if (Buffer.from(headerText(format, labels)).toString('latin1').startsWith(bytes)) return { records: [], keepBytes: 0, fresh: true };
    refuse(1, 'the file does not start with the header');
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const lines = raw.map((l) => {
    try {
      return { line: l.line, text: utf8.decode(Buffer.from(l.text, 'latin1')) };
    } catch {
      return refuse(l.line, 'not UTF-8 text');
    }
  });
  const headerProblem = checkHeader(format, labels, lines[0].text);
  if (headerProblem) refuse(1, headerProblem);
  const parse = format === 'csv' ? csvRecord(labels) : jsonlRecord(labels);
  const records: CorpusRecord[] = [];
  for (const l of lines.slice(1)) {
    const r = parse(l);
    if (typeof r === 'string') refuse(l.line, r);
    else records.push(r);
  }
  return { records, keepBytes: rest, fresh: false };
}
