// Normalises what users pass to predict/embed/hiddenStates into the addon's input list.
import { InputError } from './errors';
import type { NativeInput } from './native';
import { describeValue as describe } from './validate';

/** A waveform with its rate, for inputs of different rates in one call. */
export interface Waveform {
  samples: Float32Array;
  sampleRate: number;
}

export type AudioLike = string | Float32Array | Waveform;
export type AudioInputs = AudioLike | AudioLike[];

// Cross-realm safe (jest runs tests in a vm context): no instanceof.
export function isFloat32Array(x: unknown): x is Float32Array {
  return Object.prototype.toString.call(x) === '[object Float32Array]';
}

function toNative(item: unknown, index: number, defaultRate: number): NativeInput {
  if (typeof item === 'string') {
    if (item.length === 0) throw new InputError(`input ${index}: empty path`);
    return item;
  }
  if (isFloat32Array(item)) return { samples: item, sampleRate: defaultRate };
  if (item && typeof item === 'object' && isFloat32Array((item as Waveform).samples)) {
    const w = item as Waveform;
    if (w.sampleRate !== undefined && !(typeof w.sampleRate === 'number' && Number.isFinite(w.sampleRate) && w.sampleRate > 0)) {
      throw new InputError(`input ${index}: sampleRate must be a positive number, got ${describe(w.sampleRate)}`);
    }
    return { samples: w.samples, sampleRate: w.sampleRate ?? defaultRate };
  }
  throw new InputError(
    `input ${index}: expected a file path, a Float32Array or { samples: Float32Array, sampleRate }, got ${describe(item)}`,
  );
}


/** Returns the inputs as a list and whether the caller passed a single item. */
export function toNativeInputs(input: AudioInputs, sampleRate: number | undefined, modelRate: number): NativeInput[] {
  if (sampleRate !== undefined && !(typeof sampleRate === 'number' && Number.isFinite(sampleRate) && sampleRate > 0)) {
    throw new InputError(`sampleRate must be a positive number, got ${String(sampleRate)}`);
  }
  const rate = sampleRate ?? modelRate;
  const items = Array.isArray(input) ? input : [input];
  return items.map((item, i) => toNative(item, i, rate));
}
