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


/**
 * Inputs per call. Far above any useful batch (the model splits calls into batches itself), and
 * low enough that a lying length (`new Array(2 ** 32 - 1)`) is refused at once instead of
 * blocking the event loop for a minute and then exhausting memory.
 */
export const MAX_INPUTS_PER_CALL = 1_000_000;

/** Returns the inputs as a list and whether the caller passed a single item. */
export function toNativeInputs(input: AudioInputs, sampleRate: number | undefined, modelRate: number): NativeInput[] {
  if (sampleRate !== undefined && !(typeof sampleRate === 'number' && Number.isFinite(sampleRate) && sampleRate > 0)) {
    throw new InputError(`sampleRate must be a positive number, got ${String(sampleRate)}`);
  }
  const rate = sampleRate ?? modelRate;
  const items = Array.isArray(input) ? input : [input];
  if (items.length > MAX_INPUTS_PER_CALL) {
    throw new InputError(
      `at most ${MAX_INPUTS_PER_CALL} inputs per call, got ${items.length}: split them over several calls`,
    );
  }
  // A plain loop: map() skips holes and would hand the addon a sparse array.
  const out: NativeInput[] = [];
  for (let i = 0; i < items.length; i++) out.push(toNative(items[i], i, rate));
  return out;
}
