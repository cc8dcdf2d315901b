// scorePredictions(): the evaluation's figures (CCC, per-gender gap and bias, per-speaker bootstrap)
// on predictions made elsewhere — another tool's, or a saved run's — without a model.
import { InputError } from '../errors';
import type { FairnessReport, Scores } from '../report/schema';
import { DIMENSIONS, type Dimension, type PerDimension } from '../types';
import { checkInteger, describeValue, optionsObject } from '../validate';
import { fairness } from './fairness';
import { cccScores, meanScore, type ScoredRow } from './paired';

export interface ScoredItem {
  /** gold values (any scale, as long as predictions use the same) */
  gold: PerDimension;
  pred: PerDimension;
  speaker?: string;
  gender?: string;
}

export interface ScorePredictionsOptions {
  /** speakers with more than this many items get their own CCC (default 200) */
  minSpeakerSamples?: number;
  bootstrap?: { samples?: number; repetitions?: number };
  seed?: number;
}

export interface PredictionScores {
  n: number;
  dimensions: Dimension[];
  ccc: Scores;
  cccMean: number | null;
  fairness: FairnessReport;
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export async function scorePredictions(items: readonly ScoredItem[], options?: ScorePredictionsOptions | null): Promise<PredictionScores> {
  const call = 'scorePredictions';
  if (Object.prototype.toString.call(items) !== '[object Array]') throw new InputError(`${call}: items must be an array of { gold, pred, speaker?, gender? }, got ${describeValue(items)}`);
  const o = optionsObject(call, options);
  checkInteger(call, 'minSpeakerSamples', o.minSpeakerSamples, 0);
  checkInteger(call, 'seed', o.seed, 0, 2 ** 32 - 1);
  checkInteger(call, 'bootstrap.samples', o.bootstrap?.samples, 2, 1_000_000);
  checkInteger(call, 'bootstrap.repetitions', o.bootstrap?.repetitions, 1, 1_000_000);
  if ((o.bootstrap?.samples ?? 200) * (o.bootstrap?.repetitions ?? 1000) > 1e7) {
    throw new InputError(`${call}: bootstrap: samples x repetitions must be at most 1e+7`);
  }
  const rows: ScoredRow[] = items.map((item: ScoredItem, i) => {
    if (typeof item !== 'object' || item === null) throw new InputError(`${call}: items[${i}] must be an object, got ${describeValue(item)}`);
    const labels: PerDimension = {};
    const pred: Record<string, number> = {};
    for (const d of DIMENSIONS) {
      const g = item.gold?.[d];
      const p = item.pred?.[d];
      if (g !== undefined && !finite(g)) throw new InputError(`${call}: items[${i}].gold.${d} must be a finite number, got ${describeValue(g)}`);
      if (p !== undefined && !finite(p)) throw new InputError(`${call}: items[${i}].pred.${d} must be a finite number, got ${describeValue(p)}`);
      if (g !== undefined) labels[d] = g;
      if (p !== undefined) pred[d] = p;
    }
    return { row: { path: `#${i}`, labels, speaker: String(item.speaker ?? ''), gender: String(item.gender ?? ''), split: '', seconds: 0, line: i + 1 }, pred };
  });
  const dimensions = DIMENSIONS.filter((d) => rows.some((r) => r.row.labels[d] !== undefined && r.pred[d] !== undefined));
  const ccc = cccScores(rows, dimensions);
  return {
    n: rows.length,
    dimensions,
    ccc,
    cccMean: meanScore(ccc),
    fairness: await fairness(rows, dimensions, {
      minSpeakerSamples: o.minSpeakerSamples ?? 200,
      bootstrap: { samples: o.bootstrap?.samples ?? 200, repetitions: o.bootstrap?.repetitions ?? 1000, seed: o.seed ?? 1 },
    }),
  };
}
