// Robustness: every test set predicted again under each perturbation condition (deterministic per
// seed and file). The paper's suite scores CCC(perturbed) − CCC(clean); the preprint's suite the
// share of outputs that move by less than .05.
import { InputError } from '../errors';
import type { Prediction, SerModel } from '../model';
import { builtinNoise, type Condition, loadNoiseFolder, type NoiseSource, robustnessConditions } from '../perturb';
import type { RobustnessReport, RobustnessResult, Scores, SkippedFile } from '../report/schema';
import type { Dimension } from '../types';
import type { EvaluationProgress, Resolved } from './options';
import { cccScores, difference, type ScoredRow } from './paired';
import { predictSets, type ReadSet, type ScoredSet } from './test-sets';

/** The preprint's threshold: an output "moves" when it changes by .05 or more. */
export const STABLE_THRESHOLD = 0.05;

export interface RobustnessContext {
  model: SerModel<string>;
  sets: ReadSet[];
  clean: ScoredSet[];
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: EvaluationProgress) => void;
}

/** The conditions to run, checked against the names asked for. */
export function chooseConditions(settings: NonNullable<Resolved['robustness']>, noise: NoiseSource): Condition[] {
  const all = settings.suites.flatMap((suite) => robustnessConditions(suite, noise));
  if (!settings.conditions) return all;
  for (const name of settings.conditions) {
    if (!all.some((c) => c.name === name)) {
      throw new InputError(`evaluate: unknown robustness condition '${name}' (in ${settings.suites.join(' + ')}: ${all.map((c) => c.name).join(', ')})`);
    }
  }
  return all.filter((c) => settings.conditions?.includes(c.name));
}

function stableShare(clean: readonly ScoredRow[], perturbed: Map<string, Prediction<string>>, dims: readonly Dimension[]): Scores {
  const out: Scores = {};
  for (const d of dims) {
    let n = 0;
    let stable = 0;
    for (const r of clean) {
      const p = perturbed.get(r.row.path)?.[d];
      const c = r.pred[d];
      if (p === undefined || c === undefined) continue;
      n++;
      if (Math.abs(p - c) < STABLE_THRESHOLD) stable++;
    }
    out[d] = n ? stable / n : null;
  }
  return out;
}

function meanOver(results: readonly RobustnessResult[], dims: readonly Dimension[], pick: (r: RobustnessResult) => Scores | undefined): Scores {
  const out: Scores = {};
  for (const d of dims) {
    const v = results.map((r) => pick(r)?.[d]).filter((x): x is number => typeof x === 'number');
    out[d] = v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  }
  return out;
}

export interface RobustnessPlan {
  settings: NonNullable<Resolved['robustness']>;
  noise: NoiseSource;
  conditions: Condition[];
}

/** The noise and the conditions, checked before any audio is predicted (a typo fails at once). */
export async function planRobustness(settings: NonNullable<Resolved['robustness']>): Promise<RobustnessPlan> {
  const noise = settings.noise ? await loadNoiseFolder(settings.noise) : builtinNoise();
  return { settings, noise, conditions: chooseConditions(settings, noise) };
}

/** The report's robustness section, and the files that failed under a condition (for report.skipped). */
export async function runRobustness(
  { settings, noise, conditions }: RobustnessPlan,
  ctx: RobustnessContext,
): Promise<{ report: RobustnessReport; skipped: SkippedFile[] }> {
  const sets = ctx.sets.filter((s) => settings.sets.includes(s.spec.name));
  const clean = ctx.clean.filter((s) => settings.sets.includes(s.spec.name));
  const total = new Set(sets.flatMap((s) => s.manifest.rows.map((r) => r.path))).size;
  const results: RobustnessResult[] = [];
  const skipped: SkippedFile[] = [];
  for (const condition of conditions) {
    ctx.onProgress?.({ stage: 'robustness', condition: condition.name, done: 0, total });
    const { predictions, failures } = await predictSets(ctx.model, sets, {
      batchSize: ctx.batchSize,
      perturb: condition.spec,
      seed: settings.seed,
      signal: ctx.signal,
      onChunk: (done) => ctx.onProgress?.({ stage: 'robustness', condition: condition.name, done, total }),
    });
    for (const [file, pred] of predictions) {
      const bad = Object.entries(pred).find(([, v]) => !Number.isFinite(v));
      if (bad) {
        predictions.delete(file);
        failures.set(file, `the model predicted ${bad[1]} for ${bad[0]}`);
      }
    }
    for (const set of clean) {
      for (const r of set.scored) {
        const reason = failures.get(r.row.path);
        if (reason) skipped.push({ set: set.spec.name, file: r.row.path, line: r.row.line, reason: `under ${condition.name}: ${reason}` });
      }
      // Scored on the rows both runs predicted: a file that fails only perturbed is left out of both.
      const both = set.scored.filter((r) => predictions.has(r.row.path));
      if (condition.suite === 'paper') {
        const perturbed = both.map((r) => ({ row: r.row, pred: predictions.get(r.row.path) as Prediction<string> }));
        const ccc = cccScores(perturbed, set.dimensions);
        results.push({ set: set.spec.name, condition: condition.name, ccc, delta: difference(ccc, cccScores(both, set.dimensions), set.dimensions) });
      } else {
        results.push({ set: set.spec.name, condition: condition.name, stableShare: stableShare(both, predictions, set.dimensions) });
      }
    }
  }
  const summary: RobustnessReport['summary'] = [];
  for (const set of clean) {
    for (const suite of settings.suites) {
      const mine = results.filter((r) => r.set === set.spec.name && conditions.find((c) => c.name === r.condition)?.suite === suite);
      if (mine.length === 0) continue;
      const mean = meanOver(mine, set.dimensions, (r) => (suite === 'paper' ? r.delta : r.stableShare));
      summary.push({ set: set.spec.name, suite, mean });
    }
  }
  const report: RobustnessReport = {
    suites: settings.suites,
    seed: settings.seed,
    noise: { source: noise.source, folder: noise.folder, classes: Object.keys(noise.classes).sort() },
    threshold: STABLE_THRESHOLD,
    conditions: conditions.map((c) => ({ name: c.name, suite: c.suite, description: c.description })),
    results,
    summary,
  };
  return { report, skipped };
}
