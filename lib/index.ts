// ser-torch: dimensional speech emotion recognition (arousal, dominance, valence) on libtorch.
export { loadModel, SerModel } from './model';
export type { Device, LoadOptions, RunOptions, Prediction, HiddenStates, ModelInfo } from './model';
export type { AudioInputs, AudioLike, Waveform } from './audio-input';
export { ccc } from './ccc';
export { info, setThreads } from './runtime';
export type { RuntimeInfo } from './runtime';
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
