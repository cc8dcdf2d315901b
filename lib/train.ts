// train(): fine-tuning on a native thread, as in the paper (CCC loss, Adam 1e-4, batch 32,
// 5 epochs, CNN frozen, best on dev). Returns a TrainingRun: await it for the result, or
// iterate it for events.
import { InputError, native } from './errors';
import { type LabelRange, resolveLabelRange } from './label-range';
import { nativeAddon } from './native';

export interface TrainOptions {
  /** HF backbone folder or a fine-tuned ser-torch model (a head is created when absent). */
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
  | { type: 'start'; epoch: number; step: number; totalSteps: number }
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

function checkOptions(opts: TrainOptions) {
  if (!opts || typeof opts !== 'object') throw new InputError('train(options): options object required');
  for (const key of ['train', 'dev', 'outDir'] as const) {
    if (typeof opts[key] !== 'string' || opts[key] === '') throw new InputError(`train: '${key}' must be a non-empty string`);
  }
  if (!opts.resume && (typeof opts.model !== 'string' || opts.model === '')) {
    throw new InputError("train: 'model' is required unless resume is set");
  }
  for (const key of ['batchSize', 'epochs', 'evalEvery', 'numLayers', 'threads', 'seed'] as const) {
    const v = opts[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw new InputError(`train: '${key}' must be a non-negative integer`);
  }
  for (const key of ['lr', 'momentum', 'weightDecay', 'gradClip', 'maxBatchSeconds', 'maxClipSeconds'] as const) {
    const v = opts[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new InputError(`train: '${key}' must be a non-negative number`);
    }
  }
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
    const handle = await native(() =>
      addon.train({ ...rest, labelRange }, (event: TrainEvent) => {
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
