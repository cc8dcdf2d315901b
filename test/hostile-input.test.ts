// Inputs that lie (issue 11's findings): each is refused at once with a typed error, and the
// same model keeps working afterwards.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AudioError, CheckpointError, ConfigError, InputError, IoError, loadModel, type SerModel } from '../lib';
import { copyModel, modelsDir, readJson, rejection } from './helpers/fixtures';

const modelName = 'w2v2_preln_layer_head';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-hostile-'));
let model: SerModel;

beforeAll(async () => {
  model = await loadModel(path.join(modelsDir, modelName));
});
afterAll(() => model.dispose());
afterEach(async () => {
  // After every refusal the model still predicts.
  const [p] = await model.predict([{ samples: new Float32Array(16000).fill(0.1), sampleRate: 16000 }]);
  for (const v of Object.values(p)) expect(Number.isFinite(v)).toBe(true);
});

/** A 16-bit mono WAV whose header claims `rate` Hz. */
function wavClaiming(rate: number): string {
  const samples = 1600;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples * 2, 40);
  const file = path.join(scratch, `rate-${rate}.wav`);
  fs.writeFileSync(file, b);
  return file;
}

test('a FIFO is refused before anything waits on it', async () => {
  const fifo = path.join(scratch, 'pipe.wav');
  execFileSync('mkfifo', [fifo]);
  const err = await rejection(model.predict([fifo]));
  expect(err).toBeInstanceOf(AudioError);
  expect(err.message).toContain('not a regular file');
});

test.each([1, 2, 999])('a WAV claiming %i Hz is an AudioError, not 14 GB of resampling', async (rate) => {
  const err = await rejection(model.predict([wavClaiming(rate)]));
  expect(err).toBeInstanceOf(AudioError);
  expect(err.message).toMatch(/sample rate \d+ Hz is outside 1000\.\.384000/);
});

test('a WAV claiming 0 Hz is an AudioError (libsndfile refuses it itself)', async () => {
  expect(await rejection(model.predict([wavClaiming(0)]))).toBeInstanceOf(AudioError);
});

test('an array with a lying length is refused at once', async () => {
  const started = Date.now();
  const err = await rejection(model.predict(new Array(2 ** 32 - 1)));
  expect(err).toBeInstanceOf(InputError);
  expect(err.message).toContain('at most 1000000 inputs per call');
  expect(Date.now() - started).toBeLessThan(5000); // generous: the old path blocked ~70 s
});

test('thread counts are bounded', async () => {
  const err = await rejection(loadModel(path.join(modelsDir, modelName), { threads: 1e6 }));
  expect(err).toBeInstanceOf(InputError);
  expect(err.message).toContain("'threads'");
});

test('a config claiming 1e9 layers is a ConfigError before anything is built', async () => {
  const dir = copyModel(modelName);
  const config = readJson<Record<string, unknown>>(path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 1e9 }));
  const err = await rejection(loadModel(dir));
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toContain("'num_hidden_layers' must lie in 1..512");
});

// Wrong configs (issue 11 found 54 reported as LibtorchError): a field that cannot be is a
// ConfigError naming it; sizes the config allows but the weights contradict are a CheckpointError.
// Never a LibtorchError from inside the model's construction.
const configMistakes: Array<[string, (c: Record<string, unknown> & { conv_dim: number[]; conv_kernel: number[]; conv_stride: number[] }) => void, string]> = [
  ['hidden_size a string', (c) => (c.hidden_size = '32'), 'hidden_size'],
  ['hidden_size negative', (c) => (c.hidden_size = -32), 'hidden_size'],
  ['hidden_size fractional', (c) => (c.hidden_size = 32.5), 'hidden_size'],
  ['heads not dividing hidden_size', (c) => (c.num_attention_heads = 3), 'num_attention_heads'],
  ['no heads', (c) => (c.num_attention_heads = 0), 'num_attention_heads'],
  ['intermediate_size 0', (c) => (c.intermediate_size = 0), 'intermediate_size'],
  ['conv lists of different lengths', (c) => c.conv_kernel.pop(), 'conv_'],
  ['a conv kernel of 0', (c) => (c.conv_kernel[2] = 0), 'conv_kernel'],
  ['a conv stride of 0', (c) => (c.conv_stride[2] = 0), 'conv_stride'],
  ['a conv kernel no clip can fill', (c) => (c.conv_kernel[0] = 100000), 'conv_kernel'],
  ['empty conv lists', (c) => Object.assign(c, { conv_dim: [], conv_kernel: [], conv_stride: [] }), 'conv_'],
  ['an unknown norm', (c) => (c.feat_extract_norm = 'batch'), 'feat_extract_norm'],
  ['an unknown activation', (c) => (c.hidden_act = 'swishy'), 'hidden_act'],
  ['positional groups not dividing hidden_size', (c) => (c.num_conv_pos_embedding_groups = 3), 'num_conv_pos_embedding_groups'],
  ['a positional kernel of 0', (c) => (c.num_conv_pos_embeddings = 0), 'num_conv_pos_embeddings'],
  ['layer_norm_eps negative', (c) => (c.layer_norm_eps = -1), 'layer_norm_eps'],
  ['a dropout above 1', (c) => (c.hidden_dropout = 2), 'hidden_dropout'],
  ['an unknown model_type', (c) => (c.model_type = 'bert'), 'model_type'],
  ['do_stable_layer_norm a string', (c) => (c.do_stable_layer_norm = 'yes'), 'do_stable_layer_norm'],
];
test.each(configMistakes)('a config with %s is a ConfigError naming the field', async (_what, mutate, field) => {
  const dir = copyModel(modelName);
  const config = readJson<Parameters<typeof mutate>[0]>(path.join(dir, 'config.json'));
  mutate(config);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const err = await rejection(loadModel(dir));
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toContain(field);
});

test.each([
  ['num_hidden_layers', 4], ['intermediate_size', 128], ['num_conv_pos_embeddings', 17],
])('a config whose %s (%p) the weights contradict is a CheckpointError', async (field, value) => {
  const dir = copyModel(modelName);
  const config = readJson<Record<string, unknown>>(path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, [field]: value }));
  const err = await rejection(loadModel(dir));
  expect(err).toBeInstanceOf(CheckpointError);
});

test('a config nested 200,000 deep is a ConfigError, not a stack overflow', async () => {
  const dir = copyModel(modelName);
  const config = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  fs.writeFileSync(path.join(dir, 'config.json'), config.replace(/^\{/, `{"deep": ${'['.repeat(200000)}${']'.repeat(200000)},`));
  const err = await rejection(loadModel(dir));
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toContain('nested deeper than 64');
});

test('safetensors with bytes appended (or a header one byte off) is a CheckpointError', async () => {
  const dir = copyModel('w2v2_postln_group'); // a fixture stored as safetensors
  const weights = path.join(dir, 'model.safetensors');
  fs.appendFileSync(weights, Buffer.from([0, 0, 0, 0]));
  const err = await rejection(loadModel(dir));
  expect(err).toBeInstanceOf(CheckpointError);
  expect(err.message).toMatch(/cover \d+ bytes of data, the file holds \d+/);
});

test('process.exit() while a predict runs exits cleanly', () => {
  const script = `
    const { loadModel } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    loadModel(${JSON.stringify(path.join(modelsDir, modelName))}).then((m) => {
      const samples = new Float32Array(16000 * 30).fill(0.1);
      for (let i = 0; i < 4; i++) void m.predict([samples]).catch(() => {});
      setTimeout(() => process.exit(5), 50);
    });
  `;
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, 'helpers', 'ts-register.js'), '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.signal).toBeNull();
  expect(r.status).toBe(5);
});

test('save() into a path that cannot be a folder is an IoError naming it', async () => {
  const file = path.join(scratch, 'a-file');
  fs.writeFileSync(file, 'x');
  const err = await rejection(model.save(path.join(file, 'model')));
  expect(err).toBeInstanceOf(IoError);
  expect(err.message).toContain(path.join(file, 'model'));
});

test.each(['w2v2_preln_layer_head', 'w2v2_postln_group'])(
  'a config larger than its checkpoint (%s) is a ConfigError before the model is built',
  async (name) => {
    const dir = copyModel(name);
    const config = readJson<Record<string, unknown>>(path.join(dir, 'config.json'));
    // Within every size bound, but 1.3 G weights (5 GB) against a checkpoint of a few thousand.
    const big = { ...config, num_hidden_layers: 100, hidden_size: 1024, num_attention_heads: 16, intermediate_size: 4096 };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(big));
    const err = await rejection(loadModel(dir));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/need at least 1258 M weights, .* holds at most 0 M: config.json does not describe these weights/);
  },
);

test('after an out-of-memory load, a good model works in the same process (3 GB address-space limit)', () => {
  // A config within every bound whose weights (2.4 GB) do not fit, beside a sparse checkpoint big
  // enough to pass the config-against-checkpoint check: building it runs out of address space.
  const dir = copyModel('w2v2_postln_group');
  const config = readJson<Record<string, unknown>>(path.join(dir, 'config.json'));
  const big = { ...config, num_hidden_layers: 48, hidden_size: 1024, num_attention_heads: 16, intermediate_size: 4096 };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(big));
  const n = 605_000_000;
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F16', shape: [n], data_offsets: [0, 2 * n] } }));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const weights = path.join(dir, 'model.safetensors');
  fs.writeFileSync(weights, Buffer.concat([length, header]));
  fs.truncateSync(weights, 8 + header.length + 2 * n); // sparse: no disk used
  const script = `
    const { loadModel } = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'index.ts'))});
    (async () => {
      const e = await loadModel(${JSON.stringify(dir)}).then(() => null, (e) => e);
      console.log('big', e && e.code);
      const m = await loadModel(${JSON.stringify(path.join(modelsDir, modelName))});
      const [p] = await m.predict([new Float32Array(16000).fill(0.1)]);
      const [v] = await m.embed([new Float32Array(16000).fill(0.1)]);
      console.log('good', Object.values(p).every(Number.isFinite), v.length > 0);
    })();
  `;
  const tsRegister = path.join(__dirname, 'helpers', 'ts-register.js');
  const r = spawnSync('bash', ['-c', `ulimit -v 3000000 && exec "${process.execPath}" -r "${tsRegister}" -e "$0"`, script], {
    encoding: 'utf8',
    timeout: 90_000,
  });
  expect(r.signal).toBeNull();
  expect(r.stdout).toContain('big ERR_LIBTORCH');
  expect(r.stdout).toContain('good true true');
});
