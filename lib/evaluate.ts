// evaluate(): the paper's evaluation of a model. With named test sets (evaluate(model, { sets, ... }))
// the whole of it, as a Report (lib/evaluation/run.ts); with one manifest path, the quick view:
// CCC per dimension, per gender with the female-minus-male gap, and per speaker.
import { ccc } from './ccc';
import { AudioError, InputError } from './errors';
import type { EvaluationOptions } from './evaluation/options';
import { predictFiles } from './evaluation/predict-rows';
import { normaliseGender } from './evaluation/fairness';
import { evaluateModel } from './evaluation/run';
import { type LabelRange, resolveLabelRange } from './label-range';
import { readManifest } from './manifest';
import { type Dimension, loadModel, loadOptions, type LoadOptions, type Prediction, SerModel } from './model';
import type { Report } from './report/schema';
import type { ManifestRow } from './types';
import { checkBoolean, checkInteger, checkString, describeValue, optionsObject } from './validate';

export type { Manifest, ManifestRow } from './types';
export { readManifest, type ReadManifestOptions } from './manifest';

export interface EvaluateOptions extends LoadOptions {
  labelRange?: LabelRange;
  /** Inputs per forward pass (default 8). */
  batchSize?: number;
  /** Speakers with at least this many samples get their own CCC (the paper: more than 200). */
  minSpeakerSamples?: number;
  /** As train()'s: audio paths must stay inside the manifest's folder. */
  confineAudioPaths?: boolean;
}

export type Scores = Record<string, number>;

export interface EvaluationReport {
  n: number;
  dimensions: Dimension[];
  ccc: Scores;
  cccMean: number;
  byGender: Record<string, Scores>;
  /** CCC(female) - CCC(male) per dimension, when both groups are present */
  genderGap: Scores | null;
  bySpeaker: Record<string, Scores>;
  /** Keyed by the model's labels. */
  predictions: Prediction<string>[];
}

function scores(dims: Dimension[], rows: ManifestRow[], preds: Prediction<string>[], pick: (i: number) => boolean): Scores {
  const out: Scores = {};
  for (const d of dims) {
    const p: number[] = [];
    const g: number[] = [];
    rows.forEach((r, i) => {
      const gold = r.labels[d];
      const pred = preds[i][d];
      if (pick(i) && gold !== undefined && pred !== undefined) {
        p.push(pred);
        g.push(gold);
      }
    });
    out[d] = ccc(p, g);
  }
  return out;
}

/**
 * The paper's evaluation of a model (a folder or a loaded model): CCC on each named test set, and
 * when asked robustness, fairness and efficiency, as a versioned Report (save it with writeReport()).
 */
export async function evaluate(model: SerModel<string> | string, options: EvaluationOptions): Promise<Report>;
/** Predicts every row of one manifest and scores it against the labels (mapped to [0, 1]). */
export async function evaluate(model: SerModel<string> | string, data: string, options?: EvaluateOptions | null): Promise<EvaluationReport>;
export async function evaluate(
  model: SerModel<string> | string,
  data: string | EvaluationOptions,
  options?: EvaluateOptions | null,
): Promise<EvaluationReport | Report> {
  if (!(model instanceof SerModel) && (typeof model !== 'string' || model === '')) {
    throw new InputError('evaluate(model, ...): model must be a SerModel or a model folder path');
  }
  if (typeof data === 'string') return evaluateManifest(model, data, options);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError(`evaluate(model, options): the second argument must be a manifest path or { sets, ... }, got ${describeValue(data)}`);
  }
  if (options !== undefined) throw new InputError('evaluate(model, options): a third argument is only taken with a manifest path as the second');
  return evaluateModel(model, data);
}

async function evaluateManifest(model: SerModel<string> | string, data: string, options?: EvaluateOptions | null): Promise<EvaluationReport> {
  const call = 'evaluate';
  checkString(call, 'data', data, { required: true });
  const opts = optionsObject(call, options);
  loadOptions(call, opts); // checked before the manifest is read, not only when a path is loaded
  checkInteger(call, 'batchSize', opts.batchSize, 1, 65536);
  checkInteger(call, 'minSpeakerSamples', opts.minSpeakerSamples, 1);
  const range = resolveLabelRange(opts.labelRange, call);
  checkBoolean(call, 'confineAudioPaths', opts.confineAudioPaths);
  const { dimensions, rows } = await readManifest(data, range, { confineAudioPaths: opts.confineAudioPaths });
  const owned = typeof model === 'string' ? await loadModel(model, opts) : null;
  const m: SerModel<string> = owned ?? (model as SerModel<string>);
  try {
    const missing = dimensions.filter((d) => !m.labels.includes(d));
    if (missing.length) throw new InputError(`the model has no output for ${missing.join(', ')}`);
    const predicted = await predictFiles(m, rows, { batchSize: opts.batchSize });
    // This view scores every row or fails: the first unreadable file is the error.
    if (predicted.failures.length) throw new AudioError(predicted.failures[0].reason);
    const predictions = predicted.predictions as Prediction<string>[];
    const all = scores(dimensions, rows, predictions, () => true);
    const byGender: Record<string, Scores> = {};
    for (const g of new Set(rows.map((r) => normaliseGender(r.gender)).filter(Boolean))) {
      byGender[g] = scores(dimensions, rows, predictions, (i) => normaliseGender(rows[i].gender) === g);
    }
    const genderGap = byGender.female && byGender.male
      ? Object.fromEntries(dimensions.map((d) => [d, byGender.female[d] - byGender.male[d]]))
      : null;
    const bySpeaker: Record<string, Scores> = {};
    const minSamples = opts.minSpeakerSamples ?? 200;
    const counts = new Map<string, number>();
    for (const r of rows) if (r.speaker) counts.set(r.speaker, (counts.get(r.speaker) ?? 0) + 1);
    for (const [speaker, n] of counts) {
      if (n >= minSamples) bySpeaker[speaker] = scores(dimensions, rows, predictions, (i) => rows[i].speaker === speaker);
    }
    const values = dimensions.map((d) => all[d]);
    return {
      n: rows.length,
      dimensions,
      ccc: all,
      cccMean: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
      byGender,
      genderGap,
      bySpeaker,
      predictions,
    };
  } finally {
    owned?.dispose();
  }
}
