// report.json: what evaluate({ sets, ... }) returns and writeReport() saves. Versioned: a reader
// checks `schema` and `version` before trusting the fields. Every score is on the labels' [0, 1]
// scale; CCC is NaN-free in JSON (null where it is undefined, e.g. fewer than 2 rows).
import type { Dimension } from '../types';

export const REPORT_SCHEMA = 'ser-torch/report' as const;
export const REPORT_VERSION = 1 as const;

/** A number per dimension; null where it cannot be computed (fewer than 2 rows, zero variance). */
export type Scores = Partial<Record<Dimension, number | null>>;

export interface Interval {
  mean: number;
  std: number;
  /** 2.5th percentile of the bootstrap distribution */
  low: number;
  /** 97.5th percentile */
  high: number;
}

export interface GroupScores {
  n: number;
  ccc: Scores;
  /** mean(prediction - gold) per dimension */
  meanError: Scores;
}

export interface SpeakerScores {
  n: number;
  gender: string | null;
  ccc: Scores;
  /** Bootstrapped CCC per dimension (samples drawn with replacement, seeded). */
  bootstrap: Partial<Record<Dimension, Interval | null>>;
}

export interface Spread {
  speakers: number;
  min: number;
  max: number;
  mean: number;
  std: number;
}

export interface FairnessReport {
  byGender: Record<string, GroupScores>;
  /** CCC(female) - CCC(male); null without both groups */
  genderGap: Scores | null;
  /** (mean ŷ_f - mean y_f) - (mean ŷ_m - mean y_m); null without both groups */
  bias: Scores | null;
  minSpeakerSamples: number;
  bootstrap: { samples: number; repetitions: number; seed: number };
  /** Speakers with more than minSpeakerSamples rows. */
  bySpeaker: Record<string, SpeakerScores>;
  /** Spread of the per-speaker CCC across speakers, per dimension. */
  speakerSpread: Partial<Record<Dimension, Spread | null>>;
}

export interface SetReport {
  name: string;
  manifest: string;
  labelRange: [number, number];
  /** manifest column -> model dimension (identity for the dimensions' own columns) */
  columns: Record<string, Dimension>;
  /** Rows in the manifest, rows scored (decoded), rows skipped. */
  rows: number;
  n: number;
  /** The dimensions scored on this set (the mapped gold columns present). */
  dimensions: Dimension[];
  ccc: Scores;
  cccMean: number | null;
  fairness: FairnessReport | null;
  /** Gold and predicted values per dimension, for the scatter plots (every row up to 5000, then an even sample). */
  scatter: Partial<Record<Dimension, { gold: number[]; pred: number[] }>>;
}

export interface ConditionInfo {
  name: string;
  suite: 'paper' | 'preprint';
  description: string;
}

export interface RobustnessResult {
  set: string;
  condition: string;
  /** paper suite: CCC on the perturbed audio, and CCC(perturbed) - CCC(clean) */
  ccc?: Scores;
  delta?: Scores;
  /** preprint suite: share of outputs that moved by less than `threshold` */
  stableShare?: Scores;
}

export interface RobustnessReport {
  suites: Array<'paper' | 'preprint'>;
  seed: number;
  noise: { source: 'folder' | 'builtin'; folder: string | null; classes: string[] };
  /** preprint suite's threshold (.05) */
  threshold: number;
  conditions: ConditionInfo[];
  results: RobustnessResult[];
  /** Per set: the mean of delta (paper) / stableShare (preprint) over the suite's conditions. */
  summary: Array<{ set: string; suite: 'paper' | 'preprint'; mean: Scores }>;
}

export interface LatencyPoint {
  clipSeconds: number;
  p50Ms: number;
  p95Ms: number;
  runs: number;
}

export interface EfficiencyRow {
  numLayers: number;
  parameters: number;
  loadSeconds: number;
  latency: LatencyPoint[];
  /** audio-seconds per second at the best batch size tried */
  throughput: { batchSize: number; clipSeconds: number; audioSecondsPerSecond: number };
  /** CCC on the first set with this many layers, when asked */
  ccc: Scores | null;
}

export interface EfficiencyReport {
  parameters: number;
  sizeOnDiskBytes: number;
  loadSeconds: number;
  /** the process's peak resident set size when the measurements ended */
  peakRssBytes: number;
  threads: number;
  rows: EfficiencyRow[];
}

export interface ConvergencePoint {
  step: number;
  epoch: number;
  /** mean training loss since the previous evaluation (1 - CCC averaged over dimensions) */
  trainLoss: number | null;
  devCcc: Scores;
  devCccMean: number | null;
}

export interface SkippedFile {
  set: string;
  file: string;
  line: number;
  reason: string;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  createdAt: string;
  /** ser-torch's version, libtorch's, node's */
  software: { serTorch: string; libtorch: string; node: string };
  model: {
    name: string;
    path: string | null;
    modelType: string;
    architectures: string[];
    labels: string[];
    numLayers: number;
    parameters: number;
    precision: string;
    device: string;
  };
  sets: SetReport[];
  /** Generalisation: per dimension, the mean CCC over the sets that have it; and its mean. */
  meanOverSets: { ccc: Scores; cccMean: number | null };
  robustness: RobustnessReport | null;
  efficiency: EfficiencyReport | null;
  convergence: { runDir: string; points: ConvergencePoint[] } | null;
  skipped: SkippedFile[];
  seconds: number;
}
