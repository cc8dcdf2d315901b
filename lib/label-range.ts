// Label ranges: any [min, max] mapped linearly to [0, 1], or a preset of the paper's corpora.
import { InputError } from './errors';

export const LABEL_RANGES = {
  'msp-podcast': [1, 7],
  iemocap: [1, 5],
  mosi: [-3, 3],
} as const satisfies Record<string, readonly [number, number]>;

export type LabelRange = readonly [number, number] | keyof typeof LABEL_RANGES;

export function resolveLabelRange(range: LabelRange | undefined, call = 'labelRange'): [number, number] {
  if (range === undefined) return [0, 1];
  if (typeof range === 'string') {
    const preset = (LABEL_RANGES as Record<string, readonly [number, number]>)[range];
    if (!preset) throw new InputError(`${call}: unknown labelRange preset "${range}" (${Object.keys(LABEL_RANGES).join(', ')})`);
    return [preset[0], preset[1]];
  }
  if (!Array.isArray(range) || range.length !== 2 || !range.every(Number.isFinite) || !(range[1] > range[0])) {
    throw new InputError(`${call}: labelRange must be [min, max] with max > min, or a preset name (${Object.keys(LABEL_RANGES).join(', ')})`);
  }
  return [range[0], range[1]];
}

/**
 * The CLI's --label-range: "min,max" or a preset name. Only split here; resolveLabelRange (which
 * train / evaluate / readManifest call) is the one place that checks a range, so "1,x" or "7,1"
 * get the same InputError from the CLI as from the API.
 */
export function parseLabelRange(text: string): LabelRange {
  if (!text.includes(',')) return text as LabelRange; // a preset name (or an unknown one: refused there)
  // "1,2,3" or "1,x" pass through as they are: resolveLabelRange refuses them by the range rules.
  return text.split(',').map((part) => (part.trim() === '' ? NaN : Number(part))) as [number, number];
}
