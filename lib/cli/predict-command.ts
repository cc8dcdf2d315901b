// `ser-torch predict <model> <files...>`: one line per file; with --window (and --hop), long
// recordings streamed in windows, one line per window (model.predictStream). Text (tab-separated
// name=value), --json (a JSON object per line) or --csv (a header line, then RFC 4180 rows).
import type { Command } from 'commander';

import { InputError } from '../errors';
import { runCorpusFromCli } from './corpus-options';
import { loadModel, type Device, type Precision, type SerModel } from '../model';

export interface PredictCliOptions {
  device: Device;
  batchSize?: number;
  precision: Precision;
  json?: boolean;
  csv?: boolean;
  window?: number;
  hop?: number;
  /** a corpus: a manifest or a folder (predictCorpus), written to --out */
  manifest?: string;
  out?: string;
  resume?: boolean;
  confineAudioPaths?: boolean;
}

type Row = Record<string, number>;

/** A --window / --hop value: a positive number of seconds (the API checks the rest, e.g. the model's minimum input). */
export function secondsArg(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
      throw new InputError(`predict: ${flag} must be a positive number of seconds, got '${value}'`);
    }
    return n;
  };
}

/** The flags that go together (or not), before the model is loaded. */
export function checkPredictFlags(o: PredictCliOptions, files: readonly string[] = []): void {
  if (o.json && o.csv) throw new InputError('predict: --json and --csv exclude each other');
  if (o.hop !== undefined && o.window === undefined) throw new InputError('predict: --hop needs --window');
  if (o.manifest !== undefined) {
    if (files.length) throw new InputError('predict: give audio files or --manifest, not both');
    if (o.out === undefined) throw new InputError('predict: --manifest needs --out <preds.jsonl | preds.csv>');
    if (o.window !== undefined || o.json) throw new InputError('predict: --manifest writes --out (JSONL or CSV by its extension); --window and --json do not apply');
  } else {
    if (!files.length) throw new InputError('predict: give audio files, or --manifest <csv | folder> --out <file>');
    if (o.out !== undefined || o.resume) throw new InputError('predict: --out and --resume go with --manifest');
  }
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Prints rows as the chosen format; `keys` are the columns after `file`, in order. */
function rowPrinter(o: PredictCliOptions, keys: readonly string[]): (file: string, row: Row) => void {
  if (o.json) return (file, row) => console.log(JSON.stringify({ file, ...row }));
  if (o.csv) {
    console.log(['file', ...keys].map(csvField).join(','));
    return (file, row) => console.log([file, ...keys.map((k) => row[k])].map(csvField).join(','));
  }
  const digits = (k: string) => (k === 'start' || k === 'end' ? 3 : 4);
  return (file, row) => console.log([file, ...keys.map((k) => `${k}=${row[k].toFixed(digits(k))}`)].join('\t'));
}

async function predictFiles(model: SerModel<string>, files: string[], o: PredictCliOptions): Promise<void> {
  const predictions = await model.predict(files, { batchSize: o.batchSize });
  const print = rowPrinter(o, model.labels);
  predictions.forEach((p, i) => print(files[i], p));
}

async function predictWindows(model: SerModel<string>, files: string[], o: PredictCliOptions): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const print = rowPrinter(o, ['start', 'end', ...model.labels]);
    const opts = { windowSeconds: o.window, hopSeconds: o.hop, batchSize: o.batchSize, signal: controller.signal };
    for (const file of files) {
      for await (const w of model.predictStream(file, opts)) print(file, w);
    }
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict emotion dimensions for audio files (with --window: over time, one line per window)')
    .argument('<model>', 'model folder in Hugging Face layout')
    .argument('[files...]', 'audio files (WAV, FLAC, OGG, MP3)')
    .option('--device <device>', 'cpu, cuda or cuda:N', 'cpu')
    .option('--batch-size <n>', 'inputs per forward pass (default 8); with --window, windows (default 1 on the CPU, 8 on a GPU)', (v) => Number(v))
    .option('--precision <p>', 'fp32, bf16, int8 or auto', 'fp32')
    .option('--json', 'one JSON object per line')
    .option('--csv', 'CSV: a header line, then one row per file (or window)')
    .option('--window <s>', 'long recordings: windows of <s> seconds, streamed from disk', secondsArg('--window'))
    .option('--hop <s>', 'seconds from one window start to the next (default: the window, no overlap)', secondsArg('--hop'))
    .option('--manifest <path>', 'a corpus: a manifest (CSV / JSONL) or a folder of audio, predicted into --out')
    .option('--out <file>', 'with --manifest: preds.jsonl or preds.csv, appended as files finish')
    .option('--resume', 'with --manifest: skip the files --out already holds')
    .option('--confine-audio-paths', "with --manifest: refuse audio paths outside the manifest's folder")
    .action(async (dir: string, files: string[], o: PredictCliOptions) => {
      checkPredictFlags(o, files);
      if (o.manifest !== undefined) {
        await runCorpusFromCli(dir, {
          manifest: o.manifest, out: o.out as string, resume: o.resume, batchSize: o.batchSize, device: o.device,
          precision: o.precision, confineAudioPaths: o.confineAudioPaths, format: o.csv ? 'csv' : undefined,
        });
        return;
      }
      const model = await loadModel<string>(dir, { device: o.device, precision: o.precision });
      for (const w of model.info.warnings) console.error(`warning: ${w}`);
      try {
        await (o.window === undefined ? predictFiles(model, files, o) : predictWindows(model, files, o));
      } finally {
        model.dispose();
      }
    });
}
