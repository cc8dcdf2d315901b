// evaluate(): a model's CCC per dimension on a manifest, with the paper's fairness views
// (per gender and the female-minus-male gap, per speaker with enough samples).
import { ccc } from './ccc';
import { InputError, native } from './errors';
import { type LabelRange, resolveLabelRange } from './label-range';
import { type Dimension, loadModel, loadOptions, type LoadOptions, type Prediction, SerModel } from './model';
import { nativeAddon } from './native';
import type { Manifest, ManifestRow } from './types';
import { checkBoolean, checkInteger, checkString, optionsObject } from './validate';

export type { Manifest, ManifestRow } from './types';

export interface EvaluateOptions extends LoadOptions {
  labelRange?: LabelRange;
  /** Inputs per forward pass (default 8). */
  batchSize?: number;
  /** Speakers with at least this many samples get their own CCC (the paper: more than 200). */
  minSpeakerSamples?: number;
  /** As train()'s: audio paths must stay inside the manifest's folder. */
  confineAudioPaths?: boolean;
}

export interface ReadManifestOptions {
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

/** Reads a CSV or JSONL manifest (every row and file is checked); labels are mapped to [0, 1]. */
export async function readManifest(path: string, labelRange?: LabelRange, options?: ReadManifestOptions | null): Promise<Manifest> {
  checkString('readManifest', 'path', path, { required: true });
  const range = resolveLabelRange(labelRange, 'readManifest');
  const opts = optionsObject('readManifest', options);
  checkBoolean('readManifest', 'confineAudioPaths', opts.confineAudioPaths);
  const addon = await native(() => nativeAddon());
  return native(() => addon.readManifest(path, range, opts.confineAudioPaths ?? false));
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
 * Audio decoded at once while evaluating: one predict call per chunk, so memory follows the chunk,
 * not the manifest (one call for the whole manifest held 2.7 GB of audio at 5k clips and ran out
 * of memory at 1e6 rows). Rows are sorted by length first, so each chunk batches with little padding.
 */
const CHUNK_AUDIO_SECONDS = 1800;
const CHUNK_MAX_FILES = 2048;

async function predictInChunks(m: SerModel<string>, rows: ManifestRow[], batchSize?: number): Promise<Prediction<string>[]> {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].seconds - rows[b].seconds);
  const out: Prediction<string>[] = new Array<Prediction<string>>(rows.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    let seconds = 0;
    while (end < order.length && end - start < CHUNK_MAX_FILES && (end === start || seconds + rows[order[end]].seconds <= CHUNK_AUDIO_SECONDS)) {
      seconds += rows[order[end]].seconds;
      end++;
    }
    const chunk = order.slice(start, end);
    const predicted = await m.predict(chunk.map((i) => rows[i].path), { batchSize });
    chunk.forEach((row, k) => (out[row] = predicted[k]));
    start = end;
  }
  return out;
}

/** Predicts every row of a manifest and scores it against the labels (mapped to [0, 1]). */
export async function evaluate(model: SerModel<string> | string, data: string, options?: EvaluateOptions | null): Promise<EvaluationReport> {
  const call = 'evaluate';
  if (!(model instanceof SerModel) && (typeof model !== 'string' || model === '')) {
    throw new InputError('evaluate(model, data): model must be a SerModel or a model folder path');
  }
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
    const predictions = await predictInChunks(m, rows, opts.batchSize);
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
