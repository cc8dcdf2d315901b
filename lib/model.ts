// SerModel: a loaded wav2vec2 / HuBERT model (with or without emotion head). Every call that
// computes runs in the addon off the event loop and returns a Promise.
import * as fs from 'fs';

import { type AudioInputs, toNativeInputs } from './audio-input';
import { DisposedError, InputError, native } from './errors';
import { type NativeDescription, type NativeModelHandle, nativeAddon } from './native';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * 'fp32' (default); 'bf16': weights held in bf16, matrix work in bf16, norms / softmax / residual
 * sums / pooling / head in float32; 'int8': dynamic int8 quantisation of the transformer's Linear
 * layers (CPU); 'auto': bf16 where the processor or GPU has native bf16 instructions, else fp32.
 */
export type Precision = 'fp32' | 'bf16' | 'int8' | 'auto';
const PRECISIONS: readonly string[] = ['fp32', 'bf16', 'int8', 'auto'];

export interface LoadOptions {
  /** 'cpu' (default), 'cuda' or 'cuda:N'; an unavailable device is a DeviceError, never a fallback. */
  device?: Device;
  /** Intra-op threads for this model's calls; default: all cores of the machine. */
  threads?: number;
  /** Keep only the first N transformer layers (the paper's efficiency result: 12 of 24). */
  numLayers?: number;
  /** What the model computes in; `model.info.precision` says what 'auto' chose. Default 'fp32'. */
  precision?: Precision;
}

export interface RunOptions {
  /** Rate of Float32Array inputs; default: the model's rate (16000). */
  sampleRate?: number;
  /** Inputs per forward pass (sorted by length, padded, masked); default 8. */
  batchSize?: number;
}

/** One prediction; keys are the model's labels (arousal, dominance, valence for audEERING's). */
export type Prediction = Record<string, number>;

export interface HiddenStates {
  frames: number;
  size: number;
  /** frames x size, row-major */
  data: Float32Array;
}

export type ModelInfo = Readonly<NativeDescription>;

function checkBatchSize(batchSize: number | undefined): number {
  if (batchSize === undefined) return 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InputError(`batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  return batchSize;
}

export class SerModel implements AsyncDisposable {
  #handle: NativeModelHandle | null;
  readonly info: ModelInfo;

  /** @internal use loadModel() */
  constructor(handle: NativeModelHandle) {
    this.#handle = handle;
    this.info = Object.freeze(handle.describe());
  }

  get labels(): readonly string[] {
    return this.info.labels;
  }

  #live(): NativeModelHandle {
    if (!this.#handle) throw new DisposedError('the model has been disposed');
    return this.#handle;
  }

  async #run(input: AudioInputs, kind: 'predict' | 'embed' | 'hidden', opts: RunOptions = {}) {
    const handle = this.#live();
    const inputs = toNativeInputs(input, opts.sampleRate, this.info.sampleRate);
    return native(() => handle.run(inputs, kind, checkBatchSize(opts.batchSize)));
  }

  /** Emotion dimensions for each input (a path, a Float32Array, or an array of either). */
  async predict(input: AudioInputs, opts?: RunOptions): Promise<Prediction[]> {
    const { values } = await this.#run(input, 'predict', opts);
    return values.map((v) => Object.fromEntries(this.info.labels.map((label, i) => [label, v[i]])));
  }

  /**
   * One Float32Array of hiddenSize per input: wav2vec2 / HuBERT, the mean-pooled last hidden state;
   * CNN14, the fc1 activation (PANNs' embedding). Either way, what the regression head reads.
   */
  async embed(input: AudioInputs, opts?: RunOptions): Promise<Float32Array[]> {
    return (await this.#run(input, 'embed', opts)).values;
  }

  /**
   * Frame features of each input, frames x hiddenSize: wav2vec2 / HuBERT, the last hidden state
   * (20 ms frames); CNN14, its last conv block averaged over frequency (320 ms steps).
   */
  async hiddenStates(input: AudioInputs, opts?: RunOptions): Promise<HiddenStates[]> {
    const { values, frames } = await this.#run(input, 'hidden', opts);
    return values.map((data, i) => ({ frames: frames[i], size: this.info.hiddenSize, data }));
  }

  /** Writes the model in Hugging Face layout (config.json, preprocessor_config.json, model.safetensors). */
  async save(dir: string): Promise<void> {
    const handle = this.#live();
    if (typeof dir !== 'string' || dir === '') throw new InputError('save(dir): dir must be a non-empty string');
    await fs.promises.mkdir(dir, { recursive: true });
    await native(() => handle.save(dir));
  }

  /** Frees the native model now; calls already running finish first. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = null;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}

/** Loads a model from a local Hugging Face folder (config.json + model.safetensors or pytorch_model.bin). */
export async function loadModel(dir: string, opts: LoadOptions = {}): Promise<SerModel> {
  if (typeof dir !== 'string' || dir === '') throw new InputError('loadModel(dir): dir must be a non-empty string');
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads > 0)) {
    throw new InputError(`threads must be a positive integer, got ${String(opts.threads)}`);
  }
  if (opts.numLayers !== undefined && !(Number.isInteger(opts.numLayers) && opts.numLayers > 0)) {
    throw new InputError(`numLayers must be a positive integer, got ${String(opts.numLayers)}`);
  }
  if (opts.precision !== undefined && !PRECISIONS.includes(opts.precision as string)) {
    throw new InputError(`precision must be 'fp32', 'bf16', 'int8' or 'auto', got ${JSON.stringify(opts.precision)}`);
  }
  if (opts.device !== undefined && typeof opts.device !== 'string') {
    throw new InputError(`device must be a string such as 'cpu' or 'cuda', got ${String(opts.device)}`);
  }
  const addon = await native(() => nativeAddon());
  const handle = await native(() => addon.loadModel(dir, { ...opts }));
  return new SerModel(handle);
}
