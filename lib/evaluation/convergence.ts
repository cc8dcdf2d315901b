// The convergence curve of a training run: outDir/metrics.jsonl, one line per dev evaluation
// (binding/core/train/metrics_log.h). A resumed run appends again from its checkpoint's step, so
// the last line for a step wins.
import * as fs from 'fs';
import * as path from 'path';

import { InputError } from '../errors';
import type { ConvergencePoint, Scores } from '../report/schema';
import { DIMENSIONS } from '../types';

export const METRICS_FILE = 'metrics.jsonl';

function finiteOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function readConvergence(runDir: string): ConvergencePoint[] {
  const file = path.join(runDir, METRICS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InputError(`evaluate: trainingRun: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const byStep = new Map<number, ConvergencePoint>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new InputError(`evaluate: ${file}:${i + 1}: not a JSON object`);
    }
    if (typeof j !== 'object' || j === null || typeof j.step !== 'number' || typeof j.epoch !== 'number') {
      throw new InputError(`evaluate: ${file}:${i + 1}: expected { step, epoch, train_loss, dev_ccc, dev_ccc_mean }`);
    }
    const dev = (typeof j.dev_ccc === 'object' && j.dev_ccc !== null ? j.dev_ccc : {}) as Record<string, unknown>;
    const devCcc: Scores = {};
    for (const d of DIMENSIONS) if (d in dev) devCcc[d] = finiteOrNull(dev[d]);
    byStep.set(j.step, { step: j.step, epoch: j.epoch, trainLoss: finiteOrNull(j.train_loss), devCcc, devCccMean: finiteOrNull(j.dev_ccc_mean) });
  });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** The run folder for a model folder: the option, or the model folder's parent when it holds metrics.jsonl (runs/x/best -> runs/x). */
export function findRunDir(modelDir: string | null, trainingRun: string | undefined): string | null {
  if (trainingRun !== undefined) return trainingRun;
  if (!modelDir) return null;
  const parent = path.dirname(path.resolve(modelDir));
  return fs.existsSync(path.join(parent, METRICS_FILE)) ? parent : null;
}
