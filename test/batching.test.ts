// loadModel's `batching` (issue 13, item 4): concurrent calls on one model share forward passes,
// and each caller gets exactly its own results (equal to a lone call's within float rounding) or
// its own error. The figures (latency, throughput) are bench/concurrent.js's, not asserted here.
import { spawnSync } from 'child_process';
import * as path from 'path';

import { AudioError, InputError, loadModel, NoHeadError, type SerModel } from '../lib';
import { audioDir, maxAbsDiff, modelsDir } from './helpers/fixtures';

const MODEL = path.join(modelsDir, 'w2v2_preln_layer_head');
const BACKBONE = path.join(modelsDir, 'w2v2_postln_group');
// Measured: 1.2e-7 at most between a coalesced call and a lone one (padding and masks change
// the summation order only).
const TOL = 1e-5;

/** A clip of `seconds` whose content depends on `k`, so swapped results would show. */
function clip(k: number, seconds: number): Float32Array {
  const n = Math.round(16000 * seconds);
  return new Float32Array(n).map((_, i) => Math.sin((i * (k + 3)) / 50) * 0.1 + Math.cos(i / (k + 11)) * 0.05);
}

const values = (rows: Record<string, number>[]) => rows.flatMap((r) => Object.values(r));

describe('batching', () => {
  let lone: SerModel;
  beforeAll(async () => {
    lone = await loadModel(MODEL);
  });
  afterAll(() => lone.dispose());

  test('64 concurrent callers share passes and each gets its own lone-call result', async () => {
    const model = await loadModel(MODEL, { batching: { maxDelayMs: 200, maxBatchSeconds: 40 } });
    expect(model.info.batching).toEqual({ maxDelayMs: 200, maxBatchSeconds: 40, maxBatchSize: 64 });
    // Mixed lengths, 1 or 2 clips a call, and every third call a file: sorting by length across
    // calls must route each result back to its own caller and position.
    const calls = Array.from({ length: 64 }, (_, k) =>
      k % 3 === 0
        ? [path.join(audioDir, 'sine_16k_pcm16.wav'), clip(k, 0.3 + (k % 7) * 0.2)]
        : k % 2 === 0
          ? [clip(k, 0.2 + (k % 5) * 0.3), clip(k + 100, 0.5)]
          : clip(k, 0.25 + (k % 9) * 0.15),
    );
    const together = await Promise.all(calls.map((c) => model.predict(c)));
    const stats = model.batchingStats()!;
    expect(stats.calls).toBe(64);
    expect(stats.groups).toBeLessThanOrEqual(16); // 64 calls in at most 16 groups: they were coalesced
    expect(stats.largestGroup).toBeGreaterThan(1);
    let worst = 0;
    for (let k = 0; k < calls.length; ++k) {
      const alone = await lone.predict(calls[k]);
      expect(together[k]).toHaveLength(alone.length);
      worst = Math.max(worst, maxAbsDiff(values(together[k]), values(alone)));
    }
    if (process.env.SER_PRINT_TOLERANCE) console.log(`coalesced vs lone: max |diff| ${worst}, groups ${stats.groups}`);
    expect(worst).toBeLessThan(TOL);
    model.dispose();
  });

  test('predict, embed and hiddenStates calls coalesce and each gets its kind', async () => {
    const model = await loadModel(MODEL, { batching: { maxDelayMs: 200 } });
    const [p, e, h] = await Promise.all([
      model.predict(clip(1, 0.6)),
      model.embed(clip(2, 0.9)),
      model.hiddenStates(clip(3, 0.4)),
    ]);
    expect(model.batchingStats()!.largestGroup).toBe(3);
    expect(maxAbsDiff(values(p), values(await lone.predict(clip(1, 0.6))))).toBeLessThan(TOL);
    expect(maxAbsDiff(Array.from(e[0]), Array.from((await lone.embed(clip(2, 0.9)))[0]))).toBeLessThan(TOL);
    const hAlone = (await lone.hiddenStates(clip(3, 0.4)))[0];
    expect(h[0].frames).toBe(hAlone.frames);
    expect(maxAbsDiff(Array.from(h[0].data), Array.from(hAlone.data))).toBeLessThan(TOL);
    model.dispose();
  });

  test('a bad input fails only the call that gave it', async () => {
    const model = await loadModel(MODEL, { batching: { maxDelayMs: 200 } });
    const corrupt = path.join(audioDir, 'corrupt.wav');
    const results = await Promise.allSettled([
      model.predict(clip(1, 0.5)),
      model.predict([clip(2, 0.5), corrupt]),
      model.predict(new Float32Array(10)), // shorter than the model's minimum input
      model.predict(clip(4, 0.7)),
    ]);
    expect(model.batchingStats()!.largestGroup).toBe(4);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const bad = (results[1] as PromiseRejectedResult).reason as Error;
    expect(bad).toBeInstanceOf(AudioError);
    expect(bad.message).toContain('corrupt.wav');
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(InputError);
    const ok = (results[3] as PromiseFulfilledResult<Record<string, number>[]>).value;
    expect(maxAbsDiff(values(ok), values(await lone.predict(clip(4, 0.7))))).toBeLessThan(TOL);
    model.dispose();
  });

  test('on a backbone, predict fails with NoHeadError while embed calls in the same group succeed', async () => {
    const model = await loadModel(BACKBONE, { batching: { maxDelayMs: 200 } });
    const [p, e] = await Promise.allSettled([model.predict(clip(1, 0.5)), model.embed(clip(2, 0.5))]);
    expect(p.status).toBe('rejected');
    expect((p as PromiseRejectedResult).reason).toBeInstanceOf(NoHeadError);
    expect(e.status).toBe('fulfilled');
    model.dispose();
  });

  test('caps: a group holds at most maxBatchSize inputs', async () => {
    const model = await loadModel(MODEL, { batching: { maxDelayMs: 200, maxBatchSize: 4 } });
    await Promise.all(Array.from({ length: 12 }, (_, k) => model.predict(clip(k, 0.3))));
    const s = model.batchingStats()!;
    expect(s.largestGroup).toBeLessThanOrEqual(4);
    expect(s.groups).toBeGreaterThanOrEqual(3);
    model.dispose();
  });

  test('perturbed calls run alone and equal the unbatched model', async () => {
    const model = await loadModel(MODEL, { batching: true });
    expect(model.info.batching).toEqual({ maxDelayMs: 5, maxBatchSeconds: 64, maxBatchSize: 64 });
    const spec = { type: 'noise', builtin: 'white', snrDb: 10 } as const;
    const a = await model.predict(clip(5, 0.8), { perturb: spec, seed: 3 });
    const b = await lone.predict(clip(5, 0.8), { perturb: spec, seed: 3 });
    expect(maxAbsDiff(values(a), values(b))).toBeLessThan(TOL);
    expect(model.batchingStats()!.calls).toBe(0);
    model.dispose();
  });

  test('dispose() with calls waiting: they settle, later calls are refused', async () => {
    const model = await loadModel(MODEL, { batching: { maxDelayMs: 100 } });
    const pending = [model.predict(clip(1, 0.5)), model.predict(clip(2, 0.5))];
    model.dispose();
    const done = await Promise.all(pending);
    expect(done).toHaveLength(2);
    await expect(model.predict(clip(3, 0.5))).rejects.toThrow(/disposed/);
  });

  test('no batching: info has none, batchingStats is undefined', () => {
    expect(lone.info.batching).toBeUndefined();
    expect(lone.batchingStats()).toBeUndefined();
  });

  test.each([
    [{ batching: 'yes' }, /'batching' must be true, false or an object/],
    [{ batching: { maxBatchSize: 0 } }, /'batching.maxBatchSize' must be an integer in \[1, 65536\]/],
    [{ batching: { maxDelayMs: -1 } }, /'batching.maxDelayMs' must be a finite number in \[0, 60000\]/],
    [{ batching: { maxBatchSeconds: 0 } }, /'batching.maxBatchSeconds' must be a finite number in \[0.001, 86400\]/],
  ])('bad batching options are InputErrors naming the field: %j', async (opts, message) => {
    await expect(loadModel(MODEL, opts as never)).rejects.toThrow(InputError);
    await expect(loadModel(MODEL, opts as never)).rejects.toThrow(message);
  });
});

test('calls on two models both complete when issued together (each model has its own lane)', async () => {
  const [a, b] = await Promise.all([loadModel(MODEL, { threads: 1 }), loadModel(BACKBONE, { threads: 1 })]);
  const [pa, eb] = await Promise.all([a.predict([clip(1, 2), clip(2, 2)]), b.embed([clip(3, 2), clip(4, 2)])]);
  expect(pa).toHaveLength(2);
  expect(eb).toHaveLength(2);
  expect(maxAbsDiff(values(pa), values(await a.predict([clip(1, 2), clip(2, 2)])))).toBe(0);
  a.dispose();
  b.dispose();
});

test('a process that exits while a call waits for others (maxDelayMs 60 s) exits at once', () => {
  const script = `
    const { loadModel } = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
    loadModel(${JSON.stringify(MODEL)}, { batching: { maxDelayMs: 60000 } }).then((m) => {
      void m.predict(new Float32Array(16000));
      setTimeout(() => process.exit(0), 300);
    });`;
  const start = Date.now();
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, 'helpers', 'ts-register.js'), '-e', script], { encoding: 'utf8', timeout: 50000 });
  expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
  expect(Date.now() - start).toBeLessThan(40000); // not the 60 s the call would have waited
});
