// Rows of a set with their predictions: the pairs (prediction, gold) of one dimension, for any
// subset of rows. Rows without a gold value for the dimension are left out of its pairs.
import type { Scores } from '../report/schema';
import type { Dimension, ManifestRow } from '../types';
import { cccOrNull, meanError } from './stats';

export interface ScoredRow {
  row: ManifestRow;
  pred: Record<string, number>;
}

export interface Pairs {
  pred: number[];
  gold: number[];
}

export function pairs(rows: readonly ScoredRow[], dim: Dimension, pick: (r: ScoredRow) => boolean = () => true): Pairs {
  const out: Pairs = { pred: [], gold: [] };
  for (const r of rows) {
    const gold = r.row.labels[dim];
    const pred = r.pred[dim];
    if (gold === undefined || pred === undefined || !pick(r)) continue;
    out.pred.push(pred);
    out.gold.push(gold);
  }
  return out;
}

export function cccScores(rows: readonly ScoredRow[], dims: readonly Dimension[], pick?: (r: ScoredRow) => boolean): Scores {
  const out: Scores = {};
  for (const d of dims) {
    const p = pairs(rows, d, pick);
    out[d] = cccOrNull(p.pred, p.gold);
  }
  return out;
}

export function meanErrors(rows: readonly ScoredRow[], dims: readonly Dimension[], pick?: (r: ScoredRow) => boolean): Scores {
  const out: Scores = {};
  for (const d of dims) {
    const p = pairs(rows, d, pick);
    out[d] = meanError(p.pred, p.gold);
  }
  return out;
}

/** The mean of the non-null scores; null when there are none. */
export function meanScore(scores: Scores): number | null {
  const v = Object.values(scores).filter((x): x is number => typeof x === 'number');
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

/** a − b per dimension; null where either is missing. */
export function difference(a: Scores, b: Scores, dims: readonly Dimension[]): Scores {
  const out: Scores = {};
  for (const d of dims) {
    const x = a[d];
    const y = b[d];
    out[d] = typeof x === 'number' && typeof y === 'number' ? x - y : null;
  }
  return out;
}
