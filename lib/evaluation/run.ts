// evaluate(model, { sets, robustness, fairness, efficiency }): the paper's whole evaluation of one
// model, as a Report (lib/report/schema.ts). Clean predictions are computed once per distinct file
// and shared by every view; perturbed ones once per condition.
import * as path from 'path';

import { InputError } from '../errors';
import { loadModel, loadOptions, SerModel } from '../model';
import { packageVersion } from '../package-version';
import { REPORT_SCHEMA, REPORT_VERSION, type Report, type Scores, type SetReport } from '../report/schema';
import { info } from '../runtime';
import { DIMENSIONS, type Dimension } from '../types';
import { findRunDir, readConvergence } from './convergence';
import { checkEfficiency, runEfficiency } from './efficiency';
import { fairness } from './fairness';
import { type EvaluationOptions, resolveOptions } from './options';
import { cccScores, meanScore, type ScoredRow } from './paired';
import { planRobustness, runRobustness } from './robustness';
import { distinctFiles, predictSets, readSets, scoreSets, type ScoredSet } from './test-sets';

const SCATTER_POINTS = 5000;

function scatter(rows: readonly ScoredRow[], dims: readonly Dimension[]): SetReport['scatter'] {
  const out: SetReport['scatter'] = {};
  for (const d of dims) {
    const labelled = rows.filter((r) => r.row.labels[d] !== undefined && r.pred[d] !== undefined);
    const every = Math.max(1, labelled.length / SCATTER_POINTS);
    const gold: number[] = [];
    const pred: number[] = [];
    for (let i = 0; i < labelled.length && gold.length < SCATTER_POINTS; i++) {
      const r = labelled[Math.floor(i * every)];
      if (!r) break;
      gold.push(r.row.labels[d] as number);
      pred.push(r.pred[d]);
    }
    out[d] = { gold, pred };
  }
  return out;
}

function meanOverSets(sets: readonly SetReport[]): Report['meanOverSets'] {
  const ccc: Scores = {};
  for (const d of DIMENSIONS) {
    const v = sets.map((s) => s.ccc[d]).filter((x): x is number => typeof x === 'number');
    if (v.length) ccc[d] = v.reduce((a, b) => a + b, 0) / v.length;
  }
  return { ccc, cccMean: meanScore(ccc) };
}

function modelName(dir: string | null, given: string | undefined): string {
  if (given) return given;
  if (!dir) return 'model';
  const abs = path.resolve(dir);
  const base = path.basename(abs);
  return base === 'best' || base === 'last' ? `${path.basename(path.dirname(abs))}/${base}` : base;
}

export async function evaluateModel(model: SerModel<string> | string, options: EvaluationOptions): Promise<Report> {
  const started = performance.now();
  const settings = resolveOptions(options);
  const load = loadOptions('evaluate', options);
  const dir = typeof model === 'string' ? model : null;
  if (settings.efficiency && !dir) throw new InputError('evaluate: efficiency loads the model again (pruned, timed): pass its folder, not a loaded model');
  const runDir = findRunDir(dir, options.trainingRun);
  const robustnessPlan = settings.robustness ? await planRobustness(settings.robustness) : null;
  // Read now: a wrong run folder must not cost a whole evaluation first.
  const convergence = runDir ? { runDir: path.resolve(runDir), points: readConvergence(runDir) } : null;
  const owned = typeof model === 'string' ? await loadModel<string>(model, options) : null;
  const m: SerModel<string> = owned ?? (model as SerModel<string>);
  try {
    if (settings.efficiency) checkEfficiency(settings.efficiency, m);
    const sets = await readSets(settings.sets, m, options.confineAudioPaths ?? false);
    if (settings.fairness) {
      for (const s of sets.filter((x) => settings.fairness?.sets.includes(x.spec.name))) {
        if (!s.manifest.rows.some((r) => r.speaker !== '')) {
          throw new InputError(`evaluate: set '${s.spec.name}' (${s.spec.manifest}): fairness needs a speaker column (and gender for the group scores)`);
        }
      }
    }
    const total = distinctFiles(sets).length;
    options.onProgress?.({ stage: 'predict', done: 0, total });
    const { predictions, failures } = await predictSets(m, sets, {
      batchSize: options.batchSize,
      signal: options.signal,
      onChunk: (done) => options.onProgress?.({ stage: 'predict', done, total }),
    });
    const clean: ScoredSet[] = scoreSets(sets, predictions, failures);
    const setReports: SetReport[] = [];
    for (const s of clean) {
      const ccc = cccScores(s.scored, s.dimensions);
      const fair = settings.fairness?.sets.includes(s.spec.name)
        ? await fairness(s.scored, s.dimensions, {
            minSpeakerSamples: settings.fairness.minSpeakerSamples,
            bootstrap: { samples: settings.fairness.samples, repetitions: settings.fairness.repetitions, seed: settings.fairness.seed },
          })
        : null;
      const columns: Record<string, Dimension> = { ...s.spec.columns };
      for (const d of s.dimensions) if (!Object.values(columns).includes(d)) columns[d] = d;
      setReports.push({
        name: s.spec.name,
        manifest: s.spec.manifest,
        labelRange: s.spec.labelRange,
        columns,
        rows: s.rows,
        n: s.scored.length,
        dimensions: s.dimensions,
        ccc,
        cccMean: meanScore(ccc),
        fairness: fair,
        scatter: scatter(s.scored, s.dimensions),
      });
    }
    const robust = robustnessPlan
      ? await runRobustness(robustnessPlan, { model: m, sets, clean, batchSize: options.batchSize, signal: options.signal, onProgress: options.onProgress })
      : null;
    const efficiency = settings.efficiency && dir
      ? await runEfficiency(
          settings.efficiency,
          { dir, load, firstSet: sets[0], batchSize: options.batchSize, signal: options.signal, onProgress: options.onProgress },
          m.info.numLayers,
          setReports[0].ccc,
        )
      : null;
    const runtime = info();
    return {
      schema: REPORT_SCHEMA,
      version: REPORT_VERSION,
      createdAt: new Date().toISOString(),
      software: { serTorch: packageVersion(), libtorch: runtime.torchVersion, node: process.version },
      model: {
        name: modelName(dir, options.name),
        path: dir ? path.resolve(dir) : null,
        modelType: m.info.modelType,
        architectures: [...m.info.architectures],
        labels: [...m.info.labels],
        numLayers: m.info.numLayers,
        parameters: m.info.numParameters,
        precision: m.info.precision,
        device: m.info.device,
      },
      sets: setReports,
      meanOverSets: meanOverSets(setReports),
      robustness: robust?.report ?? null,
      efficiency,
      convergence,
      skipped: [...clean.flatMap((s) => s.skipped), ...(robust?.skipped ?? [])],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    owned?.dispose();
  }
}
