// ser-torch: dimensional speech emotion recognition (arousal, dominance, valence) on libtorch.
export { loadModel, SerModel } from './model';
export type { BatchingOptions, BatchingStats, Device, Dimension, PerDimension, LoadOptions, Precision, RunOptions, Prediction, HiddenStates, ModelInfo } from './model';
export type { AudioInputs, AudioLike, Waveform } from './audio-input';
export type { LongPrediction, StreamOptions, WindowPrediction } from './predict-long';
export { ccc } from './ccc';
export { logMel } from './features';
export type { LogMelOptions, LogMelFeatures } from './features';
export { train, TrainingRun } from './train';
export type { TrainOptions, TrainEvent, TrainResult } from './train';
export { LABEL_RANGES } from './label-range';
export type { LabelRange } from './label-range';
export { evaluate, readManifest } from './evaluate';
export type { EvaluateOptions, EvaluationReport, Manifest, ManifestRow, ReadManifestOptions, Scores } from './evaluate';
export type { SkippedRow } from './types';
export type {
  EvaluationOptions,
  EvaluationSet,
  EvaluationProgress,
  RobustnessOptions,
  FairnessOptions,
  EfficiencyOptions,
  SuiteName,
} from './evaluation/options';
export { scorePredictions } from './evaluation/score-predictions';
export type { ScoredItem, ScorePredictionsOptions, PredictionScores } from './evaluation/score-predictions';
export { REPORT_SCHEMA, REPORT_VERSION } from './report/schema';
export type * as ReportTypes from './report/schema';
export type { Report } from './report/schema';
export { predictCorpus } from './corpus/predict-corpus';
export type { PredictCorpusOptions, CorpusProgress, CorpusResult } from './corpus/predict-corpus';
export type { OutputFormat as CorpusOutputFormat } from './corpus/output-format';
export { perturb, robustnessConditions, loadNoiseFolder, builtinNoise, SUITES } from './perturb';
export type {
  PerturbSpec,
  PerturbOptions,
  Levels,
  BuiltinNoiseName,
  NoiseSpec,
  SpeedUpSpec,
  FadeSpec,
  ToneSpec,
  ZerosSpec,
  CropSpec,
  ClipSpec,
  GainSpec,
  FilterSpec,
  RobustnessSuite,
  Condition,
  NoiseSource,
  SkippedNoiseFile,
} from './perturb';
export { info, setThreads } from './runtime';
export type { RuntimeInfo } from './runtime';
export type { CpuInfo } from './native';
export {
  SerError,
  ConfigError,
  CheckpointError,
  AudioError,
  InputError,
  DeviceError,
  LibtorchError,
  NoHeadError,
  DisposedError,
  IoError,
  AbortError,
  DivergedError,
  BusyError,
  AddonError,
} from './errors';
export type { SerErrorCode } from './errors';
export { writeReport } from './report/write-report';
export { readReport } from './report/read-report';
export { writeComparison } from './report/compare';
export { uniqueNames, COMPARISON_SCHEMA, COMPARISON_VERSION } from './report/comparison';
export type { Comparison, ComparedModel, SuiteMean } from './report/comparison';
