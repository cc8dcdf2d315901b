// evaluate({ sets, robustness, fairness, efficiency }): the options, their defaults, and the checks
// that run before any file is read (each message names the option path, e.g. sets.mosi.columns).
import { InputError } from '../errors';
import { type LabelRange, resolveLabelRange } from '../label-range';
import type { LoadOptions } from '../types';
import { DIMENSIONS, type Dimension } from '../types';
import { checkBoolean, checkFunction, checkInteger, checkString, describeValue } from '../validate';

export interface EvaluationSet {
  manifest: string;
  /** the labels' scale, mapped to [0, 1] (a preset: 'msp-podcast', 'iemocap', 'mosi') */
  labelRange?: LabelRange;
  /** manifest column -> dimension, e.g. { sentiment: 'valence' } for MOSI */
  columns?: Record<string, Dimension>;
}

export type SuiteName = 'paper' | 'preprint';

export interface RobustnessOptions {
  /** 'paper' (the journal's 11 conditions, the default), 'preprint' (its 8 small perturbations), or both */
  suite?: SuiteName | SuiteName[];
  /** a folder with one sub-folder of noise clips per class (ESC-50 by class); default: built-in noise */
  noise?: string;
  /** default 1 */
  seed?: number;
  /** only these condition names */
  conditions?: string[];
  /** only these sets (default: all) */
  sets?: string[];
}

export interface FairnessOptions {
  /** speakers with more than this many rows get their own CCC (default 200) */
  minSpeakerSamples?: number;
  bootstrap?: { samples?: number; repetitions?: number };
  /** default 1 */
  seed?: number;
  /** only these sets (default: all) */
  sets?: string[];
}

export interface EfficiencyOptions {
  /** also measure the model pruned to these many transformer layers (default: the model's own only) */
  numLayers?: number[];
  /** latency at batch 1 for these clip lengths (default [1, 4, 8, 16]) */
  clipSeconds?: number[];
  /** timed runs per point after one warm-up (default 5) */
  runs?: number;
  /** batch sizes tried for throughput (default [1, 2, 4, 8]) */
  batchSizes?: number[];
  /** also score each numLayers on the first set (default false) */
  ccc?: boolean;
}

export interface EvaluationProgress {
  stage: 'predict' | 'robustness' | 'efficiency';
  set?: string;
  condition?: string;
  /** files (or measurements) done and in all, within this stage step */
  done: number;
  total: number;
}

export interface EvaluationOptions extends LoadOptions {
  /** named test sets: a manifest path, or { manifest, labelRange, columns } */
  sets: Record<string, EvaluationSet | string>;
  robustness?: RobustnessOptions | boolean;
  fairness?: FairnessOptions | boolean;
  efficiency?: EfficiencyOptions | boolean;
  /** a training run's outDir (metrics.jsonl) for the convergence curve; default: the model folder's parent when it has one */
  trainingRun?: string;
  /** the model's name in the report (default: from its folder) */
  name?: string;
  /** inputs per forward pass (default 8) */
  batchSize?: number;
  confineAudioPaths?: boolean;
  onProgress?: (progress: EvaluationProgress) => void;
  signal?: AbortSignal;
}

export interface ResolvedSet {
  name: string;
  manifest: string;
  labelRange: [number, number];
  columns: Record<string, Dimension>;
}

export interface Resolved {
  sets: ResolvedSet[];
  robustness: { suites: SuiteName[]; noise: string | null; seed: number; conditions: string[] | null; sets: string[] } | null;
  fairness: { minSpeakerSamples: number; samples: number; repetitions: number; seed: number; sets: string[] } | null;
  efficiency: { numLayers: number[]; clipSeconds: number[]; runs: number; batchSizes: number[]; ccc: boolean } | null;
}

const CALL = 'evaluate';
const MAX_BOOTSTRAP_DRAWS = 1e7;

function plainObject(key: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(`${CALL}: '${key}' must be an object, got ${describeValue(v)}`);
  return v as Record<string, unknown>;
}

function onlyKeys(key: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new InputError(`${CALL}: unknown option '${key}.${k}' (${allowed.join(', ')})`);
  }
}

function integerList(key: string, v: unknown, min: number, max: number, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length === 0) throw new InputError(`${CALL}: '${key}' must be a non-empty array of integers, got ${describeValue(v)}`);
  v.forEach((x, i) => checkInteger(CALL, `${key}[${i}]`, x, min, max));
  return [...new Set(v as number[])].sort((a, b) => a - b);
}

function numberList(key: string, v: unknown, min: number, max: number, fallback: number[]): number[] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length === 0) throw new InputError(`${CALL}: '${key}' must be a non-empty array of numbers, got ${describeValue(v)}`);
  v.forEach((x, i) => {
    if (!(typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max)) {
      throw new InputError(`${CALL}: '${key}[${i}]' must be a number in [${min}, ${max}], got ${describeValue(x)}`);
    }
  });
  return [...new Set(v as number[])].sort((a, b) => a - b);
}

function setNames(key: string, v: unknown, sets: readonly ResolvedSet[]): string[] {
  if (v === undefined) return sets.map((s) => s.name);
  if (!Array.isArray(v) || v.length === 0) throw new InputError(`${CALL}: '${key}' must be a non-empty array of set names, got ${describeValue(v)}`);
  for (const name of v) {
    if (!sets.some((s) => s.name === name)) throw new InputError(`${CALL}: '${key}' names the set ${describeValue(name)}, which is not in sets (${sets.map((s) => s.name).join(', ')})`);
  }
  return [...new Set(v as string[])];
}

function resolveSet(name: string, v: unknown): ResolvedSet {
  const key = `sets.${name}`;
  if (name === '') throw new InputError(`${CALL}: a set name must not be empty`);
  if (typeof v === 'string') {
    checkString(CALL, key, v, { required: true });
    return { name, manifest: v, labelRange: [0, 1], columns: {} };
  }
  const o = plainObject(key, v);
  onlyKeys(key, o, ['manifest', 'labelRange', 'columns']);
  checkString(CALL, `${key}.manifest`, o.manifest, { required: true });
  const columns: Record<string, Dimension> = {};
  if (o.columns !== undefined) {
    for (const [column, dim] of Object.entries(plainObject(`${key}.columns`, o.columns))) {
      if (!(DIMENSIONS as readonly unknown[]).includes(dim)) {
        throw new InputError(`${CALL}: '${key}.columns.${column}' must be one of ${DIMENSIONS.join(', ')}, got ${describeValue(dim)}`);
      }
      columns[column] = dim as Dimension;
    }
  }
  return { name, manifest: o.manifest as string, labelRange: resolveLabelRange(o.labelRange as LabelRange | undefined, `${CALL}: ${key}`), columns };
}

function enabled<T>(key: string, v: T | boolean | undefined): Record<string, unknown> | null {
  if (v === undefined || v === false) return null;
  if (v === true) return {};
  return plainObject(key, v);
}

export function resolveOptions(opts: EvaluationOptions): Resolved {
  const setsObject = plainObject('sets', opts.sets);
  const sets = Object.entries(setsObject).map(([name, v]) => resolveSet(name, v));
  if (sets.length === 0) throw new InputError(`${CALL}: 'sets' must name at least one test set`);
  checkInteger(CALL, 'batchSize', opts.batchSize, 1, 65536);
  checkBoolean(CALL, 'confineAudioPaths', opts.confineAudioPaths);
  checkFunction(CALL, 'onProgress', opts.onProgress);
  checkString(CALL, 'trainingRun', opts.trainingRun);
  checkString(CALL, 'name', opts.name);
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new InputError(`${CALL}: 'signal' must be an AbortSignal, got ${describeValue(opts.signal)}`);

  let robustness: Resolved['robustness'] = null;
  const r = enabled('robustness', opts.robustness);
  if (r) {
    onlyKeys('robustness', r, ['suite', 'noise', 'seed', 'conditions', 'sets']);
    const suites = r.suite === undefined ? ['paper'] : Array.isArray(r.suite) ? r.suite : [r.suite];
    for (const s of suites) {
      if (s !== 'paper' && s !== 'preprint') throw new InputError(`${CALL}: unknown robustness suite ${describeValue(s)} (paper, preprint)`);
    }
    if (suites.length === 0) throw new InputError(`${CALL}: 'robustness.suite' must name a suite (paper, preprint)`);
    checkString(CALL, 'robustness.noise', r.noise);
    checkInteger(CALL, 'robustness.seed', r.seed, 0, 2 ** 32 - 1);
    let conditions: string[] | null = null;
    if (r.conditions !== undefined) {
      if (!Array.isArray(r.conditions) || r.conditions.length === 0 || !r.conditions.every((c) => typeof c === 'string')) {
        throw new InputError(`${CALL}: 'robustness.conditions' must be a non-empty array of condition names, got ${describeValue(r.conditions)}`);
      }
      conditions = r.conditions;
    }
    robustness = {
      suites: [...new Set(suites as SuiteName[])],
      noise: (r.noise as string | undefined) ?? null,
      seed: (r.seed as number | undefined) ?? 1,
      conditions,
      sets: setNames('robustness.sets', r.sets, sets),
    };
  }

  let fairness: Resolved['fairness'] = null;
  const f = enabled('fairness', opts.fairness);
  if (f) {
    onlyKeys('fairness', f, ['minSpeakerSamples', 'bootstrap', 'seed', 'sets']);
    checkInteger(CALL, 'fairness.minSpeakerSamples', f.minSpeakerSamples, 0);
    checkInteger(CALL, 'fairness.seed', f.seed, 0, 2 ** 32 - 1);
    const b = f.bootstrap === undefined ? {} : plainObject('fairness.bootstrap', f.bootstrap);
    onlyKeys('fairness.bootstrap', b, ['samples', 'repetitions']);
    checkInteger(CALL, 'fairness.bootstrap.samples', b.samples, 2, 1_000_000);
    checkInteger(CALL, 'fairness.bootstrap.repetitions', b.repetitions, 1, 1_000_000);
    // One bootstrap runs on the event loop between yields: bounded (the default is 200 x 1000).
    const draws = ((b.samples as number | undefined) ?? 200) * ((b.repetitions as number | undefined) ?? 1000);
    if (draws > MAX_BOOTSTRAP_DRAWS) {
      throw new InputError(`${CALL}: fairness.bootstrap: samples x repetitions must be at most ${MAX_BOOTSTRAP_DRAWS.toExponential()}, got ${draws}`);
    }
    fairness = {
      minSpeakerSamples: (f.minSpeakerSamples as number | undefined) ?? 200,
      samples: (b.samples as number | undefined) ?? 200,
      repetitions: (b.repetitions as number | undefined) ?? 1000,
      seed: (f.seed as number | undefined) ?? 1,
      sets: setNames('fairness.sets', f.sets, sets),
    };
  }

  let efficiency: Resolved['efficiency'] = null;
  const e = enabled('efficiency', opts.efficiency);
  if (e) {
    onlyKeys('efficiency', e, ['numLayers', 'clipSeconds', 'runs', 'batchSizes', 'ccc']);
    checkInteger(CALL, 'efficiency.runs', e.runs, 1, 1000);
    checkBoolean(CALL, 'efficiency.ccc', e.ccc);
    efficiency = {
      numLayers: integerList('efficiency.numLayers', e.numLayers, 1, 1024, []),
      clipSeconds: numberList('efficiency.clipSeconds', e.clipSeconds, 0.001, 600, [1, 4, 8, 16]),
      runs: (e.runs as number | undefined) ?? 5,
      batchSizes: integerList('efficiency.batchSizes', e.batchSizes, 1, 256, [1, 2, 4, 8]),
      ccc: (e.ccc as boolean | undefined) ?? false,
    };
  }
  return { sets, robustness, fairness, efficiency };
}
