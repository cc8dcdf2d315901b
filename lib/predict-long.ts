// Emotion over time in long recordings: what model.predictStream() and model.predictLong() do
// (lib/model.ts), over the addon's WindowStream (binding/napi/stream_bindings.cpp). The file is
// decoded a block at a time on the compute thread and its windows run through the model in
// batches, so memory follows batchSize x windowSeconds, not the file's length.
//
// The windows (binding/core/api/windowed_prediction.h), at the model's rate R (16 kHz), with
// W = round(windowSeconds * R) and H = round(hopSeconds * R) samples, for a file of N samples:
//  - window k covers [k*H, k*H + W): start = k*H / R, end = (k*H + W) / R seconds;
//  - every window that fits whole in the file is predicted;
//  - the tail: when samples remain after the last whole window (or the file is shorter than one
//    window), one more window starts at the next hop and ends at the end of the file. It is
//    predicted as its own, shorter window when it holds at least the model's minimum input
//    (info.minSamples: 400 samples = 25 ms for wav2vec2 / HuBERT), else dropped, and
//    predictLong's `uncoveredSeconds` says how much of the end no window covers (less than the
//    minimum input);
//  - a file shorter than the minimum input is an InputError naming it.
// Each window is normalised on its own, as predict() does a clip: a window's numbers equal
// predict() on the same samples (decoded, mixed to mono and resampled as predict() decodes files).
import { AbortError, InputError, native } from './errors';
import type { Prediction } from './model';
import { type NativeModelHandle, type NativeWindowBatch, type NativeWindowOptions, nativeAddon } from './native';
import type { Dimension } from './types';
import { checkInteger, checkNumber, checkSignal, checkString, optionsObject } from './validate';

export interface StreamOptions {
  /**
   * Window length in seconds, in (0, 600]; at least the model's minimum input
   * (info.minSamples / info.sampleRate). Default 4.
   */
  windowSeconds?: number;
  /** Seconds from one window's start to the next, in (0, windowSeconds]. Default: windowSeconds (no overlap). */
  hopSeconds?: number;
  /**
   * Windows per forward pass, an integer in [1, 1024]. Default: 1 on the CPU, where batches of
   * equal windows run no faster and multiply the activations' memory (large-12, 4 s windows:
   * about 190 MB a window); 8 on a GPU.
   */
  batchSize?: number;
  /** Stops the stream: the iteration (or predictLong) rejects with an AbortError at once; the batch running finishes unseen. */
  signal?: AbortSignal;
}

/** One window's prediction: its times in seconds from the start of the file, and the model's labels. */
export type WindowPrediction<L extends string = Dimension> = { start: number; end: number } & Prediction<L>;

export interface LongPrediction<L extends string = Dimension> {
  /** Every window, in order (see the rules above). */
  windows: WindowPrediction<L>[];
  /** Per label, the plain mean over the windows. */
  mean: Prediction<L>;
  /** Per label, the mean weighted by each window's length (end - start): the shorter tail counts less. */
  durationWeighted: Prediction<L>;
  /** The file's length in seconds (after resampling to the model's rate). */
  seconds: number;
  /** Seconds at the end that no window covers: a tail shorter than the model's minimum input, else 0. */
  uncoveredSeconds: number;
}

export const DEFAULT_WINDOW_SECONDS = 4;

/** batchSize's default for a model on `device` (see StreamOptions.batchSize). */
export function defaultWindowBatch(device: string): number {
  return device.startsWith('cuda') ? 8 : 1;
}
/** Limits as in binding/core/api/windowed_prediction.h. */
export const MAX_WINDOW_SECONDS = 600;
export const MAX_WINDOW_BATCH = 1024;

/** What the checks hand on: the addon's options and the signal. */
export interface StreamPlan {
  path: string;
  options: NativeWindowOptions;
  signal?: AbortSignal;
}

interface ModelFacts {
  device: string;
  sampleRate: number;
  minSamples: number;
  labels: readonly string[];
}

/** Checks predictStream / predictLong's arguments against the model: InputError naming the option. */
export function checkStreamOptions(call: string, path: unknown, opts: StreamOptions | null | undefined, model: ModelFacts): StreamPlan {
  checkString(call, 'path', path, { required: true });
  const o = optionsObject(call, opts);
  checkNumber(call, 'windowSeconds', o.windowSeconds, { min: 0, exclusiveMin: true, max: MAX_WINDOW_SECONDS });
  checkNumber(call, 'hopSeconds', o.hopSeconds, { min: 0, exclusiveMin: true, max: MAX_WINDOW_SECONDS });
  checkInteger(call, 'batchSize', o.batchSize, 1, MAX_WINDOW_BATCH);
  checkSignal(call, o.signal);
  const windowSeconds = o.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  const hopSeconds = o.hopSeconds ?? windowSeconds;
  if (hopSeconds > windowSeconds) {
    throw new InputError(`${call}: 'hopSeconds' ${hopSeconds} is longer than 'windowSeconds' ${windowSeconds}: the windows would leave gaps`);
  }
  const rate = model.sampleRate;
  const windowSamples = Math.round(windowSeconds * rate);
  if (windowSamples < model.minSamples) {
    throw new InputError(
      `${call}: 'windowSeconds' ${windowSeconds} is shorter than the model's minimum input: ${windowSamples} samples at ` +
        `${rate} Hz, the model needs at least ${model.minSamples} (${(1000 * model.minSamples) / rate} ms)`,
    );
  }
  if (Math.round(hopSeconds * rate) < 1) {
    throw new InputError(`${call}: 'hopSeconds' ${hopSeconds} is less than one sample at ${rate} Hz`);
  }
  const clash = model.labels.filter((label) => label === 'start' || label === 'end');
  if (clash.length > 0) {
    throw new InputError(`${call}: the model's labels ${clash.map((c) => `'${c}'`).join(', ')} would collide with the window's times`);
  }
  return { path: path as string, options: { windowSeconds, hopSeconds, batchSize: o.batchSize ?? defaultWindowBatch(model.device) }, signal: o.signal };
}

function abortError(call: string, signal: AbortSignal): AbortError {
  return new AbortError(`${call}: aborted`, { cause: signal.reason });
}

/** `work`, or an AbortError as soon as `signal` fires (the native call then finishes unobserved). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, call: string): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(call, signal));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The file's batches of windows, in order. `live` returns the model's handle, or throws once the
 * model is disposed (checked before each batch). The native stream is closed however the
 * iteration ends: done, broken off, failed or aborted.
 */
export async function* windowBatches(live: () => NativeModelHandle, plan: StreamPlan, call: string): AsyncGenerator<NativeWindowBatch> {
  const { signal } = plan;
  if (signal?.aborted) throw abortError(call, signal);
  const addon = await native(() => nativeAddon());
  const stream = await native(() => new addon.WindowStream(live()));
  try {
    await untilAborted(native(() => stream.open(plan.path, plan.options)), signal, call);
    for (;;) {
      live();
      const batch = await untilAborted(native(() => stream.next()), signal, call);
      yield batch;
      if (batch.done) return;
    }
  } finally {
    stream.close();
  }
}

function toWindow<L extends string>(w: NativeWindowBatch['windows'][number], labels: readonly L[]): WindowPrediction<L> {
  const out: Record<string, number> = { start: w.start, end: w.end };
  labels.forEach((label, i) => (out[label] = w.values[i]));
  return out as WindowPrediction<L>;
}

/** Each window's prediction, in order, as the batches arrive. */
export async function* windowPredictions<L extends string>(
  batches: AsyncIterable<NativeWindowBatch>,
  labels: readonly L[],
): AsyncGenerator<WindowPrediction<L>, void, undefined> {
  for await (const batch of batches) {
    for (const w of batch.windows) yield toWindow(w, labels);
  }
}

/** The plain and the duration-weighted mean of each label over the windows. */
export function summarise<L extends string>(
  windows: readonly WindowPrediction<L>[],
  labels: readonly L[],
): { mean: Prediction<L>; durationWeighted: Prediction<L> } {
  const mean: Record<string, number> = {};
  const durationWeighted: Record<string, number> = {};
  let seconds = 0;
  for (const w of windows) seconds += w.end - w.start;
  for (const label of labels) {
    let sum = 0;
    let weighted = 0;
    for (const w of windows) {
      const v = (w as Record<string, number>)[label];
      sum += v;
      weighted += v * (w.end - w.start);
    }
    mean[label] = sum / windows.length;
    durationWeighted[label] = weighted / seconds;
  }
  return { mean: mean as Prediction<L>, durationWeighted: durationWeighted as Prediction<L> };
}

/** Every window of the file and their summaries. */
export async function collectLong<L extends string>(
  batches: AsyncIterable<NativeWindowBatch>,
  labels: readonly L[],
): Promise<LongPrediction<L>> {
  const windows: WindowPrediction<L>[] = [];
  let seconds = 0;
  let uncoveredSeconds = 0;
  for await (const batch of batches) {
    for (const w of batch.windows) windows.push(toWindow(w, labels));
    seconds = batch.seconds;
    uncoveredSeconds = batch.uncoveredSeconds;
  }
  return { windows, ...summarise(windows, labels), seconds, uncoveredSeconds };
}
