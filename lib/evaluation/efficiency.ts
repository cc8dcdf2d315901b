// Efficiency: parameters, size on disk, load time, batch-1 latency per clip length, throughput at
// the best batch size, peak memory — for the model as it is and pruned to fewer transformer layers
// (the paper: the bottom 12 of 24 layers lose nothing). Timings are this machine's, now.
import * as fs from 'fs';
import * as path from 'path';

import { InputError } from '../errors';
import { loadModel, type SerModel } from '../model';
import type { EfficiencyReport, EfficiencyRow, LatencyPoint, Scores } from '../report/schema';
import { info } from '../runtime';
import type { LoadOptions } from '../types';
import type { EvaluationProgress, Resolved } from './options';
import { cccScores } from './paired';
import { checkAborted } from './abort';
import { percentile } from './stats';
import { predictSets, type ReadSet } from './test-sets';

type Settings = NonNullable<Resolved['efficiency']>;

/** A speech-like test signal (two partials with a slow envelope, a little noise): latency does not depend on it. */
function testSignal(seconds: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  let noise = 12345;
  for (let i = 0; i < out.length; i++) {
    noise = (Math.imul(noise, 1103515245) + 12345) >>> 0;
    const t = i / rate;
    out[i] = 0.3 * Math.sin(2 * Math.PI * 3 * t) * (Math.sin(2 * Math.PI * 140 * t) + 0.5 * Math.sin(2 * Math.PI * 280 * t)) + 0.01 * (noise / 2 ** 32 - 0.5);
  }
  return out;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Bytes of the folder's files, following symbolic links (a Hugging Face cache snapshot is all links). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const name of fs.readdirSync(dir)) {
    const stat = fs.statSync(path.join(dir, name), { throwIfNoEntry: false });
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

/** Checked once the model is loaded, before any prediction: layers it has, clips it can take. */
export function checkEfficiency(s: Settings, model: SerModel<string>): void {
  const layers = model.info.numLayers;
  for (const n of s.numLayers) {
    if (n > layers) throw new InputError(`evaluate: efficiency.numLayers ${n} is more than the model's ${layers} transformer layers`);
  }
  const minSeconds = model.info.minSamples / model.info.sampleRate;
  for (const c of s.clipSeconds) {
    if (c < minSeconds) throw new InputError(`evaluate: efficiency.clipSeconds ${c} is shorter than the model's shortest input (${minSeconds.toFixed(3)} s)`);
  }
}

export interface EfficiencyContext {
  dir: string;
  load: LoadOptions;
  firstSet: ReadSet;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: EvaluationProgress) => void;
}

async function measure(model: SerModel<string>, s: Settings, ctx: EfficiencyContext, step: () => void): Promise<Pick<EfficiencyRow, 'latency' | 'throughput'>> {
  const rate = model.info.sampleRate;
  const latency: LatencyPoint[] = [];
  for (const clipSeconds of s.clipSeconds) {
    checkAborted(ctx.signal);
    const clip = testSignal(clipSeconds, rate);
    await model.predict(clip); // warm-up: first-call allocations are not latency
    const times: number[] = [];
    for (let i = 0; i < s.runs; i++) times.push(await timed(() => model.predict(clip)));
    times.sort((a, b) => a - b);
    latency.push({ clipSeconds, p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95), runs: s.runs });
    step();
  }
  // Throughput on 4 s clips (the paper's typical utterance) or the nearest length asked for.
  const clipSeconds = s.clipSeconds.reduce((best, c) => (Math.abs(c - 4) < Math.abs(best - 4) ? c : best));
  const clip = testSignal(clipSeconds, rate);
  let throughput = { batchSize: 1, clipSeconds, audioSecondsPerSecond: 0 };
  for (const batchSize of s.batchSizes) {
    checkAborted(ctx.signal);
    const inputs = new Array<Float32Array>(batchSize).fill(clip);
    await model.predict(inputs, { batchSize });
    const times: number[] = [];
    for (let i = 0; i < Math.max(2, Math.ceil(s.runs / 2)); i++) times.push(await timed(() => model.predict(inputs, { batchSize })));
    times.sort((a, b) => a - b);
    const rateNow = (batchSize * clipSeconds) / (percentile(times, 0.5) / 1000);
    if (rateNow > throughput.audioSecondsPerSecond) throughput = { batchSize, clipSeconds, audioSecondsPerSecond: rateNow };
    step();
  }
  return { latency, throughput };
}

export async function runEfficiency(s: Settings, ctx: EfficiencyContext, fullLayers: number, firstSetCcc: Scores): Promise<EfficiencyReport> {
  const layers = [...new Set([...s.numLayers.filter((n) => n < fullLayers), fullLayers])].sort((a, b) => a - b);
  const total = layers.length * (s.clipSeconds.length + s.batchSizes.length);
  let done = 0;
  const step = () => ctx.onProgress?.({ stage: 'efficiency', done: ++done, total });
  ctx.onProgress?.({ stage: 'efficiency', done, total });
  const rows: EfficiencyRow[] = [];
  let parameters = 0;
  let loadSeconds = 0;
  for (const numLayers of layers) {
    const started = performance.now();
    // The "full" row is the model as evaluated (with the caller's own numLayers, if any).
    const model = await loadModel<string>(ctx.dir, { ...ctx.load, numLayers: numLayers === fullLayers ? ctx.load.numLayers : numLayers });
    const seconds = (performance.now() - started) / 1000;
    try {
      const measured = await measure(model, s, ctx, step);
      let ccc: Scores | null = null;
      if (s.ccc) {
        if (numLayers === fullLayers) ccc = firstSetCcc;
        else {
          const { predictions } = await predictSets(model, [ctx.firstSet], { batchSize: ctx.batchSize, signal: ctx.signal });
          const scored = ctx.firstSet.manifest.rows.flatMap((row) => {
            const pred = predictions.get(row.path);
            return pred ? [{ row, pred }] : [];
          });
          ccc = cccScores(scored, ctx.firstSet.manifest.dimensions);
        }
      }
      rows.push({ numLayers, parameters: model.info.numParameters, loadSeconds: seconds, ...measured, ccc });
      if (numLayers === fullLayers) {
        parameters = model.info.numParameters;
        loadSeconds = seconds;
      }
    } finally {
      model.dispose();
    }
  }
  return {
    parameters,
    sizeOnDiskBytes: folderBytes(ctx.dir),
    loadSeconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    threads: info().threads,
    rows,
  };
}
