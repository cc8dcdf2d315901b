// evaluate(): a model's CCC per dimension on a manifest, with the paper's fairness views
// (per gender and the female-minus-male gap, per speaker with enough samples).
import { ccc } from './ccc';
import { InputError, native } from './errors';
import { loadModel, type LoadOptions, type Prediction, SerModel } from './model';
import { nativeAddon } from './native';
import { type LabelRange, resolveLabelRange } from './label-range';

export interface EvaluateOptions extends LoadOptions {
  labelRange?: LabelRange;
  batchSize?: number;
  /** Speakers with at least this many samples get their own CCC (the paper: more than 200). */
  minSpeakerSamples?: number;
}

export type Scores = Record<string, number>;

export interface EvaluationReport {
  n: number;
  dimensions: string[];
  ccc: Scores;
  cccMean: number;
  byGender: Record<string, Scores>;
  /** CCC(female) - CCC(male) per dimension, when both groups are present */
  genderGap: Scores | null;
  bySpeaker: Record<string, Scores>;
  predictions: Prediction[];
}

interface ManifestRow {
  path: string;
  labels: Record<string, number>;
  speaker: string;
  gender: string;
}

export async function readManifest(path: string, labelRange?: LabelRange): Promise<{ dimensions: string[]; rows: ManifestRow[] }> {
  const addon = await native(() => nativeAddon());
  return native(() => addon.readManifest(path, resolveLabelRange(labelRange)));
}

function scores(dims: string[], rows: ManifestRow[], preds: Prediction[], pick: (i: number) => boolean): Scores {
  const out: Scores = {};
  for (const d of dims) {
    const p: number[] = [];
    const g: number[] = [];
    rows.forEach((r, i) => {
      if (pick(i) && r.labels[d] !== undefined) {
        p.push(preds[i][d]);
        g.push(r.labels[d]);
      }
    });
    out[d] = ccc(p, g);
  }
  return out;
}

/** Predicts every row of a manifest and scores it against the labels (mapped to [0, 1]). */
export async function evaluate(model: SerModel | string, data: string, opts: EvaluateOptions = {}): Promise<EvaluationReport> {
  if (typeof data !== 'string' || data === '') throw new InputError('evaluate(model, data): data must be a manifest path');
  const { dimensions, rows } = await readManifest(data, opts.labelRange);
  const owned = typeof model === 'string' ? await loadModel(model, opts) : null;
  const m = owned ?? (model as SerModel);
  try {
    const missing = dimensions.filter((d) => !m.labels.includes(d));
    if (missing.length) throw new InputError(`the model has no output for ${missing.join(', ')}`);
    const predictions = await m.predict(rows.map((r) => r.path), { batchSize: opts.batchSize });
    const all = scores(dimensions, rows, predictions, () => true);
    const byGender: Record<string, Scores> = {};
    for (const g of new Set(rows.map((r) => r.gender).filter(Boolean))) {
      byGender[g] = scores(dimensions, rows, predictions, (i) => rows[i].gender === g);
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
