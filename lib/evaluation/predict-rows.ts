// Predicts many files in bounded chunks: memory follows the chunk, not the manifest (one call for
// a whole manifest held 2.7 GB of audio at 5k clips). Files are sorted by length so each chunk
// batches with little padding. A file that fails (undecodable, too short for the model, or too
// short once perturbed) is reported, not fatal: its chunk is run again file by file to find it.
import { AudioError, InputError } from '../errors';
import type { Prediction, SerModel } from '../model';
import type { PerturbSpec } from '../perturb';
import { checkAborted } from './abort';

const CHUNK_AUDIO_SECONDS = 1800;
const CHUNK_MAX_FILES = 2048;

export interface FileToPredict {
  path: string;
  seconds: number;
  /** the perturbation key (default: the path) */
  key?: string;
}

/** An error about this one file (unreadable, too short for the model), not about the call. */
function isFileProblem(error: unknown, file: string): boolean {
  return error instanceof AudioError || (error instanceof InputError && error.message.includes(file));
}

export interface PredictFilesOptions {
  batchSize?: number;
  perturb?: PerturbSpec;
  seed?: number;
  signal?: AbortSignal;
  /** files done so far (called after each chunk) */
  onChunk?: (done: number) => void;
}

export interface PredictedFiles {
  /** by index into the files given; undefined where the file failed */
  predictions: Array<Prediction<string> | undefined>;
  failures: Array<{ index: number; reason: string }>;
}

function chunks(files: readonly FileToPredict[]): number[][] {
  const order = files.map((_, i) => i).sort((a, b) => files[a].seconds - files[b].seconds);
  const out: number[][] = [];
  for (let start = 0; start < order.length; ) {
    let end = start;
    let seconds = 0;
    while (end < order.length && end - start < CHUNK_MAX_FILES && (end === start || seconds + files[order[end]].seconds <= CHUNK_AUDIO_SECONDS)) {
      seconds += files[order[end]].seconds;
      end++;
    }
    out.push(order.slice(start, end));
    start = end;
  }
  return out;
}

export async function predictFiles(model: SerModel<string>, files: readonly FileToPredict[], options: PredictFilesOptions = {}): Promise<PredictedFiles> {
  const result: PredictedFiles = { predictions: new Array<Prediction<string> | undefined>(files.length), failures: [] };
  const run = (indices: number[]) => ({
    batchSize: options.batchSize,
    perturb: options.perturb,
    seed: options.seed,
    perturbKeys: options.perturb ? indices.map((i) => files[i].key ?? files[i].path) : undefined,
  });
  let done = 0;
  for (const chunk of chunks(files)) {
    checkAborted(options.signal);
    try {
      const predicted = await model.predict(chunk.map((i) => files[i].path), run(chunk));
      chunk.forEach((i, k) => (result.predictions[i] = predicted[k]));
    } catch (error) {
      if (!(error instanceof AudioError || error instanceof InputError)) throw error;
      for (const i of chunk) {
        checkAborted(options.signal);
        try {
          result.predictions[i] = (await model.predict([files[i].path], run([i])))[0];
        } catch (single) {
          if (!isFileProblem(single, files[i].path)) throw single;
          result.failures.push({ index: i, reason: single instanceof Error ? single.message : String(single) });
        }
      }
    }
    done += chunk.length;
    options.onChunk?.(done);
  }
  return result;
}
