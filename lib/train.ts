// train(): fine-tuning on a native thread, as in the paper (CCC loss, Adam 1e-4, batch 32,
// 5 epochs, CNN frozen, best on dev; CNN14: SGD + Nesterov 0.9, lr 0.01, batch 64, 60 epochs).
// Returns a TrainingRun: await it for the result, or iterate it for events.
import { promises as fsp } from 'fs';
import * as path from 'path';

import { InputError, native } from './errors';
import { type LabelRange, resolveLabelRange } from './label-range';
import { nativeAddon } from './native';

export interface TrainOptions {
  /**
   * 'cnn14' trains the paper's CNN14 baseline: from scratch without `model`, else from a PANNs
   * checkpoint file (Cnn14_16k .pth) or a CNN14 folder. Left out: whatever `model` holds.
   */
  architecture?: 'cnn14';
  /** HF backbone folder, a fine-tuned ser-torch model (a head is created when absent), or a PANNs .pth. */
  model?: string;
  /** Manifests (CSV or JSONL). When they have a split column, train uses 'train' rows and dev 'dev' rows. */
  train: string;
  dev: string;
  outDir: string;
  labelRange?: LabelRange;
  optimizer?: 'adam' | 'sgd';
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  /** 'constant' (the paper's words, default) or 'linear' decay to 0 (HF Trainer's default). */
  lrSchedule?: 'constant' | 'linear';
  /** Gradient-norm clipping; 0 (default) is off, 1.0 is HF Trainer's default. */
  gradClip?: number;
  batchSize?: number;
  epochs?: number;
  /** Cap on padded audio seconds per forward pass; larger batches use gradient accumulation. */
  maxBatchSeconds?: number;
  /** Training crop length in seconds (random window); 0 = whole clips. Default 8. */
  maxClipSeconds?: number;
  freezeFeatureEncoder?: boolean;
  numLayers?: number;
  device?: string;
  /**
   * 'fp32' (default); 'bf16': mixed precision on CPU or CUDA (float32 master weights, optimiser
   * state, loss and CCC; bf16 matrix work; checkpoints stay float32); 'auto': bf16 where the
   * hardware has native bf16 instructions, else fp32. The 'start' event says what was chosen.
   */
  precision?: 'fp32' | 'bf16' | 'auto';
  /** @deprecated the older name for precision: 'bf16' (it now works on CPU too). */
  bf16?: boolean;
  seed?: number;
  /** Also evaluate on dev and checkpoint every N steps. */
  evalEvery?: number;
  /** Continue from outDir/last. */
  resume?: boolean;
  threads?: number;
  /** Overrides of config.json's regularisation (dropouts, LayerDrop, SpecAugment time masking). */
  dropout?: number;
  layerdrop?: number;
  maskTimeProb?: number;
  onEvent?: (event: TrainEvent) => void;
  signal?: AbortSignal;
}

export type Dimension = 'arousal' | 'dominance' | 'valence';
export type PerDimension = Partial<Record<Dimension, number>>;

export type TrainEvent =
  | { type: 'start'; epoch: number; step: number; totalSteps: number; precision: 'fp32' | 'bf16'; precisionReason: string }
  /** e.g. bf16 on hardware that emulates it (slower than fp32); also in info().warnings */
  | { type: 'warning'; epoch: number; step: number; message: string }
  | {
      type: 'step';
      epoch: number;
      step: number;
      totalSteps: number;
      loss: number;
      lr: number;
      samplesPerSecond: number;
      audioSecondsPerSecond: number;
      /** share of the samples the model saw that were padding */
      paddingShare: number;
    }
  | { type: 'epoch' | 'eval'; epoch: number; step: number; devCcc: PerDimension; devCccMean: number; best: boolean }
  | { type: 'checkpoint'; epoch: number; step: number; kind: 'best' | 'last'; path: string };

export interface TrainResult {
  bestDir: string;
  lastDir: string;
  bestDevCcc: PerDimension;
  bestDevCccMean: number | null;
  steps: number;
  epochs: number;
  /** true when the AbortSignal stopped it (outDir/last holds where it stopped) */
  aborted: boolean;
}

/** The paper's CNN14 recipe; options the caller sets win. */
export const CNN14_RECIPE = { optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: 64, epochs: 60 } as const;

function checkOptions(opts: TrainOptions) {
  if (!opts || typeof opts !== 'object') throw new InputError('train(options): options object required');
  for (const key of ['train', 'dev', 'outDir'] as const) {
    if (typeof opts[key] !== 'string' || opts[key] === '') throw new InputError(`train: '${key}' must be a non-empty string`);
  }
  if (opts.architecture !== undefined && opts.architecture !== 'cnn14') {
    throw new InputError(`train: architecture must be 'cnn14' or left out, got ${JSON.stringify(opts.architecture)}`);
  }
  const fromScratch = opts.architecture === 'cnn14' && opts.model === undefined;
  if (!opts.resume && !fromScratch && (typeof opts.model !== 'string' || opts.model === '')) {
    throw new InputError("train: 'model' is required unless resume is set or architecture is 'cnn14'");
  }
  for (const key of ['batchSize', 'epochs', 'evalEvery', 'numLayers', 'threads', 'seed'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InputError(`train: '${key}' must be a non-negative integer`);
  }
  if (opts.precision !== undefined && !['fp32', 'bf16', 'auto'].includes(opts.precision as string)) {
    const hint = (opts.precision as string) === 'int8' ? " (int8 is for inference: loadModel(dir, { precision: 'int8' }))" : '';
    throw new InputError(`train: 'precision' must be 'fp32', 'bf16' or 'auto', got ${JSON.stringify(opts.precision)}${hint}`);
  }
  if (opts.bf16 !== undefined && typeof opts.bf16 !== 'boolean') throw new InputError("train: 'bf16' must be a boolean");
  if (opts.bf16 === true && opts.precision !== undefined && opts.precision !== 'bf16') {
    throw new InputError(`train: bf16: true contradicts precision ${JSON.stringify(opts.precision)}; use precision alone`);
  }
  for (const key of ['lr', 'momentum', 'weightDecay', 'gradClip', 'maxBatchSeconds', 'maxClipSeconds'] as const) {
    const v = opts[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new InputError(`train: '${key}' must be a non-negative number`);
    }
  }
}

/** Whether the run trains a CNN14 (and so takes CNN14_RECIPE's defaults). */
async function trainsCnn14(opts: TrainOptions): Promise<boolean> {
  if (opts.architecture === 'cnn14') return true;
  const dir = opts.resume ? await resumeFolder(opts.outDir) : opts.model;
  if (!dir) return false;
  try {
    if ((await fsp.stat(dir)).isFile()) return true; // a PANNs checkpoint
    const config = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8'));
    return typeof config?.model_type === 'string' && /^cnn14(_16k)?$/i.test(config.model_type);
  } catch {
    return false; // the native side names what is wrong with the folder
  }
}

/** outDir/last, or what a crash between its two renames left (.last.old-*), as the native side finds it. */
async function resumeFolder(outDir: string): Promise<string | undefined> {
  const last = path.join(outDir, 'last');
  const has = (dir: string) => fsp.access(path.join(dir, 'trainer_state.json')).then(() => true, () => false);
  if (await has(last)) return last;
  const names = await fsp.readdir(outDir).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith('.last.old-') && (await has(path.join(outDir, name)))) return path.join(outDir, name);
  }
  return undefined;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A running training job: await it, or iterate its events. */
export class TrainingRun implements PromiseLike<TrainResult>, AsyncIterable<TrainEvent> {
  readonly result: Promise<TrainResult>;
  #events: TrainEvent[] = [];
  #waiters: (() => void)[] = [];
  #done = false;

  /** @internal */
  constructor(opts: TrainOptions) {
    this.result = this.#start(opts);
    this.result.catch(() => undefined).finally(() => {
      this.#done = true;
      this.#wake();
    });
  }

  async #start(opts: TrainOptions): Promise<TrainResult> {
    checkOptions(opts);
    const labelRange = resolveLabelRange(opts.labelRange);
    if (opts.signal?.aborted) throw new InputError('train: the AbortSignal is already aborted');
    const addon = await native(() => nativeAddon());
    const { onEvent, signal, ...rest } = opts;
    const recipe = (await trainsCnn14(opts)) ? CNN14_RECIPE : {};
    const handle = await native(() =>
      addon.train({ ...recipe, ...withoutUndefined(rest), labelRange }, (event: TrainEvent) => {
        this.#events.push(event);
        this.#wake();
        onEvent?.(event);
      }),
    );
    const abort = () => handle.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await native(() => handle.promise);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  then<A = TrainResult, B = never>(
    onfulfilled?: ((value: TrainResult) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.result.then(onfulfilled, onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TrainEvent> {
    let next = 0;
    while (true) {
      while (next < this.#events.length) yield this.#events[next++];
      if (this.#done) {
        await this.result; // rethrows a training error
        return;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}

/** Fine-tunes a model; see TrainOptions for the defaults (the paper's recipe). */
export function train(opts: TrainOptions): TrainingRun {
  return new TrainingRun(opts);
}
