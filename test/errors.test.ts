// Bad input of every kind gives a typed error with a stable code and a message naming the
// problem; nothing crashes the process.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as ser from '../lib';
import { loadModel, info } from '../lib';
import { fromNative, type SerErrorCode } from '../lib/errors';
import { audioDir, copyModel, modelsDir, readJson, rejection } from './helpers/fixtures';

const backbone = path.join(modelsDir, 'w2v2_postln_group');   // safetensors, no head
const withHead = path.join(modelsDir, 'w2v2_preln_layer_head'); // pytorch_model.bin, head

function editJson(file: string, edit: (j: Record<string, unknown>) => void) {
  const j = readJson<Record<string, unknown>>(file);
  edit(j);
  fs.writeFileSync(file, JSON.stringify(j));
}

describe('ERR_CONFIG', () => {
  test.each([
    ['an unknown model_type', (j: Record<string, unknown>) => { j.model_type = 'whisper'; }, /unknown model_type "whisper"/],
    ['conv lists of different lengths', (j: Record<string, unknown>) => { j.conv_kernel = [10, 3]; }, /different lengths/],
    ['heads not dividing hidden_size', (j: Record<string, unknown>) => { j.num_attention_heads = 5; }, /not divisible/],
    ['a bad feat_extract_norm', (j: Record<string, unknown>) => { j.feat_extract_norm = 'batch'; }, /feat_extract_norm/],
    ['a wrongly typed field', (j: Record<string, unknown>) => { j.hidden_size = 'big'; }, /'hidden_size' must be an integer/],
  ])('%s', async (_what, edit, message) => {
    const dir = copyModel('w2v2_postln_group');
    editJson(path.join(dir, 'config.json'), edit);
    const e = await rejection(loadModel(dir));
    expect(e.name).toBe('ConfigError');
    expect(e.code).toBe('ERR_CONFIG');
    expect(e.message).toMatch(message);
    expect(e.message).toContain('config.json');
  });

  test('invalid JSON and a missing config.json', async () => {
    const dir = copyModel('w2v2_postln_group');
    fs.writeFileSync(path.join(dir, 'config.json'), '{"model_type": ');
    expect((await rejection(loadModel(dir))).message).toMatch(/invalid JSON/);
    fs.rmSync(path.join(dir, 'config.json'));
    const e = await rejection(loadModel(dir));
    expect(e.code).toBe('ERR_CONFIG');
    expect(e.message).toMatch(/no such file/);
  });

  test('numLayers beyond the checkpoint', async () => {
    const e = await rejection(loadModel(backbone, { numLayers: 9 }));
    expect(e.code).toBe('ERR_CONFIG');
  });

  test('a bad preprocessor_config.json', async () => {
    const dir = copyModel('w2v2_postln_group');
    editJson(path.join(dir, 'preprocessor_config.json'), (j) => { j.do_normalize = 'yes'; });
    const e = await rejection(loadModel(dir));
    expect(e.code).toBe('ERR_CONFIG');
    expect(e.message).toMatch(/do_normalize/);
  });
});

describe('ERR_CHECKPOINT', () => {
  test('no weights file', async () => {
    const dir = copyModel('w2v2_postln_group');
    fs.rmSync(path.join(dir, 'model.safetensors'));
    const e = await rejection(loadModel(dir));
    expect(e.name).toBe('CheckpointError');
    expect(e.message).toMatch(/no model.safetensors or pytorch_model.bin/);
  });

  test('a truncated safetensors file', async () => {
    const dir = copyModel('w2v2_postln_group');
    const file = path.join(dir, 'model.safetensors');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    const e = await rejection(loadModel(dir));
    expect(e.code).toBe('ERR_CHECKPOINT');
    expect(e.message).toContain('model.safetensors');
  });

  test('a hostile header length', async () => {
    const dir = copyModel('w2v2_postln_group');
    const file = path.join(dir, 'model.safetensors');
    const bytes = fs.readFileSync(file);
    bytes.writeBigUInt64LE(0xffffffffffffn, 0);
    fs.writeFileSync(file, bytes);
    expect((await rejection(loadModel(dir))).code).toBe('ERR_CHECKPOINT');
  });

  test('garbage in pytorch_model.bin', async () => {
    const dir = copyModel('w2v2_preln_layer_head');
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), Buffer.from('PK\u0003\u0004 this is not a zip'));
    const e = await rejection(loadModel(dir));
    expect(e.code).toBe('ERR_CHECKPOINT');
    expect(e.message).toContain('pytorch_model.bin');
  });

  test('missing keys and wrong shapes are named', async () => {
    const dir = copyModel('w2v2_postln_group');
    editJson(path.join(dir, 'config.json'), (j) => { j.num_hidden_layers = 4; });
    const e = await rejection(loadModel(dir));
    expect(e.code).toBe('ERR_CHECKPOINT');
    expect(e.message).toMatch(/Missing keys: .*wav2vec2\.encoder\.layers\.3\./);

    const dir2 = copyModel('w2v2_postln_group');
    editJson(path.join(dir2, 'config.json'), (j) => { j.intermediate_size = 48; });
    const e2 = await rejection(loadModel(dir2));
    expect(e2.code).toBe('ERR_CHECKPOINT');
    expect(e2.message).toMatch(/intermediate_dense.weight' has shape \[64, 32\], the model expects \[48, 32\]/);
  });

  test('unexpected keys are named', async () => {
    const dir = copyModel('w2v2_postln_group');
    editJson(path.join(dir, 'config.json'), (j) => { j.num_hidden_layers = 2; });
    const e = await rejection(loadModel(dir));
    expect(e.message).toMatch(/Unexpected keys: .*encoder\.layers\.2\./);
  });
});

describe('ERR_AUDIO', () => {
  test('missing, corrupt and empty files name the file', async () => {
    const model = await loadModel(withHead);
    const missing = path.join(os.tmpdir(), 'no-such-clip.wav');
    let e = await rejection(model.predict(missing));
    expect(e.name).toBe('AudioError');
    expect(e.code).toBe('ERR_AUDIO');
    expect(e.message).toContain(missing);
    for (const f of fs.readdirSync(audioDir).filter((n) => /corrupt|empty|truncated|nan/.test(n))) {
      e = await rejection(model.predict(path.join(audioDir, f)));
      expect(e.code).toBe('ERR_AUDIO');
      expect(e.message).toContain(f);
    }
    model.dispose();
  });
});

describe('ERR_INPUT', () => {
  test.each([
    ['NaN samples', () => Float32Array.from([0.1, NaN, ...new Array<number>(800).fill(0)]), /NaN or infinite/],
    ['empty audio', () => new Float32Array(0), /empty/],
    ['too-short audio', () => new Float32Array(399), /too short: 399 samples.*at least 400/],
  ])('%s', async (_what, make, message) => {
    const model = await loadModel(withHead);
    const e = await rejection(model.predict(make()));
    expect(e.name).toBe('InputError');
    expect(e.code).toBe('ERR_INPUT');
    expect(e.message).toMatch(message);
    model.dispose();
  });

  test('wrong types and options', async () => {
    const model = await loadModel(withHead);
    expect((await rejection(model.predict(42 as never))).code).toBe('ERR_INPUT');
    expect((await rejection(model.predict([new Float64Array(800)] as never))).code).toBe('ERR_INPUT');
    expect((await rejection(model.predict(new Float32Array(800), { sampleRate: -1 }))).code).toBe('ERR_INPUT');
    expect((await rejection(model.predict(new Float32Array(800), { batchSize: 0 }))).code).toBe('ERR_INPUT');
    expect((await rejection(loadModel(42 as never))).code).toBe('ERR_INPUT');
    expect((await rejection(loadModel(withHead, { threads: -2 }))).code).toBe('ERR_INPUT');
    model.dispose();
  });
});

describe('ERR_DEVICE', () => {
  test('an unknown device', async () => {
    const e = await rejection(loadModel(withHead, { device: 'tpu' as never }));
    expect(e.name).toBe('DeviceError');
    expect(e.message).toMatch(/unknown device "tpu"/);
  });

  // Reported as skipped where CUDA is present (the case cannot arise there).
  (info().cudaAvailable ? test.skip : test)('cuda without CUDA is an error, never a silent fallback', async () => {
    const e = await rejection(loadModel(withHead, { device: 'cuda' }));
    expect(e.code).toBe('ERR_DEVICE');
    expect(e.message).toMatch(/no CUDA support/);
  });
});

describe('ERR_NO_HEAD and ERR_DISPOSED', () => {
  test('predict on a backbone says it has no emotion head; embed works', async () => {
    const model = await loadModel(backbone);
    expect(model.info.hasHead).toBe(false);
    const e = await rejection(model.predict(new Float32Array(1600)));
    expect(e.name).toBe('NoHeadError');
    expect(e.message).toMatch(/no emotion head/);
    expect((await model.embed(new Float32Array(1600)))[0].length).toBe(model.info.hiddenSize);
    model.dispose();
  });

  test('calls after dispose reject; dispose is idempotent', async () => {
    const model = await loadModel(withHead);
    model.dispose();
    model.dispose();
    expect((await rejection(model.predict(new Float32Array(800)))).code).toBe('ERR_DISPOSED');
  });

  test('dispose while a call runs lets the call finish', async () => {
    const model = await loadModel(withHead);
    const running = model.predict(new Float32Array(16000 * 5).map((_, i) => Math.sin(i / 10)));
    model.dispose();
    const [p] = await running;
    expect(Number.isFinite(p.arousal)).toBe(true);
  });
});

describe('ERR_LIBTORCH', () => {
  test('native errors with that code become LibtorchError', () => {
    const e = fromNative(Object.assign(new Error('boom'), { code: 'ERR_LIBTORCH' })) as Error & { code: string };
    expect(e.name).toBe('LibtorchError');
    expect(e.code).toBe('ERR_LIBTORCH');
  });
});

describe('error classes and codes', () => {
  const root = path.join(__dirname, '..');
  // Every code the C++ side can put on an error: its ErrorCode names and the N-API layer's own.
  function nativeCodes(): string[] {
    const codes = new Set<string>();
    const files = [path.join(root, 'binding', 'core', 'error.h')];
    for (const f of fs.readdirSync(path.join(root, 'binding', 'napi'))) files.push(path.join(root, 'binding', 'napi', f));
    for (const f of files) for (const m of fs.readFileSync(f, 'utf8').matchAll(/"(ERR_[A-Z_]+)"/g)) codes.add(m[1]);
    return [...codes].sort();
  }
  const classes = Object.entries(ser).filter(
    ([, v]) => typeof v === 'function' && v.prototype instanceof ser.SerError,
  ) as [string, new (message: string) => ser.SerError][];

  test('every code the addon produces maps to an exported class with that literal code', () => {
    const codes = nativeCodes();
    expect(codes).toEqual(expect.arrayContaining(['ERR_ABORTED', 'ERR_CONFIG', 'ERR_INPUT', 'ERR_IO', 'ERR_LIBTORCH']));
    for (const code of codes) {
      const e = fromNative(Object.assign(new Error(`native ${code}`), { code }));
      expect(e).toBeInstanceOf(ser.SerError);
      const typed = e as ser.SerError;
      expect(typed.code).toBe(code);
      expect(typed.message).toBe(`native ${code}`);
      expect((ser as Record<string, unknown>)[typed.name]).toBe(typed.constructor); // exported
      expect(typed.cause).toBeInstanceOf(Error);
    }
  });

  test('each class has its own code and name; unknown codes pass through untouched', () => {
    const seen = new Set<SerErrorCode>();
    for (const [name, Class] of classes) {
      const e = new Class('m');
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(Error);
      expect(seen.has(e.code)).toBe(false);
      seen.add(e.code);
      expect(fromNative(Object.assign(new Error('x'), { code: e.code }))).toBeInstanceOf(Class);
    }
    expect(classes.map(([n]) => n)).toEqual(expect.arrayContaining(['AbortError', 'AddonError', 'IoError', 'InputError']));
    const foreign = Object.assign(new Error('x'), { code: 'ENOENT' });
    expect(fromNative(foreign)).toBe(foreign);
    expect(fromNative(Object.assign(new Error('x'), { code: 'toString' }))).not.toBeInstanceOf(ser.SerError);
  });

  test("the README's error table lists every class with its code", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const [name, Class] of classes) {
      expect(readme).toMatch(new RegExp(`\\| \`${name}\` \\| \`${new Class('m').code}\` \\|`));
    }
  });
});
