// Loads the addon once. Process-level OpenMP settings must be in the environment before libgomp
// starts, i.e. before the addon (and libtorch) is loaded.
import * as fs from 'fs';
import * as path from 'path';
import { isMainThread } from 'worker_threads';

import { AddonError } from './errors';
import type { BatchingOptions, BatchingStats, LoadOptions, Manifest, TrainEvent, TrainResult, TrainSettings } from './types';
import type { ResolvedDistributed } from './validate';

export interface NativeDescription {
  modelType: string;
  architectures: string[];
  labels: string[];
  hasHead: boolean;
  hiddenSize: number;
  numLayers: number;
  numParameters: number;
  sampleRate: number;
  minSamples: number;
  device: string;
  skippedKeys: string[];
  /** What this model computes in ('auto' resolved): 'fp32', 'bf16' or 'int8'. */
  precision: 'fp32' | 'bf16' | 'int8';
  /** Why: 'requested', or what the hardware offers (for 'auto'). */
  precisionReason: string;
  /** e.g. bf16 on a processor without native bf16 instructions (slower than fp32). */
  warnings: string[];
  /** The coalescing limits in force; absent when loadModel had no `batching`. */
  batching?: Required<BatchingOptions>;
}

/** What the processor offers for low-precision matrix work (CPUID, with the OS's support). */
export interface CpuInfo {
  vendor: string;
  model: string;
  /** Native bf16 matrix instructions (AVX512-BF16 or AMX-BF16): precision 'bf16' is fast here. */
  bf16: boolean;
  /** The best int8 dot-product path: 'amx', 'vnni' (AVX512-VNNI / AVX-VNNI), 'avx2' or 'none'. */
  int8: 'amx' | 'vnni' | 'avx2' | 'none';
  amx: boolean;
  avx2: boolean;
  avx512: boolean;
  avx512Bf16: boolean;
  avx512Vnni: boolean;
  avxVnni: boolean;
  amxBf16: boolean;
  amxInt8: boolean;
}

export interface NativeRuntimeInfo {
  torchVersion: string;
  /** The loaded libtorch_cpu.so: which libtorch runs. */
  torchLibrary: string;
  /** 'system' (Debian's libtorch), 'python' (a pip torch), 'unpacked' (LIBTORCH / Torch_DIR). */
  torchOrigin: 'system' | 'python' | 'unpacked';
  cudaAvailable: boolean;
  cudaDevices: number;
  threads: number;
  cores: number;
  blas: string;
  /** The BLAS's shared object; libtorch_cpu.so itself where MKL is linked into it (the pip wheels). */
  blasLibrary: string;
  /** OpenBLAS's kernel set, e.g. 'Haswell' or 'SkylakeX' (OPENBLAS_CORETYPE forces one); '' for other BLAS. */
  blasCore: string;
  /**
   * OpenBLAS's idle-worker spin as it read OPENBLAS_THREAD_TIMEOUT at load (log2 of cycles; 0 means
   * its default, 28); absent for other BLAS libraries.
   */
  blasThreadTimeout?: number;
  parallelBackend: string;
  /** ATen's vectorised kernels: 'default', 'avx2' or 'avx512' (ATEN_CPU_CAPABILITY). */
  cpuCapability: string;
  /** libtorch's int8 engines, e.g. ['qnnpack', 'onednn']. */
  quantizedEngines: string[];
  cpu: CpuInfo;
  nativeWarnings: string[];
}

export type NativeInput = string | { samples: Float32Array; sampleRate: number };

export interface NativeResults {
  values: Float32Array[];
  frames: number[];
}

export interface NativeModelHandle {
  describe(): NativeDescription;
  /** perturbJson: a spec lib/perturb.ts checked (undefined: none); seed: an integer in [0, 2^53 - 1]. */
  run(
    inputs: NativeInput[],
    kind: 'predict' | 'embed' | 'hidden',
    batchSize: number,
    perturbJson?: string,
    seed?: number,
    /** one perturbation key per input (default: its path, or '#<index>') */
    perturbKeys?: string[],
  ): Promise<NativeResults>;
  save(dir: string): Promise<void>;
  dispose(): void;
  /** model_batcher.h: undefined without loadModel's `batching` */
  batchingStats(): BatchingStats | undefined;
}

/** WindowStream.open's options (binding/napi/stream_bindings.cpp), checked by lib/predict-long.ts. */
export interface NativeWindowOptions {
  windowSeconds: number;
  hopSeconds: number;
  batchSize: number;
}

/** One batch of a WindowStream: windows in file order, times in seconds in the file. */
export interface NativeWindowBatch {
  windows: { start: number; end: number; values: Float32Array }[];
  /** No window is left (this batch may still hold the last ones). */
  done: boolean;
  /** Audio decoded so far, at the model's rate: the file's length once done. */
  seconds: number;
  /** Once done: the end no window covers (a tail shorter than the model's minimum input), else 0. */
  uncoveredSeconds: number;
}

/** A file's windows through a model (api/windowed_prediction.h); each call runs on the compute thread. */
export interface NativeWindowStream {
  open(path: string, options: NativeWindowOptions): Promise<{ sampleRate: number; windowSamples: number; hopSamples: number }>;
  next(): Promise<NativeWindowBatch>;
  /** Releases the file and the stream's model reference on the compute thread, after queued calls. */
  close(): void;
}

/** What binding/napi/convert.cpp to_model_options reads: loadModel's options, checked by lib/model.ts. */
export type NativeLoadOptions = LoadOptions;

/** What binding/napi/train_job.cpp to_train_options reads: the settings and the resolved label range. */
export interface NativeTrainOptions extends TrainSettings {
  labelRange: [number, number];
  /** data-parallel settings, resolved by lib/validate.ts (binding/napi/train_job.cpp reads them) */
  distributed?: ResolvedDistributed;
}

export interface NativeTrainHandle {
  /** result_to_js in train_job.cpp */
  promise: Promise<TrainResult>;
  /** Asks the training thread to stop at the next step boundary (it then saves outDir/last). */
  abort(): void;
}

export interface NativeCorpusOptions {
  dir: string;
  train?: number;
  dev?: number;
  test?: number;
  seed?: number;
}

export interface NativeAddon {
  loadModel(dir: string, options: NativeLoadOptions): Promise<NativeModelHandle>;
  runtimeInfo(): NativeRuntimeInfo;
  setThreads(n: number): number;
  /** onEvent gets event_to_js's objects (train_job.cpp) on the main thread. */
  train(options: NativeTrainOptions, onEvent: (event: TrainEvent) => void): NativeTrainHandle;
  /** Aborts and joins this environment's training threads (each saves outDir/last first). */
  stopTraining(): void;
  /** Drops model calls not yet started and waits for the running one (the process's exit only). */
  stopCompute(): void;
  /** ManifestWorker::Result in dataset_bindings.cpp; labels mapped to [0, 1] by range. */
  readManifest(
    path: string,
    range: [number, number],
    confineAudioPaths?: boolean,
    extras?: { columns?: Record<string, string>; skipUnreadableAudio?: boolean },
  ): Promise<Manifest>;
  synthesizeCorpus(options: NativeCorpusOptions): Promise<{ train: string; dev: string; test: string }>;
  createModel(dir: string, configJson: string, preprocessorJson: string, withHead: boolean, seed: number): Promise<void>;
  logMel(inputs: NativeInput[], settingsJson: string): Promise<{ frames: number; nMels: number; data: Float32Array }[]>;
  /** perturb_bindings.cpp: a perturbed copy of samples (key: what the random draws are keyed by, with the seed). */
  perturb(samples: Float32Array, sampleRate: number, specJson: string, seed: number, key: string): Promise<Float32Array>;
  /** Throws ERR_INPUT naming the field when the spec is not valid; opens no file. */
  checkPerturbSpec(specJson: string): void;
  /** Per file: '' when it can serve as a noise clip, else why not (undecodable, silent). */
  noiseClipProblems(paths: string[]): Promise<string[]>;
  /** A file decoded, mixed to mono and resampled to sampleRate (an integer). */
  loadMono(path: string, sampleRate: number): Promise<Float32Array>;
  /** stream_bindings.cpp: the windows of a long recording, a batch per next(). */
  WindowStream: new (model: NativeModelHandle) => NativeWindowStream;
}

let addon: NativeAddon | undefined;

/** The package folder: lib/ when run from source (tests), dist/lib/ when compiled. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return path.join(__dirname, '..');
    dir = up;
  }
  return dir;
}

export function nativeAddon(): NativeAddon {
  if (addon) return addon;
  // Idle OpenMP workers that spin steal the cores that OpenBLAS's own pool needs (measured 2x
  // slower here), and OpenBLAS's idle workers yield-spin ~0.1 s after each call (its default
  // timeout, 2^28 cycles) while oneDNN's threads compute: 2^4 puts them to sleep at once (float32
  // inference took 7-19 % less time per call here). Both are read when the libraries load, so
  // they are set before the addon loads. Users who set these themselves keep their values;
  // SER_TORCH_PROCESS_TUNING=0 leaves the process alone (also malloc and the allocator:
  // binding/core/runtime/threads.h).
  if (process.env.SER_TORCH_PROCESS_TUNING !== '0') {
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  }
  const root = packageRoot();
  try {
    // Required here, not imported, so that a missing or broken install becomes the AddonError below.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see the line above
    const load = require('node-gyp-build') as (dir: string) => unknown;
    addon = load(root) as NativeAddon;
    // No native thread may run libtorch while the process exits (oneDNN's static destructors
    // then crash it): 'exit' comes first for process.exit(), an uncaught exception and a normal
    // end; in a worker, for the worker's exit (the compute thread serves the whole process).
    const loaded = addon;
    const mainThread = isMainThread;
    process.on('exit', () => {
      loaded.stopTraining();
      if (mainThread) loaded.stopCompute();
    });
  } catch (cause) {
    throw new AddonError(
      `the native addon could not be loaded (${String((cause as Error).message).replace(/\s+/g, ' ').trim()}). ` +
        'Run `npm rebuild ser-torch` with libtorch installed (see README).',
      { cause },
    );
  }
  return addon;
}
