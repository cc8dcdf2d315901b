// The package surface: exports, CCC, runtime info, the ESM entry, save/load round trip.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as ser from '../lib';
import { maxAbsDiff, modelsDir, readExpected } from './helpers/fixtures';

test('ccc matches audmetric (population moments)', () => {
  expect(ser.ccc([0, 1, 2], [0, 1, 1])).toBeCloseTo(0.6666666666666665, 15);
  expect(ser.ccc([1, 2, 3, 4], [1, 2, 3, 4])).toBe(1);
  expect(ser.ccc(Float32Array.from([0.5, 0.1, 0.9]), [0.4, 0.2, 0.7])).toBeGreaterThan(0.8);
  expect(Number.isNaN(ser.ccc([1], [1]))).toBe(true);
  expect(() => ser.ccc([1, 2], [1])).toThrow(/lengths differ/);
});

test('info() reports libtorch, threads and an OpenBLAS backend', () => {
  const i = ser.info();
  expect(i.torchVersion).toMatch(/^\d+\.\d+/);
  expect(i.threads).toBe(os.cpus().length > 0 ? i.cores : 1);
  expect(typeof i.cudaAvailable).toBe('boolean');
  expect(i.blas).toBe('openblas');
  expect(i.warnings).toEqual([]);
});

test('exports the API and every error class', () => {
  for (const name of ['loadModel', 'ccc', 'info', 'setThreads', 'SerModel', 'SerError', 'ConfigError', 'CheckpointError',
    'AudioError', 'InputError', 'DeviceError', 'LibtorchError', 'NoHeadError', 'DisposedError']) {
    expect(typeof (ser as Record<string, unknown>)[name]).toBe('function');
  }
});

test('the ESM entry exports the same functions', async () => {
  const esm = path.join(__dirname, '..', 'dist', 'lib', 'index.mjs');
  expect(fs.existsSync(esm)).toBe(true);
  const text = fs.readFileSync(esm, 'utf8');
  for (const name of ['loadModel', 'ccc', 'info']) expect(text).toContain(name);
});

test('save() writes a Hugging Face folder that loads back identically', async () => {
  const src = path.join(modelsDir, 'w2v2_preln_layer_head');
  const expected = readExpected('w2v2_preln_layer_head');
  const model = await ser.loadModel(src, { numLayers: 2 });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-save-'));
  await model.save(out);
  expect(fs.readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  expect(config.num_hidden_layers).toBe(2);
  expect(config.id2label).toEqual({ 0: 'arousal', 1: 'dominance', 2: 'valence' });
  const again = await ser.loadModel(out);
  const input = Float32Array.from(expected.inputs[1]);
  const [a] = await model.predict(input);
  const [b] = await again.predict(input);
  expect(maxAbsDiff(Object.values(a), Object.values(b))).toBe(0);
  expect(maxAbsDiff(Object.values(a), expected.first2!.outputs[1].logits!)).toBeLessThan(1e-4);
  model.dispose();
  again.dispose();
});

test('Symbol.asyncDispose frees the model', async () => {
  const model = await ser.loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
  await model[Symbol.asyncDispose]();
  expect(model.disposed).toBe(true);
});
