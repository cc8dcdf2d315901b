// logMel(): CNN14's log-Mel front end on its own (PANNs' 16 kHz settings unless told otherwise),
// computed in C++ off the event loop: the features a CNN14 model sees.
import { type AudioInputs, toNativeInputs } from './audio-input';
import { native } from './errors';
import { nativeAddon } from './native';
import { checkInteger, checkNumber, optionsObject } from './validate';

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
export async function logMel(input: AudioInputs, options?: LogMelOptions | null): Promise<LogMelFeatures[]> {
  const opts = optionsObject('logMel', options);
  for (const key of ['sampleRate', 'inputSampleRate', 'fMax'] as const) {
    checkNumber('logMel', key, opts[key], { min: 0, exclusiveMin: true });
  }
  checkNumber('logMel', 'fMin', opts.fMin, { min: 0 });
  for (const key of ['nFft', 'hopLength', 'nMels'] as const) checkInteger('logMel', key, opts[key], 1, 1 << 20);
  const settings: Record<string, number> = {};
  for (const [key, name] of Object.entries(CONFIG_KEYS)) {
    const v = opts[key as keyof typeof CONFIG_KEYS];
    if (v !== undefined) settings[name] = v;
  }
  const inputs = toNativeInputs(input, opts.inputSampleRate, opts.sampleRate ?? 16000);
  const addon = await native(() => nativeAddon());
  return native(() => addon.logMel(inputs, JSON.stringify(settings)));
}
