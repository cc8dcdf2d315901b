// The evaluation's numbers on paired predictions and gold values: CCC (null where undefined),
// mean error, percentile bootstrap of CCC, spread across groups.
import { ccc } from '../ccc';
import type { Interval, Spread } from '../report/schema';
import { seededRandom } from './random';

/** CCC, or null for fewer than 2 pairs or an undefined value (zero variance on both sides). */
export function cccOrNull(pred: ArrayLike<number>, gold: ArrayLike<number>): number | null {
  const v = pred.length < 2 ? NaN : ccc(pred, gold);
  return Number.isFinite(v) ? v : null;
}

/** mean(pred - gold); null when empty. */
export function meanError(pred: ArrayLike<number>, gold: ArrayLike<number>): number | null {
  if (pred.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < pred.length; i++) sum += pred[i] - gold[i];
  return sum / pred.length;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Population standard deviation (as numpy's default). */
export function std(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) * (b - m), 0) / values.length);
}

/** Percentile with linear interpolation between closest ranks (numpy's default method). */
export function percentile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface BootstrapSettings {
  /** pairs drawn with replacement per repetition */
  samples: number;
  repetitions: number;
  seed: number;
}

/**
 * Percentile bootstrap of CCC: `repetitions` times, draw `samples` pairs with replacement and take
 * CCC; mean, standard deviation and the 2.5 / 97.5 percentiles. Draws whose CCC is undefined (all
 * values equal) are left out; null when every draw is.
 */
export function bootstrapCcc(pred: readonly number[], gold: readonly number[], settings: BootstrapSettings, key: string): Interval | null {
  if (pred.length < 2) return null;
  const random = seededRandom(settings.seed, key);
  const p = new Float64Array(settings.samples);
  const g = new Float64Array(settings.samples);
  const values: number[] = [];
  for (let r = 0; r < settings.repetitions; r++) {
    for (let i = 0; i < settings.samples; i++) {
      const k = Math.floor(random() * pred.length);
      p[i] = pred[k];
      g[i] = gold[k];
    }
    const v = cccOrNull(p, g);
    if (v !== null) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return { mean: mean(values), std: std(values), low: percentile(values, 0.025), high: percentile(values, 0.975) };
}

/** min / max / mean / std of the finite values; null when there are none. */
export function spread(values: ReadonlyArray<number | null>): Spread | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return null;
  // A loop, not Math.min(...v): spreading 100k+ values overflows the call stack.
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { speakers: v.length, min, max, mean: mean(v), std: std(v) };
}
