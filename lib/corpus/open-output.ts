// Opens a corpus run's output: a new file with its header, or (resume) the file a run before
// left, validated, with a torn last line cut off; says which input files it already holds.
import * as fsp from 'fs/promises';

import { InputError } from '../errors';
import type { CorpusEntry } from './corpus-input';
import { OutputFile } from './output-file';
import { type CorpusRecord, headerText, type OutputFormat } from './output-format';
import { readExistingOutput } from './resume';

export interface OpenedOutput {
  output: OutputFile;
  /** Per input entry: the output already has its record. */
  done: boolean[];
  /** The error records the output already holds for input files, with why. */
  failed: Array<{ file: string; reason: string }>;
}

/** Marks the entries the output has a record for (as often as it has one per file: inputs may repeat a file). */
function heldEntries(entries: readonly CorpusEntry[], records: readonly CorpusRecord[]): boolean[] {
  const held = new Map<string, number>();
  for (const r of records) held.set(r.file, (held.get(r.file) ?? 0) + 1);
  return entries.map((e) => {
    const n = held.get(e.file) ?? 0;
    if (n > 0) held.set(e.file, n - 1);
    return n > 0;
  });
}

export async function openOutput(
  call: string,
  out: string,
  opts: { format: OutputFormat; labels: readonly string[]; resume: boolean; entries: readonly CorpusEntry[] },
): Promise<OpenedOutput> {
  const { format, labels, entries } = opts;
  const header = headerText(format, labels);
  const nothingDone = { done: entries.map(() => false), failed: [] };
  const stat = opts.resume ? await fsp.stat(out).catch(() => null) : null;
  if (!stat || stat.size === 0) return { output: await OutputFile.open(call, out, { header }), ...nothingDone };

  const previous = await readExistingOutput(call, out, format, labels);
  if (previous.fresh) return { output: await OutputFile.open(call, out, { keepBytes: 0, header }), ...nothingDone };
  const inputFiles = new Set(entries.map((e) => e.file));
  if (previous.records.length > 0 && !previous.records.some((r) => inputFiles.has(r.file))) {
    throw new InputError(`${call}: none of the ${previous.records.length} files in ${out} is in this input: it is the output of another corpus`);
  }
  const done = heldEntries(entries, previous.records);
  const errors = new Map(previous.records.flatMap((r) => ('error' in r ? [[r.file, r.error] as const] : [])));
  const failed = entries.flatMap((e, i) => (done[i] && errors.has(e.file) ? [{ file: e.file, reason: errors.get(e.file)! }] : []));
  return { output: await OutputFile.open(call, out, { keepBytes: previous.keepBytes }), done, failed };
}
