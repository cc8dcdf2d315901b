// The test sets: read every manifest (column mapping, label range, unreadable files listed), check
// them against the model, and predict each distinct file once — shared by every view of every set.
import * as path from 'path';

import { InputError } from '../errors';
import { readManifest } from '../manifest';
import type { Prediction, SerModel } from '../model';
import type { SkippedFile } from '../report/schema';
import type { Dimension, Manifest } from '../types';
import type { ResolvedSet } from './options';
import type { ScoredRow } from './paired';
import { type FileToPredict, predictFiles, type PredictFilesOptions } from './predict-rows';

export interface ReadSet {
  spec: ResolvedSet;
  manifest: Manifest;
}

export interface ScoredSet {
  spec: ResolvedSet;
  dimensions: Dimension[];
  /** rows in the manifest */
  rows: number;
  /** rows whose audio was predicted, with their predictions */
  scored: ScoredRow[];
  skipped: SkippedFile[];
}

export async function readSets(sets: readonly ResolvedSet[], model: SerModel<string>, confineAudioPaths: boolean): Promise<ReadSet[]> {
  const out: ReadSet[] = [];
  for (const spec of sets) {
    const manifest = await readManifest(spec.manifest, spec.labelRange, {
      confineAudioPaths,
      columns: spec.columns,
      skipUnreadableAudio: true,
    });
    const where = `evaluate: set '${spec.name}' (${spec.manifest})`;
    if (manifest.dimensions.length === 0) throw new InputError(`${where}: no arousal, dominance or valence column (map one with columns)`);
    const missing = manifest.dimensions.filter((d) => !model.labels.includes(d));
    if (missing.length) throw new InputError(`${where}: the model has no output for ${missing.join(', ')} (its outputs: ${model.labels.join(', ')})`);
    for (const d of manifest.dimensions) {
      const labelled = manifest.rows.filter((r) => r.labels[d] !== undefined).length;
      if (labelled < 2) throw new InputError(`${where}: ${d} has ${labelled} labelled row${labelled === 1 ? '' : 's'} with readable audio; CCC needs at least 2`);
    }
    out.push({ spec, manifest });
  }
  return out;
}

/**
 * Distinct files of the sets, in first-seen order. Each file's perturbation key is its path
 * relative to the (first) manifest listing it: the noise a file gets does not depend on the
 * working directory or on where the corpus is mounted.
 */
export function distinctFiles(sets: readonly ReadSet[]): FileToPredict[] {
  const seen = new Map<string, FileToPredict>();
  for (const s of sets) {
    const base = path.dirname(path.resolve(s.spec.manifest));
    for (const r of s.manifest.rows) {
      if (!seen.has(r.path)) seen.set(r.path, { path: r.path, seconds: r.seconds, key: path.relative(base, path.resolve(r.path)) });
    }
  }
  return [...seen.values()];
}

/** Predicts the sets' distinct files (optionally perturbed): path -> prediction, and the failures by path. */
export async function predictSets(
  model: SerModel<string>,
  sets: readonly ReadSet[],
  options: PredictFilesOptions,
): Promise<{ predictions: Map<string, Prediction<string>>; failures: Map<string, string> }> {
  const files = distinctFiles(sets);
  const result = await predictFiles(model, files, options);
  const predictions = new Map<string, Prediction<string>>();
  const failures = new Map<string, string>();
  files.forEach((f, i) => {
    const p = result.predictions[i];
    if (p) predictions.set(f.path, p);
  });
  for (const f of result.failures) failures.set(files[f.index].path, f.reason);
  return { predictions, failures };
}

export function scoreSets(sets: readonly ReadSet[], predictions: Map<string, Prediction<string>>, failures: Map<string, string>): ScoredSet[] {
  return sets.map(({ spec, manifest }) => {
    const skipped: SkippedFile[] = manifest.skipped.map((s) => ({ set: spec.name, file: s.file, line: s.line, reason: s.reason }));
    const scored: ScoredRow[] = [];
    for (const row of manifest.rows) {
      const pred = predictions.get(row.path);
      const bad = pred && Object.entries(pred).find(([, v]) => !Number.isFinite(v));
      if (pred && bad) skipped.push({ set: spec.name, file: row.path, line: row.line, reason: `the model predicted ${bad[1]} for ${bad[0]}` });
      else if (pred) scored.push({ row, pred });
      else skipped.push({ set: spec.name, file: row.path, line: row.line, reason: failures.get(row.path) ?? 'not predicted' });
    }
    return { spec, dimensions: manifest.dimensions, rows: manifest.rows.length + manifest.skipped.length, scored, skipped };
  });
}
