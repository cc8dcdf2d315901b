// Shapes shared by the public API and the addon's declaration (lib/native.ts): the emotion
// dimensions, a manifest as the addon reads it, and training's events and result. They live here,
// importing nothing, so native.ts needs neither evaluate.ts nor train.ts (no import circle).

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
}

export interface Manifest {
  /** The label columns the manifest has, in the order arousal, dominance, valence. */
  dimensions: Dimension[];
  rows: ManifestRow[];
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
