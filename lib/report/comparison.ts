// compare.json: several models' reports side by side, with the figures the comparison adds (each
// robustness suite's mean over sets and conditions). The reports are kept whole except their scatter
// points, which the comparison does not draw.
import { InputError } from '../errors';
import { DIMENSIONS } from '../types';
import { describeValue } from '../validate';
import { checkReport } from './check-report';
import type { Report, Scores } from './schema';

export const COMPARISON_SCHEMA = 'ser-torch/comparison' as const;
export const COMPARISON_VERSION = 1 as const;

export interface SuiteMean {
  /** Per dimension: the mean over the sets of each set's mean over the suite's conditions. */
  mean: Scores;
  /** The mean of `mean` over the dimensions. */
  overall: number | null;
}

export interface ComparedModel {
  name: string;
  /** null when the model's report has no robustness results; a suite is null when it was not run. */
  robustness: { paper: SuiteMean | null; preprint: SuiteMean | null } | null;
  /** The model's report, `scatter` emptied. */
  report: Report;
}

export interface Comparison {
  schema: typeof COMPARISON_SCHEMA;
  version: typeof COMPARISON_VERSION;
  createdAt: string;
  models: ComparedModel[];
}

function average(v: number[]): number | null {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function suiteMean(report: Report, suite: 'paper' | 'preprint'): SuiteMean | null {
  const rows = report.robustness?.summary.filter((s) => s.suite === suite) ?? [];
  if (rows.length === 0) return null;
  const mean: Scores = {};
  for (const d of DIMENSIONS) {
    const v = rows.map((r) => r.mean[d]).filter((x): x is number => typeof x === 'number');
    if (rows.some((r) => r.mean[d] !== undefined)) mean[d] = average(v);
  }
  return { mean, overall: average(Object.values(mean).filter((x): x is number => typeof x === 'number')) };
}

/**
 * Names for models from their reports: report.model.name, with " (2)", " (3)" ... added to a name
 * seen before, so each model has its own row, bar and colour.
 */
export function uniqueNames(names: string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let i = 2; taken.has(candidate); i++) candidate = `${name} (${i})`;
    taken.add(candidate);
    return candidate;
  });
}

/** Checks the models (names unique and non-empty, reports valid) and builds compare.json's object. */
export function buildComparison(models: Array<{ name: string; report: Report }>, call = 'writeComparison'): Comparison {
  if (!Array.isArray(models) || models.length === 0) {
    throw new InputError(`${call}: 'reports' must be a non-empty array of { name, report }, got ${describeValue(models)}`);
  }
  const seen = new Set<string>();
  const compared = models.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new InputError(`${call}: reports[${i}] must be { name, report }, got ${describeValue(m)}`);
    if (typeof m.name !== 'string' || m.name === '') throw new InputError(`${call}: reports[${i}].name must be a non-empty string, got ${describeValue(m.name)}`);
    if (seen.has(m.name)) throw new InputError(`${call}: two reports are named '${m.name}' (names label the rows and bars; make them unique)`);
    seen.add(m.name);
    // Through JSON, as compare.json will hold it: NaN becomes null, then the shape is checked.
    const report = checkReport(JSON.parse(JSON.stringify(m.report ?? null)) as unknown, `${call}: reports[${i}] ('${m.name}')`);
    const robustness = report.robustness ? { paper: suiteMean(report, 'paper'), preprint: suiteMean(report, 'preprint') } : null;
    return { name: m.name, robustness, report: { ...report, sets: report.sets.map((s) => ({ ...s, scatter: {} })) } };
  });
  return { schema: COMPARISON_SCHEMA, version: COMPARISON_VERSION, createdAt: new Date().toISOString(), models: compared };
}
