// Training's state handling: what a run counts, refuses, locks and leaves behind (issue 9's
// trainer review, issue 11's divergence / collision / exit findings).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { loadModel, train, type TrainEvent } from '../lib';
import { nativeAddon } from '../lib/native';
import { rejection } from './helpers/fixtures';
import { oneStep, stepDir } from './helpers/train-step';

const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `ser-${name}-`));

async function events(opts: Parameters<typeof train>[0]): Promise<TrainEvent[]> {
  const seen: TrainEvent[] = [];
  await train({ ...opts, onEvent: (e) => seen.push(e) });
  return seen;
}

test('a last batch of one joins the batch before it: every counted step runs, the linear schedule reaches its end', async () => {
  // 4 examples, batchSize 3: batches of 3 and 1 would leave a batch CCC cannot use.
  const seen = await events({ ...oneStep, outDir: tmp('one'), batchSize: 3, epochs: 3, lrSchedule: 'linear' });
  const start = seen.find((e) => e.type === 'start') as Extract<TrainEvent, { type: 'start' }>;
  const steps = seen.filter((e): e is Extract<TrainEvent, { type: 'step' }> => e.type === 'step');
  expect(start.totalSteps).toBe(3);
  expect(steps.map((s) => s.step)).toEqual([1, 2, 3]);
  // lr = lr0 * (1 - (step - 1) / total): the last step runs at a third of the start.
  expect(steps[2].lr / steps[0].lr).toBeCloseTo(1 / 3, 6);
});

test('evalEvery on the epoch\'s last step evaluates that step once', async () => {
  // batchSize 2: 2 steps an epoch; evalEvery 2 falls on each epoch's last step.
  const seen = await events({ ...oneStep, outDir: tmp('eval'), batchSize: 2, epochs: 2, evalEvery: 1 });
  const evaluated = seen.filter((e) => e.type === 'eval' || e.type === 'epoch').map((e) => `${e.type}@${e.step}`);
  expect(evaluated).toEqual(['eval@1', 'epoch@2', 'eval@3', 'epoch@4']);
});

test('a diverging run stops with ERR_DIVERGED and never saves non-finite weights', async () => {
  const outDir = tmp('diverge');
  const err = await rejection(train({ ...oneStep, outDir, batchSize: 2, epochs: 3, lr: 1e30, evalEvery: 1 }));
  expect(err.code).toBe('ERR_DIVERGED');
  expect(err.message).toMatch(/not finite|non-finite|no longer finite/);
  for (const name of ['best', 'last']) {
    if (!fs.existsSync(path.join(outDir, name))) continue;
    const model = await loadModel(path.join(outDir, name));
    const [p] = await model.predict([path.join(stepDir, 'wav', 'a.wav')]);
    for (const v of Object.values(p)) expect(Number.isFinite(v)).toBe(true);
    model.dispose();
  }
});

test('resume refuses a run that differs from the saved one (seed, batch size)', async () => {
  const outDir = tmp('resume');
  await train({ ...oneStep, outDir, batchSize: 2, epochs: 1, seed: 1 });
  const seed = await rejection(train({ ...oneStep, outDir, batchSize: 2, epochs: 2, seed: 2, resume: true }).result);
  expect(seed.code).toBe('ERR_INPUT');
  expect(seed.message).toMatch(/seed 1.*seed 2|seed 1, this one asks for 2/);
  const batch = await rejection(train({ ...oneStep, outDir, batchSize: 4, epochs: 2, seed: 1, resume: true }).result);
  expect(batch.message).toMatch(/batchSize 2/);
  const clip = await rejection(
    train({ ...oneStep, outDir, batchSize: 2, epochs: 2, seed: 1, maxClipSeconds: 4, resume: true }).result,
  );
  expect(clip.message).toMatch(/maxClipSeconds 0, this one asks for 4/);
  const ok = await train({ ...oneStep, outDir, batchSize: 2, epochs: 2, seed: 1, resume: true });
  expect(ok.steps).toBe(4);
});

test('two runs on one outDir: the second is refused with ERR_BUSY, the first finishes', async () => {
  const outDir = tmp('busy');
  const first = train({ ...oneStep, outDir, batchSize: 2, epochs: 3 });
  await new Promise<void>((resolve) => {
    const wait = async () => {
      for await (const e of first) if (e.type === 'start') return resolve();
    };
    void wait();
  });
  const err = await rejection(train({ ...oneStep, outDir, batchSize: 2, epochs: 3 }).result);
  expect(err.code).toBe('ERR_BUSY');
  expect(err.message).toContain(outDir);
  expect((await first).steps).toBe(6);
});

test('a run refused before it starts leaves no outDir behind', async () => {
  const outDir = path.join(tmp('refused'), 'out');
  const err = await rejection(train({ ...oneStep, outDir, train: path.join(stepDir, 'missing.csv') }).result);
  expect(err.code).toBeDefined();
  expect(fs.existsSync(outDir)).toBe(false);
});

test('the addon checks every option\'s type: no silent default', () => {
  const addon = nativeAddon() as unknown as {
    train: (o: object, cb: () => void) => unknown;
    readManifest: (file: string, range: unknown) => unknown;
  };
  const call = (extra: object) => () => addon.train({ ...oneStep, outDir: tmp('napi'), ...extra }, () => undefined);
  expect(call({ freezeFeatureEncoder: 'false' })).toThrow(/'freezeFeatureEncoder' must be a boolean/);
  expect(call({ batchSize: 2.5 })).toThrow(/'batchSize' must be an integer/);
  expect(call({ threads: 1e6 })).toThrow(/'threads' must be an integer in \[0, 1024\]/);
  expect(call({ lr: '0.1' })).toThrow(/'lr' must be a number/);
  expect(call({ labelRange: [1, 0] })).toThrow(/'labelRange'/);
  expect(() => addon.readManifest(oneStep.train, [1, 0])).toThrow(/range must be \[min, max\]/);
  try {
    call({ epochs: 0 })();
  } catch (e) {
    expect((e as { code?: string }).code).toBe('ERR_INPUT');
  }
});

// A child process (lib/ from source, as in the test process) that trains and leaves while training runs, by `how`.
function exitWhileTraining(how: 'exit' | 'throw') {
  const outDir = tmp(`exit-${how}`);
  const script = `
    const { train } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    const run = train({ ...${JSON.stringify(oneStep)}, outDir: ${JSON.stringify(outDir)}, batchSize: 2, epochs: 1000,
      onEvent: (e) => { if (e.type === 'step' && e.step === 2) ${how === 'exit' ? 'process.exit(3)' : "setImmediate(() => { throw new Error('boom'); })"}; } });
    run.catch(() => {});
  `;
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, 'helpers', 'ts-register.js'), '-e', script], {
    encoding: 'utf8', timeout: 90_000,
  });
  return { ...r, outDir };
}

test('process.exit() while training exits cleanly and leaves outDir/last', () => {
  const r = exitWhileTraining('exit');
  expect(r.signal).toBeNull();
  expect(r.status).toBe(3);
  expect(fs.existsSync(path.join(r.outDir, 'last', 'trainer_state.json'))).toBe(true);
});

test('an uncaught exception while training exits with code 1, no crash', () => {
  const r = exitWhileTraining('throw');
  expect(r.signal).toBeNull();
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('boom');
});
