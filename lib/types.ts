// Shapes shared by the public API and the addon's declaration (lib/native.ts): the emotion
// dimensions, devices, a manifest as the addon reads it, training's settings, events and result.
// They live here, importing nothing, so native.ts needs neither evaluate.ts nor train.ts (no
// import circle) and each option list is written once.

/** 'cpu', 'cuda' or 'cuda:N'; an unavailable device is a DeviceError, never a fallback. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * 'fp32' (default); 'bf16': weights held in bf16, matrix work in bf16, norms / softmax / residual
 * sums / pooling / head in float32; 'int8': dynamic int8 quantisation of the transformer's Linear
 * layers (CPU); 'auto': bf16 where the processor or GPU has native bf16 instructions, else fp32.
 */
export type Precision = 'fp32' | 'bf16' | 'int8' | 'auto';

/**
 * loadModel()'s options, read by the addon as they are (binding/napi/convert.cpp
 * to_model_options) once lib/model.ts has checked them.
 */
export interface LoadOptions {
  /** 'cpu' (default), 'cuda' or 'cuda:N'; an unavailable device is a DeviceError, never a fallback. */
  device?: Device;
  /**
   * Intra-op threads for this model's calls, an integer in [0, 1024]; 0 or left out: the process
   * setting (all cores unless setThreads() changed it).
   */
  threads?: number;
  /** Keep only the first N transformer layers (the paper's efficiency result: 12 of 24). */
  numLayers?: number;
  /** What the model computes in; `model.info.precision` says what 'auto' chose. Default 'fp32'. */
  precision?: Precision;
  /**
   * Coalesce concurrent predict / embed / hiddenStates calls on this model into shared forward
   * passes (for servers): `true` for the defaults, or the limits. Off by default. Each call still
   * gets exactly its own results (equal to a lone call's within float rounding) or its own error;
   * a call's `batchSize` is then replaced by `maxBatchSize`; calls with `perturb` run alone.
   * `model.info.batching` says what is in force.
   */
  batching?: boolean | BatchingOptions;
}

/** How much coalescing happened on a model loaded with `batching` (model.batchingStats()). */
export interface BatchingStats {
  /** Calls that went through the batcher. */
  calls: number;
  /** Groups of calls run together (calls / groups: the mean group size). */
  groups: number;
  largestGroup: number;
}

/** loadModel's `batching` limits. */
export interface BatchingOptions {
  /** How long a call waits for others to join its forward pass, in ms: [0, 60000], default 5. */
  maxDelayMs?: number;
  /** Padded audio per forward pass (longest input x inputs), in seconds: [0.001, 86400], default 64. */
  maxBatchSeconds?: number;
  /** Inputs per forward pass: an integer in [1, 65536], default 64. */
  maxBatchSize?: number;
}

/** The emotion dimensions of the paper (and of audEERING's models and ser-torch's heads), in order. */
export const DIMENSIONS = ['arousal', 'dominance', 'valence'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
/** A value per dimension, for the dimensions a manifest or model has. */
export type PerDimension = Partial<Record<Dimension, number>>;

/** One manifest row, as the addon reads it (binding/core/train/manifest.cpp). */
export interface ManifestRow {
  /** The audio file, resolved against the manifest's folder. */
  path: string;
  /** The row's labels mapped from labelRange to [0, 1]; a dimension left empty is absent. */
  labels: PerDimension;
  /** '' when the manifest has no such column. */
  speaker: string;
  gender: string;
  split: string;
  /** Duration of the audio file. */
  seconds: number;
  /** The row's line in the manifest (its first line when a quoted field spans several). */
  line: number;
}

/** A row whose audio could not be read, left out when skipUnreadableAudio is set. */
export interface SkippedRow {
  file: string;
  line: number;
  reason: string;
}

export interface Manifest {
  /** The label columns the manifest has, in the order arousal, dominance, valence. */
  dimensions: Dimension[];
  rows: ManifestRow[];
  /** Rows left out for unreadable audio (only with skipUnreadableAudio; otherwise such a row fails the read). */
  skipped: SkippedRow[];
}

/** Dev-set scores after an epoch or an evalEvery step; best: the best so far (saved to outDir/best). */
export interface DevScores {
  epoch: number;
  step: number;
  devCcc: PerDimension;
  devCccMean: number;
  best: boolean;
}

/** What train()'s onEvent gets (event_to_js in binding/napi/train_job.cpp). */
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
      /** data-parallel runs: seconds this step waited on the all-reduce, and the bytes it summed */
      communicationSeconds?: number;
      allreduceBytes?: number;
    }
  /** 'epoch': the end of an epoch; 'eval': every evalEvery steps */
  | ({ type: 'epoch' } & DevScores)
  | ({ type: 'eval' } & DevScores)
  | { type: 'checkpoint'; epoch: number; step: number; kind: 'best' | 'last'; path: string };

/** What a training run resolves with (result_to_js in binding/napi/train_job.cpp). */
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

/**
 * train()'s settings, each read by the addon as it is (binding/napi/train_job.cpp
 * to_train_options; a key left out keeps the C++ default). lib/train.ts validates every one
 * first; TrainOptions adds labelRange (resolved to [min, max] for the addon), onEvent and signal.
 */
export interface TrainSettings {
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
  /** Keep the CNN feature encoder frozen (default true, as in the paper). */
  freezeFeatureEncoder?: boolean;
  /** Keep the first N transformer layers; 0 (default) keeps all. */
  numLayers?: number;
  /** 'cpu' (default), 'cuda' or 'cuda:N'; an unavailable device is a DeviceError. */
  device?: Device;
  /**
   * Refuse audio paths that leave the manifest's folder ("../", absolute paths, symbolic links
   * out of it) with an InputError, before the file is looked at. Off by default: a manifest may
   * point anywhere, and a missing file is named as missing. Turn it on where manifests come from
   * users (a server), so that they cannot read or probe other files.
   */
  confineAudioPaths?: boolean;
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
  /** Intra-op threads, an integer in [0, 1024]; 0 or left out: the process setting (all cores). */
  threads?: number;
  /** Decoded audio kept in memory across epochs, in MB (default 2048). */
  cacheMb?: number;
  /** Overrides of config.json's regularisation (dropouts, LayerDrop, SpecAugment time masking). */
  dropout?: number;
  layerdrop?: number;
  maskTimeProb?: number;
}
