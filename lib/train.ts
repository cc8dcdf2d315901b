// train(): fine-tuning on a native thread, as in the paper (CCC loss, Adam 1e-4, batch 32,
// 5 epochs, CNN frozen, best on dev; CNN14: SGD + Nesterov 0.9, lr 0.01, batch 64, 60 epochs).
// Returns a TrainingRun: await it for the result, or iterate it for events.
import { promises as fsp } from 'fs';
import * as path from 'path';

import { AbortError, InputError, native } from './errors';
import { type LabelRange, resolveLabelRange } from './label-range';
import { type NativeTrainOptions, nativeAddon } from './native';
import type { TrainEvent, TrainResult, TrainSettings } from './types';
import {
  checkBoolean,
  checkDevice,
  checkFunction,
  checkInteger,
  checkNumber,
  checkOneOf,
  checkSignal,
  checkString,
  checkThreads,
  type DistributedSettings,
  describeValue,
  resolveDistributed,
  type ResolvedDistributed,
} from './validate';

export type { DevScores, TrainEvent, TrainResult, TrainSettings } from './types';
export type { DistributedSettings } from './validate';

/** train()'s options: the settings the addon reads (TrainSettings, lib/types.ts) and the JS-side ones. */
export interface TrainOptions extends TrainSettings {
  /** The labels' scale, mapped to [0, 1]: [min, max] or a preset (LABEL_RANGES). Default [0, 1]. */
  labelRange?: LabelRange;
  onEvent?: (event: TrainEvent) => void;
  /**
   * Stops the run at the next step boundary (it then saves outDir/last and resolves with
   * `aborted: true`). Already aborted: train() rejects with AbortError and starts nothing.
   */
  signal?: AbortSignal;
  /**
   * Data-parallel training over c10d (Gloo): 'env' reads torchrun's variables (RANK, WORLD_SIZE,
   * MASTER_ADDR, MASTER_PORT, LOCAL_WORLD_SIZE); an object places this process explicitly. Every
   * other option keeps its meaning (batchSize is the global batch, split across the ranks), so
   * the number of processes changes speed, not results. Rank 0 evaluates, writes outDir and
   * emits the events; the others emit none. Left out: one process.
   */
  distributed?: 'env' | DistributedSettings;
}

/** The paper's CNN14 recipe; options the caller sets win. */
export const CNN14_RECIPE = { optimizer: 'sgd', lr: 0.01, momentum: 0.9, batchSize: 64, epochs: 60 } as const;

const PRECISIONS = ['fp32', 'bf16', 'auto'] as const;

/** Checks every option (nothing reaches the addon with a wrong type) and returns the label range and where this process sits. */
function checkOptions(opts: TrainOptions): [[number, number], ResolvedDistributed | undefined] {
  const call = 'train';
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InputError(`train(options): an options object with train, dev and outDir is required, got ${describeValue(opts)}`);
  }
  for (const key of ['train', 'dev', 'outDir'] as const) checkString(call, key, opts[key], { required: true });
  checkOneOf(call, 'architecture', opts.architecture, ['cnn14']);
  checkString(call, 'model', opts.model);
  checkBoolean(call, 'resume', opts.resume);
  const fromScratch = opts.architecture === 'cnn14' && opts.model === undefined;
  if (!opts.resume && !fromScratch && opts.model === undefined) {
    throw new InputError("train: 'model' is required unless resume is set or architecture is 'cnn14'");
  }
  checkOneOf(call, 'optimizer', opts.optimizer, ['adam', 'sgd']);
  checkOneOf(call, 'lrSchedule', opts.lrSchedule, ['constant', 'linear']);
  checkNumber(call, 'lr', opts.lr, { min: 0, exclusiveMin: true });
  checkNumber(call, 'momentum', opts.momentum, { min: 0, max: 1, exclusiveMax: true });
  for (const key of ['weightDecay', 'gradClip', 'maxBatchSeconds', 'maxClipSeconds'] as const) {
    checkNumber(call, key, opts[key], { min: 0 });
  }
  checkNumber(call, 'cacheMb', opts.cacheMb, { min: 0, max: 1 << 24 });
  for (const key of ['dropout', 'layerdrop', 'maskTimeProb'] as const) checkNumber(call, key, opts[key], { min: 0, max: 1 });
  checkInteger(call, 'batchSize', opts.batchSize, 2, 65536); // CCC needs 2 examples per batch
  checkInteger(call, 'epochs', opts.epochs, 1, 1_000_000);
  checkInteger(call, 'evalEvery', opts.evalEvery, 0, 1 << 30);
  checkInteger(call, 'numLayers', opts.numLayers, 0, 1024);
  checkInteger(call, 'seed', opts.seed, 0);
  checkThreads(call, opts.threads);
  checkBoolean(call, 'freezeFeatureEncoder', opts.freezeFeatureEncoder);
  checkBoolean(call, 'confineAudioPaths', opts.confineAudioPaths);
  checkDevice(call, opts.device);
  const int8 = (opts.precision as string) === 'int8' ? " (int8 is for inference: loadModel(dir, { precision: 'int8' }))" : '';
  checkOneOf(call, 'precision', opts.precision, PRECISIONS, int8);
  checkBoolean(call, 'bf16', opts.bf16);
  if (opts.bf16 === true && opts.precision !== undefined && opts.precision !== 'bf16') {
    throw new InputError(`train: bf16: true contradicts precision ${JSON.stringify(opts.precision)}; use precision alone`);
  }
  checkFunction(call, 'onEvent', opts.onEvent);
  checkSignal(call, opts.signal);
  const distributed = resolveDistributed(call, opts.distributed);
  return [resolveLabelRange(opts.labelRange, call), distributed];
}

/** Whether the run trains a CNN14 (and so takes CNN14_RECIPE's defaults). */
async function trainsCnn14(opts: TrainOptions): Promise<boolean> {
  if (opts.architecture === 'cnn14') return true;
  const dir = opts.resume ? await resumeFolder(opts.outDir) : opts.model;
  if (!dir) return false;
  try {
    if ((await fsp.stat(dir)).isFile()) return true; // a PANNs checkpoint
    const config = JSON.parse(await fsp.readFile(path.join(dir, 'config.json'), 'utf8')) as { model_type?: unknown } | null;
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

/** The addon's options: exactly the keys it reads, none undefined (the C++ defaults stay). */
function nativeOptions(
  opts: TrainOptions,
  labelRange: [number, number],
  recipe: Partial<NativeTrainOptions>,
  distributed: ResolvedDistributed | undefined,
): NativeTrainOptions {
  const { onEvent: _onEvent, signal: _signal, labelRange: _range, distributed: _distributed, ...rest } = opts;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<NativeTrainOptions>;
  const base = { ...recipe, ...defined, train: opts.train, dev: opts.dev, outDir: opts.outDir, labelRange };
  // The addon reads `distributed` when present (binding/napi/train_job.cpp).
  return distributed ? { ...base, distributed } : base;
}

/**
 * A running training job. It is a Promise of the result (then / catch / finally, await) and an
 * async iterable of its events. Like any promise, a failure nobody handles (no await, catch or
 * iteration) surfaces as the process's unhandledRejection.
 */
export class TrainingRun implements Promise<TrainResult>, AsyncIterable<TrainEvent> {
  readonly [Symbol.toStringTag] = 'TrainingRun';
  /** The result as a plain Promise. */
  readonly result: Promise<TrainResult>;
  #events: TrainEvent[] = [];
  #waiters: (() => void)[] = [];
  #done = false;

  /** @internal use train() */
  constructor(opts: TrainOptions) {
    // No handler is attached here: marking the end inside the chain keeps a rejection unhandled
    // until the caller awaits, catches or iterates.
    this.result = (async () => {
      try {
        return await this.#start(opts);
      } finally {
        this.#done = true;
        this.#wake();
      }
    })();
  }

  async #start(opts: TrainOptions): Promise<TrainResult> {
    const [labelRange, distributed] = checkOptions(opts);
    if (opts.signal?.aborted) throw new AbortError('train: the AbortSignal is already aborted; nothing was started');
    const addon = await native(() => nativeAddon());
    const { onEvent, signal } = opts;
    const recipe = (await trainsCnn14(opts)) ? CNN14_RECIPE : {};
    const handle = await native(() =>
      addon.train(nativeOptions(opts, labelRange, recipe, distributed), (event) => {
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

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<TrainResult | B> {
    return this.result.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<TrainResult> {
    return this.result.finally(onfinally);
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
