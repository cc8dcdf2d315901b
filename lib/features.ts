// logMel(): CNN14's log-Mel front end on its own (PANNs' 16 kHz settings unless told otherwise),
// computed in C++ off the event loop: the features a CNN14 model sees.
import { type AudioInputs, toNativeInputs } from './audio-input';
import { InputError, native } from './errors';
import { nativeAddon } from './native';

export interface LogMelOptions {
  /** Rate the audio is resampled to (default 16000). */
  sampleRate?: number;
  /** Sample rate of raw Float32Array inputs (default: sampleRate). */
  inputSampleRate?: number;
  nFft?: number;
  hopLength?: number;
  nMels?: number;
  fMin?: number;
  fMax?: number;
}

export interface LogMelFeatures {
  frames: number;
  nMels: number;
  /** frames x nMels, in dB (10 log10 of the Mel power, floored at -100 dB) */
  data: Float32Array;
}

const CONFIG_KEYS = {
  sampleRate: 'sample_rate',
  nFft: 'n_fft',
  hopLength: 'hop_length',
  nMels: 'n_mels',
  fMin: 'f_min',
  fMax: 'f_max',
} as const;

/** Log-Mel features of each input, one LogMelFeatures per input. */
export async function logMel(input: AudioInputs, opts: LogMelOptions = {}): Promise<LogMelFeatures[]> {
  if (!opts || typeof opts !== 'object') throw new InputError('logMel(input, options): options must be an object');
  const settings: Record<string, number> = {};
  for (const [key, name] of Object.entries(CONFIG_KEYS)) {
    const v = opts[key as keyof typeof CONFIG_KEYS];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`logMel: '${key}' must be a finite number`);
    settings[name] = v;
  }
  const inputs = toNativeInputs(input, opts.inputSampleRate, opts.sampleRate ?? 16000);
  const addon = await native(() => nativeAddon());
  return native(() => addon.logMel(inputs, JSON.stringify(settings)));
}
