// Reduced precision through the public API: bf16 and int8 outputs of every parity fixture within
// the tolerances documented in the README (against the float32 reference, which itself matches
// torchaudio / PyTorch within 1e-4), batches equal to single inputs within the same tolerance,
// what 'auto' picks, the typed errors, and bf16 training steps against the float32 one.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { info, InputError, loadModel, train, type TrainEvent } from '../lib';
import { fixturesDir, maxAbsDiff, modelCases, modelsDir, readExpected, readJson, rejection } from './helpers/fixtures';
import { readSafetensors } from './helpers/safetensors';
import { oneStep, stepDir } from './helpers/train-step';

// Max |output - float32 reference|, as a share of the reference's largest magnitude. Measured
// (scripts/precision-accuracy.js, README "Precision"): transformer fixtures bf16 <= 1.3 %, int8
// <= 1.8 %; the tiny CNN14's three small logits bf16 3.1 % (int8 runs its convolutions in bf16
// too: CNN14's only Linear layers are its head, which stays float32). About 2x headroom.
const TOLERANCE = { bf16: 0.025, int8: 0.035 } as const;
const CNN14_TOLERANCE = 0.06;
const PRECISIONS = ['bf16', 'int8'] as const;

function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  return maxAbsDiff(got, want) / Math.max(scale, 1e-6);
}

describe.each(modelCases())('%s', (name) => {
  const expected = readExpected(name);
  const inputs = expected.inputs.map((x) => Float32Array.from(x));

  test.each(PRECISIONS)('%s: outputs within tolerance of the reference, batched as singly', async (precision) => {
    const model = await loadModel(path.join(modelsDir, name), { precision });
    try {
      expect(model.info.precision).toBe(precision);
      const single = await model.embed(inputs, { batchSize: 1 });
      const batched = await model.embed(inputs, { batchSize: 64 });
      const hidden = await model.hiddenStates(inputs, { batchSize: 64 });
      expected.outputs.forEach((want, i) => {
        expect(relativeError(batched[i], want.pooled)).toBeLessThan(TOLERANCE[precision]);
        expect(relativeError(hidden[i].data, want.last_hidden_state)).toBeLessThan(TOLERANCE[precision]);
        expect(relativeError(single[i], batched[i])).toBeLessThan(TOLERANCE[precision]);
      });
      if (model.info.hasHead) {
        const predictions = await model.predict(inputs, { batchSize: 64 });
        expected.outputs.forEach((want, i) => {
          const p = predictions[i];
          expect(relativeError([p.arousal, p.dominance, p.valence], want.logits!)).toBeLessThan(TOLERANCE[precision]);
        });
      }
    } finally {
      model.dispose();
    }
  });
});

describe('CNN14', () => {
  const cnnDir = path.join(fixturesDir, 'cnn14');
  const waves = readJson<{ inputs: number[][] }>(path.join(cnnDir, 'logmel.json')).inputs
    .map((x) => ({ samples: Float32Array.from(x), sampleRate: 16000 }));
  const { cases } = readJson<{ cases: { logits: number[]; embedding: number[] }[] }>(path.join(cnnDir, 'expected.json'));

  test.each(PRECISIONS)('%s: logits and embeddings within tolerance of the reference', async (precision) => {
    const model = await loadModel(path.join(cnnDir, 'model'), { precision });
    try {
      const preds = await model.predict(waves, { batchSize: 4 });
      const embeddings = await model.embed(waves, { batchSize: 1 });
      cases.forEach((c, i) => {
        expect(relativeError([preds[i].arousal, preds[i].dominance, preds[i].valence], c.logits)).toBeLessThan(CNN14_TOLERANCE);
        expect(relativeError(embeddings[i], c.embedding)).toBeLessThan(CNN14_TOLERANCE);
      });
    } finally {
      model.dispose();
    }
  });
});

describe('choosing a precision', () => {
  const dir = path.join(modelsDir, 'w2v2_preln_layer_head');

  test("info().cpu says what the processor offers; 'auto' follows it and says why", async () => {
    const cpu = info().cpu;
    expect(typeof cpu.bf16).toBe('boolean');
    expect(['amx', 'vnni', 'avx2', 'none']).toContain(cpu.int8);
    expect(cpu.bf16).toBe(cpu.avx512Bf16 || cpu.amxBf16);
    const model = await loadModel(dir, { precision: 'auto' });
    expect(model.info.precision).toBe(cpu.bf16 ? 'bf16' : 'fp32');
    expect(model.info.precisionReason).toMatch(/bf16/);
    expect(model.info.warnings).toEqual([]);
    model.dispose();
    for (const opts of [undefined, { precision: undefined }]) {
      const plain = await loadModel(dir, opts);
      expect(plain.info.precision).toBe('fp32');
      plain.dispose();
    }
  });

  test('an unknown precision is an InputError naming the choices', async () => {
    const err = await rejection(loadModel(dir, { precision: 'fp16' as never }));
    expect(err.name).toBe('InputError');
    expect(err.message).toMatch(/loadModel: 'precision' must be one of 'fp32', 'bf16', 'int8', 'auto', got "fp16"/);
  });

  test('a reduced-precision model refuses save(), which would store rounded weights', async () => {
    const model = await loadModel(dir, { precision: 'bf16' });
    try {
      const err = await rejection(model.save(fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bf16-save-'))));
      expect(err.name).toBe('InputError');
      expect(err.message).toMatch(/precision "fp32"/);
    } finally {
      model.dispose();
    }
  });

  test('int8 on CUDA is a DeviceError or, without CUDA, the device error itself', async () => {
    const err = await rejection(loadModel(dir, { precision: 'int8', device: 'cuda' }));
    expect(err.name).toBe('DeviceError');
  });
});

describe('bf16 training', () => {
  const sgdStep = { ...oneStep, optimizer: 'sgd' as const, lr: 1e-2 };
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bf16-train-'));

  // The SGD step's update (new - initial weights) against the float32 one: a gradient comparison.
  function updateError(dir: string): number {
    const got = readSafetensors(path.join(dir, 'model.safetensors'));
    const want = readSafetensors(path.join(stepDir, 'expected_sgd.safetensors'));
    const initial = readSafetensors(path.join(stepDir, 'model', 'model.safetensors'));
    let worst = 0;
    let scale = 0;
    for (const [name, w] of want) {
      const g = got.get(name)!; // F32 only: readSafetensors throws on any other dtype
      const i = initial.get(name)!.data;
      const dWant = w.data.map((v, k) => v - i[k]);
      const dGot = g.data.map((v, k) => v - i[k]);
      worst = Math.max(worst, maxAbsDiff(dGot, dWant));
      scale = Math.max(scale, maxAbsDiff(dWant, new Float32Array(dWant.length)));
    }
    return worst / scale;
  }

  test('one SGD step in bf16: float32 checkpoint, update within 5 % of the float32 one, loss within 1 %', async () => {
    const events: TrainEvent[] = [];
    const result = await train({ ...sgdStep, precision: 'bf16', outDir: tmp(), onEvent: (e) => events.push(e) });
    const start = events.find((e) => e.type === 'start');
    expect(start && start.type === 'start' && start.precision).toBe('bf16');
    expect(updateError(result.lastDir)).toBeLessThan(0.05);
    const step = events.find((e) => e.type === 'step');
    const { loss } = readJson<{ loss: number }>(path.join(stepDir, 'expected.json'));
    expect(step && step.type === 'step' && Math.abs(step.loss - loss) / loss).toBeLessThan(0.01);
    // The checkpoint loads as a float32 model.
    const model = await loadModel(result.lastDir);
    expect(model.info.precision).toBe('fp32');
    model.dispose();
  });

  test('gradient accumulation in bf16 gives the same step as one pass', async () => {
    const whole = await train({ ...sgdStep, precision: 'bf16', outDir: tmp() });
    const parts = await train({ ...sgdStep, precision: 'bf16', maxBatchSeconds: 0.4, outDir: tmp() });
    const a = readSafetensors(path.join(whole.lastDir, 'model.safetensors'));
    const b = readSafetensors(path.join(parts.lastDir, 'model.safetensors'));
    let worst = 0;
    for (const [name, w] of a) worst = Math.max(worst, maxAbsDiff(b.get(name)!.data, w.data));
    expect(worst).toBeLessThan(2e-4);
  });

  test("the older bf16: true means precision 'bf16'; int8 or a contradiction is an InputError", async () => {
    const events: TrainEvent[] = [];
    await train({ ...sgdStep, bf16: true, outDir: tmp(), onEvent: (e) => events.push(e) });
    const start = events.find((e) => e.type === 'start');
    expect(start && start.type === 'start' && start.precision).toBe('bf16');
    const int8 = await rejection(train({ ...sgdStep, precision: 'int8' as never, outDir: tmp() }).result);
    expect(int8).toBeInstanceOf(InputError);
    expect(int8.message).toMatch(/inference/);
    const both = await rejection(train({ ...sgdStep, bf16: true, precision: 'fp32', outDir: tmp() }).result);
    expect(both.name).toBe('InputError');
  });
});

describe('on a processor without native bf16 (SER_TORCH_NO_NATIVE_BF16=1)', () => {
  // A fresh process (the CPU features are read once per process), on the addon itself.
  const script = `
    const addon = require('node-gyp-build')(${JSON.stringify(path.join(__dirname, '..'))});
    (async () => {
      const dir = ${JSON.stringify(path.join(modelsDir, 'w2v2_preln_layer_head'))};
      const auto = (await addon.loadModel(dir, { precision: 'auto' })).describe();
      const bf16 = await addon.loadModel(dir, { precision: 'bf16' });
      const again = (await addon.loadModel(dir, { precision: 'bf16' })).describe();
      const { values } = await bf16.run([{ samples: new Float32Array(16000).fill(0.01), sampleRate: 16000 }], 'predict', 1);
      const events = [];
      const job = addon.train({ model: ${JSON.stringify(path.join(stepDir, 'model'))}, train: ${JSON.stringify(path.join(stepDir, 'train.csv'))},
        dev: ${JSON.stringify(path.join(stepDir, 'dev.csv'))}, outDir: require('fs').mkdtempSync(require('os').tmpdir() + '/ser-nobf16-'),
        batchSize: 4, epochs: 1, maxClipSeconds: 0, precision: 'bf16', labelRange: [0, 1] }, (e) => events.push(e));
      await job.promise;
      const info = addon.runtimeInfo();
      console.log(JSON.stringify({ cpu: info.cpu, auto: auto.precision, reason: auto.precisionReason,
        bf16: bf16.describe().precision, modelWarnings: bf16.describe().warnings, again: again.warnings,
        warnings: info.nativeWarnings, finite: Array.from(values[0]).every(Number.isFinite),
        start: events.find((e) => e.type === 'start'), warning: events.find((e) => e.type === 'warning') }));
    })().catch((e) => { console.error(e); process.exit(1); });`;

  test("'auto' picks fp32; 'bf16' runs but warns: on the model, as a training event, once in info()", () => {
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { ...process.env, SER_TORCH_NO_NATIVE_BF16: '1' },
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      cpu: { bf16: boolean }; auto: string; reason: string; bf16: string; finite: boolean; modelWarnings: string[];
      again: string[]; warnings: string[]; start: { precision: string }; warning: { message: string };
    };
    expect(r.cpu.bf16).toBe(false);
    expect(r.auto).toBe('fp32');
    expect(r.reason).toMatch(/no native bf16/);
    expect(r.bf16).toBe('bf16');
    expect(r.finite).toBe(true);
    expect(r.modelWarnings).toHaveLength(1);
    expect(r.modelWarnings[0]).toMatch(/slower than fp32/);
    expect(r.again).toEqual(r.modelWarnings);
    expect(r.start.precision).toBe('bf16');
    expect(r.warning.message).toBe(r.modelWarnings[0]);
    expect(r.warnings).toEqual(r.modelWarnings); // recorded once per process
  });
});
