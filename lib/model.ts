// SerModel: a loaded wav2vec2 / HuBERT model (with or without emotion head). Every call that
// computes runs in the addon off the event loop and returns a Promise.
import * as fs from 'fs';

import { type AudioInputs, toNativeInputs } from './audio-input';
import { DisposedError, InputError, IoError, native } from './errors';
import { type NativeDescription, type NativeLoadOptions, type NativeModelHandle, nativeAddon } from './native';
import { checkSeed, type PerturbSpec, perturbSpecJson } from './perturb';
import {
  checkStreamOptions,
  collectLong,
  type LongPrediction,
  type StreamOptions,
  windowBatches,
  type WindowPrediction,
  windowPredictions,
} from './predict-long';
import type { BatchingOptions, BatchingStats, Dimension, LoadOptions, Precision } from './types';
import {
  checkDevice,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkString,
  checkThreads,
  describeValue,
  optionsObject,
} from './validate';

export type { BatchingOptions, BatchingStats, Device, Dimension, LoadOptions, PerDimension, Precision } from './types';
export type { LongPrediction, StreamOptions, WindowPrediction } from './predict-long';

const PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'int8', 'auto'];

export interface RunOptions {
  /** Rate of Float32Array inputs; default: the model's rate (16000). */
  sampleRate?: number;
  /** Inputs per forward pass (sorted by length, padded, masked); default 8. */
  batchSize?: number;
  /**
   * Perturbs each input's audio (decoded, mono, at the model's rate, before normalisation) as
   * perturb() would, keyed by the input's path as given or '#<index>' for samples: the result
   * does not depend on the inputs' order or batching. See lib/perturb.ts for the specs.
   */
  perturb?: PerturbSpec;
  /** Seed of the perturbation's random draws (default 0): an integer in [0, 2^53 - 1]. */
  seed?: number;
  /**
   * One perturbation key per input instead of its path / '#<index>' (evaluate() passes each file's
   * path relative to its manifest, so the noise a file gets does not depend on the working directory).
   */
  perturbKeys?: string[];
}

/**
 * One prediction, keyed by the model's labels (config.json `id2label`; `model.labels` lists them).
 * Every head ser-torch creates or trains, and audEERING's models, have arousal, dominance and
 * valence (a head without `id2label` gets them): the default. A checkpoint whose `id2label` names
 * other labels has those keys: say so with `loadModel<'happy' | 'sad'>(dir)` (types only; nothing
 * checks the names at run time).
 */
export type Prediction<L extends string = Dimension> = Record<L, number>;

export interface HiddenStates {
  frames: number;
  size: number;
  /** frames x size, row-major */
  data: Float32Array;
}

export type ModelInfo = Readonly<NativeDescription>;

/** Checks predict / embed / hiddenStates options; null means none. */
function runOptions(call: string, opts: RunOptions | null | undefined): RunOptions & { perturbJson?: string } {
  const o = optionsObject(call, opts);
  checkNumber(call, 'sampleRate', o.sampleRate, { min: 0, exclusiveMin: true });
  checkInteger(call, 'batchSize', o.batchSize, 1, 65536);
  checkSeed(call, o.seed);
  const perturbJson = o.perturb === undefined ? undefined : perturbSpecJson(call, o.perturb);
  if (o.perturbKeys !== undefined && !(Array.isArray(o.perturbKeys) && o.perturbKeys.every((k) => typeof k === 'string'))) {
    throw new InputError(`${call}: 'perturbKeys' must be an array of strings, one per input`);
  }
  return { ...o, perturbJson };
}

/** Checks loadModel's options and builds exactly what the addon reads. */
export function loadOptions(call: string, opts: LoadOptions | null | undefined): NativeLoadOptions {
  const o = optionsObject(call, opts);
  checkDevice(call, o.device);
  checkThreads(call, o.threads);
  checkInteger(call, 'numLayers', o.numLayers, 1, 1024);
  checkOneOf(call, 'precision', o.precision, PRECISIONS);
  checkBatching(call, o.batching);
  return { device: o.device, threads: o.threads, numLayers: o.numLayers, precision: o.precision, batching: o.batching };
}

function checkBatching(call: string, v: unknown): void {
  if (v === undefined || v === null || typeof v === 'boolean') return;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new InputError(`${call}: 'batching' must be true, false or an object of limits, got ${describeValue(v)}`);
  }
  const b = v as BatchingOptions;
  checkNumber(call, 'batching.maxDelayMs', b.maxDelayMs, { min: 0, max: 60000 });
  checkNumber(call, 'batching.maxBatchSeconds', b.maxBatchSeconds, { min: 0.001, max: 86400 });
  checkInteger(call, 'batching.maxBatchSize', b.maxBatchSize, 1, 65536);
}

/** A loaded model; L: its labels (see Prediction). */
export class SerModel<L extends string = Dimension> implements AsyncDisposable {
  #handle: NativeModelHandle | null;
  readonly info: ModelInfo;

  /** @internal use loadModel() */
  constructor(handle: NativeModelHandle) {
    this.#handle = handle;
    this.info = Object.freeze(handle.describe());
  }

  get labels(): readonly L[] {
    return this.info.labels as readonly string[] as readonly L[]; // L is the caller's claim (see Prediction)
  }

  #live(): NativeModelHandle {
    if (!this.#handle) throw new DisposedError('the model has been disposed');
    return this.#handle;
  }

  async #run(input: AudioInputs, kind: 'predict' | 'embed' | 'hidden', opts: RunOptions | null | undefined) {
    const handle = this.#live();
    const o = runOptions(kind === 'hidden' ? 'hiddenStates' : kind, opts);
    const inputs = toNativeInputs(input, o.sampleRate, this.info.sampleRate);
    if (o.perturbKeys && o.perturbKeys.length !== inputs.length) {
      throw new InputError(`${kind}: 'perturbKeys' has ${o.perturbKeys.length} keys for ${inputs.length} inputs`);
    }
    return native(() => handle.run(inputs, kind, o.batchSize ?? 8, o.perturbJson, o.seed, o.perturbKeys));
  }

  /** Emotion dimensions for each input (a path, a Float32Array, or an array of either). */
  async predict(input: AudioInputs, opts?: RunOptions | null): Promise<Prediction<L>[]> {
    const { values } = await this.#run(input, 'predict', opts);
    return values.map((v) => Object.fromEntries(this.labels.map((label, i) => [label, v[i]])) as Prediction<L>);
  }

  /**
   * One Float32Array of hiddenSize per input: wav2vec2 / HuBERT, the mean-pooled last hidden state;
   * CNN14, the fc1 activation (PANNs' embedding). Either way, what the regression head reads.
   */
  async embed(input: AudioInputs, opts?: RunOptions | null): Promise<Float32Array[]> {
    return (await this.#run(input, 'embed', opts)).values;
  }

  /**
   * Frame features of each input, frames x hiddenSize: wav2vec2 / HuBERT, the last hidden state
   * (20 ms frames); CNN14, its last conv block averaged over frequency (320 ms steps).
   */
  async hiddenStates(input: AudioInputs, opts?: RunOptions | null): Promise<HiddenStates[]> {
    const { values, frames } = await this.#run(input, 'hidden', opts);
    return values.map((data, i) => ({ frames: frames[i], size: this.info.hiddenSize, data }));
  }

  /**
   * Emotion over time in a long recording (an audio file of any length): its windows' predictions,
   * `{ start, end, ...labels }` (seconds from the file's start), yielded in order as each batch is
   * computed. The file is decoded a block at a time, so memory follows batchSize x windowSeconds,
   * not the file. Window k covers [k * hop, k * hop + window); the tail past the last whole window
   * is one shorter window if it holds the model's minimum input (see lib/predict-long.ts). The
   * options are checked here (InputError naming the option); the file is opened at the first
   * step (AudioError naming it; a failure part-way names the position). Breaking off the loop
   * closes the file.
   */
  predictStream(path: string, opts?: StreamOptions | null): AsyncIterableIterator<WindowPrediction<L>> {
    this.#live();
    const plan = checkStreamOptions('predictStream', path, opts, this.info);
    return windowPredictions(windowBatches(() => this.#live(), plan, 'predictStream'), this.labels);
  }

  /**
   * predictStream's windows collected, with their plain and duration-weighted means, the file's
   * length and the seconds at its end no window covers.
   */
  async predictLong(path: string, opts?: StreamOptions | null): Promise<LongPrediction<L>> {
    this.#live();
    const plan = checkStreamOptions('predictLong', path, opts, this.info);
    return collectLong(windowBatches(() => this.#live(), plan, 'predictLong'), this.labels);
  }

  /** Writes the model in Hugging Face layout (config.json, preprocessor_config.json, model.safetensors). */
  async save(dir: string): Promise<void> {
    const handle = this.#live();
    checkString('save', 'dir', dir, { required: true });
    try {
      await fs.promises.mkdir(dir, { recursive: true });
    } catch (cause) {
      throw new IoError(`save: cannot create ${dir}: ${(cause as Error).message}`, { cause });
    }
    await native(() => handle.save(dir));
  }

  /**
   * How much coalescing happened so far (calls, groups run together, largest group); undefined
   * for a model loaded without `batching`.
   */
  batchingStats(): BatchingStats | undefined {
    return this.#live().batchingStats();
  }

  /** Frees the native model now; calls already running finish first. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = null;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
    return Promise.resolve();
  }
}

/** Loads a model from a local Hugging Face folder (config.json + model.safetensors or pytorch_model.bin). */
export async function loadModel<L extends string = Dimension>(dir: string, opts?: LoadOptions | null): Promise<SerModel<L>> {
  checkString('loadModel', 'dir', dir, { required: true });
  const options = loadOptions('loadModel', opts);
  const addon = await native(() => nativeAddon());
  const handle = await native(() => addon.loadModel(dir, options));
  return new SerModel<L>(handle);
}
