// predictCorpus(): a model over a whole corpus (a manifest or a folder) into a JSONL or CSV file.
// Files decode on ser-torch's loader threads while the compute thread runs the model on the
// window before; each window is sorted by length into batches of similar length, and its
// records are appended in input order once it is done (flushed: a kill loses at most the window
// in flight). `resume` skips the files the output already holds. A file that cannot be read is
// an error record in the output and in the result, never left out silently.
import * as fsp from 'fs/promises';

import { AbortError, AudioError, InputError, NoHeadError } from '../errors';
import { loadModel, loadOptions, type LoadOptions, SerModel } from '../model';
import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkOneOf,
  checkSignal,
  checkString,
  describeValue,
  optionsObject,
} from '../validate';
import { type CorpusEntry, readCorpusInput } from './corpus-input';
import { corpusAddon, isProblem } from './native-corpus';
import { openOutput } from './open-output';
import { type CorpusProgress, ProgressMeter } from './progress';
import { checkLabels, type CorpusRecord, OUTPUT_FORMATS, type OutputFormat, outputFormat, recordText } from './output-format';
import { paddedBatches, planWindows } from './windows';

const CALL = 'predictCorpus';

export type { CorpusProgress } from './progress';

export interface PredictCorpusOptions extends LoadOptions {
  /** The output file (created, or appended to with resume). */
  out: string;
  /** Default: from out's extension (.jsonl / .ndjson / .json, or .csv). */
  format?: OutputFormat;
  /**
   * Continue an output that a killed or aborted run left: the files it holds are skipped (it must
   * be this format, for this model's labels; a torn last line is written again). Without it, an
   * out that exists and is not empty is refused.
   */
  resume?: boolean;
  /**
   * Most inputs per forward pass; a batch holds clips of similar length and pads at most 10 %.
   * Default: 1 on the CPU, where a batch computes no faster per second of audio than lone clips
   * (4 clips of 10 s took 1.2-1.3x as long batched as one by one with large-12), 8 on CUDA. A
   * window (what is written at once) is up to 8 x batchSize files and 600 s of audio.
   */
  batchSize?: number;
  /** After each window is written. */
  onProgress?: (p: CorpusProgress) => void;
  /** Stops after the window in flight is written; the run rejects with AbortError (resume continues it). */
  signal?: AbortSignal;
  /** As readManifest's: manifest audio paths (and, for a folder, links) must stay inside its folder. */
  confineAudioPaths?: boolean;
}

export interface CorpusResult {
  /** Files in the input. */
  files: number;
  /** Files predicted by this run. */
  predicted: number;
  /** Every file of the input the output has an error record for (this run's and resumed ones), with why. */
  skipped: Array<{ file: string; reason: string }>;
  /** Files already in the output (resume), not run again. */
  resumed: number;
  /** Wall time of this run. */
  seconds: number;
  /** Audio of the files this run predicted, per second of wall time. */
  audioSecondsPerSecond: number;
  out: string;
  format: OutputFormat;
}

function checkOptions(options: PredictCorpusOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InputError(`${CALL}: options must be an object with 'out', got ${describeValue(options)}`);
  }
  const o = optionsObject(CALL, options);
  checkString(CALL, 'out', o.out, { required: true });
  checkOneOf(CALL, 'format', o.format, OUTPUT_FORMATS);
  checkBoolean(CALL, 'resume', o.resume);
  checkInteger(CALL, 'batchSize', o.batchSize, 1, 65536);
  checkFunction(CALL, 'onProgress', o.onProgress);
  checkSignal(CALL, o.signal);
  checkBoolean(CALL, 'confineAudioPaths', o.confineAudioPaths);
  loadOptions(CALL, o); // device, precision, threads, numLayers: checked even when a model is given
}

/** Predicts every file of a manifest or folder into options.out; see PredictCorpusOptions. */
export async function predictCorpus(model: SerModel<string> | string, input: string, options: PredictCorpusOptions): Promise<CorpusResult> {
  const started = performance.now();
  if (!(model instanceof SerModel) && (typeof model !== 'string' || model === '')) {
    throw new InputError(`${CALL}(model, input, options): model must be a SerModel or a model folder path, got ${describeValue(model)}`);
  }
  checkString(CALL, 'input', input, { required: true });
  checkOptions(options);
  const format = outputFormat(CALL, options.out, options.format);
  if (options.signal?.aborted) throw new AbortError(`${CALL}: aborted before it started`, { cause: options.signal.reason });
  const existing = await fsp.stat(options.out).catch(() => null);
  if (existing && !existing.isFile()) throw new InputError(`${CALL}: out ${options.out} exists and is not a file`);
  if (existing && existing.size > 0 && !options.resume) {
    throw new InputError(`${CALL}: ${options.out} exists: pass resume: true (CLI: --resume) to continue it, or remove it`);
  }

  const { entries } = await readCorpusInput(CALL, input, options.confineAudioPaths ?? false);
  const owned = typeof model === 'string' ? await loadModel<string>(model, options) : null;
  const m = owned ?? (model as SerModel<string>);
  try {
    if (!m.info.hasHead) {
      throw new NoHeadError(`${CALL}: this model has no emotion head (a backbone checkpoint): fine-tune it with train() first`);
    }
    checkLabels(CALL, m.labels);
    return await run(m, entries, options, format, started);
  } finally {
    owned?.dispose();
  }
}

async function run(
  model: SerModel<string>,
  entries: CorpusEntry[],
  options: PredictCorpusOptions,
  format: OutputFormat,
  started: number,
): Promise<CorpusResult> {
  const labels = model.labels;
  const batchSize = options.batchSize ?? (model.info.device === 'cpu' ? 1 : 8);
  const minSamples = model.info.minSamples;
  const rate = model.info.sampleRate;
  const addon = await corpusAddon();

  const { output, done, failed: previouslyFailed } = await openOutput(CALL, options.out, {
    format, labels, resume: options.resume ?? false, entries,
  });
  const skipped = [...previouslyFailed];
  const resumed = done.filter(Boolean).length;
  const meter = new ProgressMeter(entries.map((e) => e.seconds), done, skipped.length);

  // The files of one window still to do, decoded on the loader threads.
  const decode = (w: [number, number]) => {
    const todo: number[] = [];
    for (let i = w[0]; i < w[1]; i++) if (!done[i] && entries[i].problem === undefined) todo.push(i);
    return addon.decodeFiles(todo.map((i) => entries[i].file), rate).then((decoded) => ({ todo, decoded }));
  };
  const windows = planWindows(entries.map((e) => e.seconds), batchSize).filter(([a, b]) => done.slice(a, b).some((d) => !d));
  let next = windows.length ? decode(windows[0]) : null;
  let writing: Promise<void> = Promise.resolve();
  try {
    for (let k = 0; k < windows.length; k++) {
      if (options.signal?.aborted) break;
      const [a, b] = windows[k];
      const { todo, decoded } = await next!;
      next = k + 1 < windows.length ? decode(windows[k + 1]) : null; // decodes while this window runs
      const problems = new Map<number, string>();
      const ready: Array<{ index: number; samples: Float32Array }> = [];
      todo.forEach((index, j) => {
        const d = decoded[j];
        if (isProblem(d)) problems.set(index, d.message);
        else if (d.length < minSamples) problems.set(index, tooShort(entries[index].file, d.length, rate, minSamples));
        else ready.push({ index, samples: d });
      });
      const values = await predictWindow(model, ready, batchSize, problems, (i) => entries[i].file);
      let text = '';
      for (let i = a; i < b; i++) {
        if (done[i]) continue;
        const e = entries[i];
        const reason = e.problem ?? problems.get(i);
        const record: CorpusRecord = reason !== undefined ? { file: e.file, error: reason } : { file: e.file, values: values.get(i)! };
        text += recordText(format, labels, record);
        if (reason !== undefined) skipped.push({ file: e.file, reason });
        meter.add(e.seconds, reason === undefined);
      }
      await writing; // the window before is on disk first: records stay in input order
      writing = output.append(CALL, text);
      const progress = meter.snapshot();
      writing = writing.then(() => options.onProgress?.(progress));
    }
    await writing;
  } finally {
    next?.catch(() => undefined); // a window decoded for nothing (abort or error)
    await writing.catch(() => undefined);
    await output.close();
  }
  if (options.signal?.aborted) {
    const { files } = meter.snapshot();
    throw new AbortError(
      `${CALL}: aborted after ${files} of ${entries.length} files; ${options.out} holds them: run again with resume: true to continue`,
      { cause: options.signal.reason },
    );
  }
  const computeSeconds = meter.elapsed();
  return {
    files: entries.length,
    predicted: meter.predicted,
    skipped,
    resumed,
    seconds: (performance.now() - started) / 1000,
    audioSecondsPerSecond: computeSeconds > 0 ? meter.predictedAudio / computeSeconds : 0,
    out: options.out,
    format,
  };
}

/** predict()'s own words for a clip the model cannot take (binding/core/preprocess/waveform.cpp). */
function tooShort(file: string, samples: number, rate: number, need: number): string {
  return `${file}: audio is too short: ${samples} samples at ${rate} Hz, the model needs at least ${need} (${Math.floor((1000 * need) / rate)} ms)`;
}

const isInputProblem = (e: unknown) => e instanceof AudioError || e instanceof InputError;

/**
 * A window's decoded files through the model, in batches of similar length (paddedBatches), values
 * in the order of the labels by input index. Should a file still be refused (the checks above
 * should catch every case), its batch runs file by file and that file gets an error record.
 */
async function predictWindow(
  model: SerModel<string>,
  ready: Array<{ index: number; samples: Float32Array }>,
  batchSize: number,
  problems: Map<number, string>,
  fileOf: (index: number) => string,
): Promise<Map<number, Array<number | null>>> {
  const out = new Map<number, Array<number | null>>();
  const asValues = (p: Record<string, number>) => model.labels.map((l) => p[l]);
  for (const group of paddedBatches(ready.map((r) => r.samples.length), batchSize)) {
    const batch = group.map((k) => ready[k]);
    try {
      const predictions = await model.predict(batch.map((r) => r.samples), { batchSize: batch.length });
      batch.forEach((r, j) => out.set(r.index, asValues(predictions[j])));
    } catch (error) {
      if (!isInputProblem(error)) throw error;
      for (const r of batch) {
        try {
          out.set(r.index, asValues((await model.predict([r.samples]))[0]));
        } catch (single) {
          if (!isInputProblem(single)) throw single;
          problems.set(r.index, `${fileOf(r.index)}: ${(single as Error).message.replace(/^input 0: /, '')}`);
        }
      }
    }
  }
  return out;
}
