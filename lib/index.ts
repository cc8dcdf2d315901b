// ser-torch: dimensional speech emotion recognition (arousal, dominance, valence) on libtorch.
export { loadModel, SerModel } from './model';
export type { Device, LoadOptions, Precision, RunOptions, Prediction, HiddenStates, ModelInfo } from './model';
export type { AudioInputs, AudioLike, Waveform } from './audio-input';
export { ccc } from './ccc';
export { logMel } from './features';
export type { LogMelOptions, LogMelFeatures } from './features';
export { train, TrainingRun } from './train';
export type { TrainOptions, TrainEvent, TrainResult, PerDimension, Dimension } from './train';
export { LABEL_RANGES } from './label-range';
export type { LabelRange } from './label-range';
export { evaluate, readManifest } from './evaluate';
export type { EvaluateOptions, EvaluationReport, Scores } from './evaluate';
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
  AddonError,
} from './errors';
