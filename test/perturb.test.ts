// Robustness perturbations from JS: perturb(), the suites' conditions, noise folders, predict()
// with { perturb, seed }, and the `perturb` CLI command. (The maths of each perturbation is tested
// in C++: binding/tests/test_perturb.cpp.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Command } from 'commander';

import * as ser from '../lib';
import { encodeWavFloat32, registerPerturbCommand } from '../lib/cli/perturb-command';
import { nativeAddon } from '../lib/native';
import type { PerturbSpec } from '../lib/perturb';
import { modelsDir } from './helpers/fixtures';

const RATE = 16000;

/** Speech-like test audio: harmonics under a syllable envelope, a phase per seed. */
function speechlike(n: number, seed = 1, rate = RATE): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h <= 5; h++) v += Math.sin(2 * Math.PI * (110 + 20 * seed) * h * t + seed) / h;
    x[i] = 0.3 * (0.2 + 0.8 * Math.abs(Math.sin(2 * Math.PI * 2.5 * t + seed))) * v;
  }
  return x;
}

function meanSquare(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s / x.length;
}

function snrDb(clean: Float32Array, mixed: Float32Array): number {
  const noise = mixed.map((v, i) => v - clean[i]);
  return 10 * Math.log10(meanSquare(clean) / meanSquare(noise));
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-perturb-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeWav(file: string, samples: Float32Array, rate = RATE): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeWavFloat32(samples, rate));
  return file;
}

describe('perturb()', () => {
  test('returns a perturbed copy: white noise at the SNR, an exact gain, deterministic per seed and key', async () => {
    const x = speechlike(RATE);
    const noisy = await ser.perturb(x, { type: 'noise', snrDb: 10, builtin: 'white' }, { seed: 3 });
    expect(Object.prototype.toString.call(noisy)).toBe('[object Float32Array]'); // cross-realm: jest's vm context
    expect(noisy.length).toBe(x.length);
    expect(Math.abs(snrDb(x, noisy) - 10)).toBeLessThan(0.05);
    expect(await ser.perturb(x, { type: 'noise', snrDb: 10, builtin: 'white' }, { seed: 3 })).toEqual(noisy);
    expect(await ser.perturb(x, { type: 'noise', snrDb: 10, builtin: 'white' }, { seed: 4 })).not.toEqual(noisy);
    expect(await ser.perturb(x, { type: 'noise', snrDb: 10, builtin: 'white' }, { seed: 3, key: 'other' })).not.toEqual(noisy);
    // The default key is '#0', what predict() uses for a lone Float32Array.
    expect(await ser.perturb(x, { type: 'noise', snrDb: 10, builtin: 'white' }, { seed: 3, key: '#0' })).toEqual(noisy);

    const louder = await ser.perturb(x, { type: 'gain', db: 20 * Math.log10(2) });
    louder.forEach((v, i) => expect(v).toBeCloseTo(2 * x[i], 6));
    expect(x[100]).toBe(speechlike(RATE)[100]); // the input is not changed in place
  });

  test('audio at another rate is perturbed at its own rate (the fade curve follows its seconds)', async () => {
    const n = 8000 * 10 + 1; // 10 s at 8 kHz
    const faded = await ser.perturb(new Float32Array(n).fill(1), { type: 'fade', percentPerSecond: 2 }, { sampleRate: 8000 });
    expect(faded[0]).toBeCloseTo(0.9, 6);
    expect(faded[(n - 1) / 2]).toBeCloseTo(1, 6);
    const lengths = await ser.perturb(speechlike(8000, 1, 8000), { type: 'speedup' }, { sampleRate: 8000, key: 'k' });
    expect(lengths.length).toBeLessThan(8000);
    expect(lengths.length).toBeGreaterThanOrEqual(8000 - 320 - 1);
  });

  test('a bad spec, option or audio is an InputError naming it', async () => {
    const x = speechlike(1600);
    const cases: [unknown, RegExp][] = [
      [{ type: 'reverb' }, /perturb: perturb\.type must be one of 'noise', 'speedup', 'fade', 'tone', 'zeros', 'crop', 'clip', 'gain', 'highpass', 'lowpass', got "reverb"/],
      [{ type: 'noise', snrDb: 'ten', builtin: 'white' }, /perturb\.snrDb must be a finite number in \[-100, 200\] or a non-empty array of them, got "ten"/],
      [{ type: 'noise', snrDb: NaN, builtin: 'white' }, /perturb\.snrDb must be a finite number .* got null/],
      [{ type: 'gain', db: 1, gain: 2 }, /perturb\.gain is not a field of a 'gain' perturbation \(its fields: type, db\)/],
      [{ type: 'noise', snrDb: 0 }, /either clips \(audio files\) or builtin/],
      [{ type: 'highpass', cutoffHz: [50, -1] }, /perturb\.cutoffHz\[1\] must be a finite number in \[1, 192000\]/],
      [{ type: 'gain', db: 10n }, /perturb must be plain JSON data/],
      ['gain', /perturb must be an object with a 'type'/],
      [null, /perturb must be an object/],
    ];
    for (const [spec, message] of cases) {
      const e = await rejection(ser.perturb(x, spec as PerturbSpec));
      expect(e).toBeInstanceOf(ser.InputError);
      expect(e.message).toMatch(message);
    }
    const gain: PerturbSpec = { type: 'gain', db: 1 };
    for (const [args, message] of [
      [[[0.1, 0.2], gain], /samples must be a Float32Array/],
      [[x, gain, { seed: -1 }], /'seed' must be an integer in \[0, MAX_SAFE_INTEGER\], got -1/],
      [[x, gain, { seed: 1.5 }], /'seed' must be an integer/],
      [[x, gain, { sampleRate: 10 }], /'sampleRate' must be a finite number in \[1000, 384000\], got 10/],
      [[x, gain, { key: 3 }], /'key' must be a string/],
      [[new Float32Array(0), gain], /the audio is empty/],
      [[Float32Array.from([0.1, NaN]), gain], /sample 1 is NaN or infinite/],
      [[speechlike(800, 1, 8000), { type: 'lowpass', cutoffHz: 6500 }, { sampleRate: 8000 }], /cutoffHz 6500 Hz must be below half the sample rate/],
    ] as [[Float32Array, PerturbSpec, object?], RegExp][]) {
      const e = await rejection(ser.perturb(...args));
      expect(e).toBeInstanceOf(ser.InputError);
      expect(e.message).toMatch(message);
    }
  });

  test('noise clips: looped or cropped at the SNR; an undecodable clip is an AudioError naming it', async () => {
    const clip = writeWav(path.join(tmp, 'clips', 'hum.wav'), speechlike(3000, 5));
    const x = speechlike(RATE);
    const mixed = await ser.perturb(x, { type: 'noise', snrDb: 0, clips: [clip] }, { key: 'a' });
    expect(Math.abs(snrDb(x, mixed))).toBeLessThan(0.05);
    const broken = path.join(tmp, 'clips', 'broken.wav');
    fs.writeFileSync(broken, 'RIFF....WAVE nothing');
    const e = await rejection(ser.perturb(x, { type: 'noise', snrDb: 0, clips: [broken] }));
    expect(e).toBeInstanceOf(ser.AudioError);
    expect(e.message).toContain(broken);
  });
});

describe('robustness suites', () => {
  test('the paper suite: 3 noise classes x 0/10/20 dB, speedup, fade (11); the preprint suite: 8', () => {
    expect(ser.SUITES).toEqual(['paper', 'preprint']);
    const paper = ser.robustnessConditions('paper', ser.builtinNoise());
    expect(paper.map((c) => c.name)).toEqual([
      'noise:babble@0dB', 'noise:babble@10dB', 'noise:babble@20dB',
      'noise:pink@0dB', 'noise:pink@10dB', 'noise:pink@20dB',
      'noise:white@0dB', 'noise:white@10dB', 'noise:white@20dB',
      'speedup', 'fade',
    ]);
    expect(paper.every((c) => c.suite === 'paper' && c.description.length > 10)).toBe(true);
    expect(paper[3].spec).toEqual({ type: 'noise', snrDb: 0, builtin: 'pink' });
    expect(paper[9].spec).toEqual({ type: 'speedup', factor: 1.25, minFraction: 0.1, maxFraction: 0.2 });
    expect(paper[10].spec).toEqual({ type: 'fade', percentPerSecond: 2 });
    const preprint = ser.robustnessConditions('preprint');
    expect(preprint.map((c) => c.name)).toEqual(['tone', 'append-zeros', 'clip', 'crop-start', 'gain', 'highpass', 'lowpass', 'white-noise']);
    expect(preprint.every((c) => c.suite === 'preprint')).toBe(true);
    // A folder's classes, sorted by name, with their files.
    const folder: ser.NoiseSource = { source: 'folder', folder: '/n', classes: { water: ['/n/water/1.wav'], dog: ['/n/dog/1.wav', '/n/dog/2.wav'] } };
    const named = ser.robustnessConditions('paper', folder);
    expect(named.map((c) => c.name).slice(0, 4)).toEqual(['noise:dog@0dB', 'noise:dog@10dB', 'noise:dog@20dB', 'noise:water@0dB']);
    expect(named[0].spec).toEqual({ type: 'noise', snrDb: 0, clips: ['/n/dog/1.wav', '/n/dog/2.wav'] });
    expect(named).toHaveLength(2 * 3 + 2);
  });

  test('every condition of both suites runs on 16 kHz audio', async () => {
    const x = speechlike(RATE);
    for (const c of [...ser.robustnessConditions('paper'), ...ser.robustnessConditions('preprint')]) {
      const y = await ser.perturb(x, c.spec, { key: 'f.wav', seed: 1 });
      expect(y.every(Number.isFinite)).toBe(true);
      expect(y).not.toEqual(x);
    }
  });

  test('unknown suites and malformed noise sources are InputErrors', () => {
    expect(() => ser.robustnessConditions('journal' as never)).toThrow(ser.InputError);
    expect(() => ser.robustnessConditions(undefined as never)).toThrow(/'suite' is required/);
    expect(() => ser.robustnessConditions('paper', { source: 'folder', folder: 'x', classes: {} })).toThrow(/must be a NoiseSource/);
    expect(() => ser.robustnessConditions('paper', { source: 'folder', folder: 'x', classes: { a: [] } })).toThrow(/noise class 'a' has no files/);
    expect(() => ser.robustnessConditions('paper', { source: 'builtin', folder: null, classes: { brown: [] } })).toThrow(/'brown' is not a built-in noise class/);
  });
});

describe('loadNoiseFolder()', () => {
  test('classes are the sub-folders, sorted; undecodable or silent files and loose files are skipped', async () => {
    const root = path.join(tmp, 'noise');
    writeWav(path.join(root, 'rain', 'b.wav'), speechlike(4000, 2));
    writeWav(path.join(root, 'rain', 'a.wav'), speechlike(4000, 3), 44100);
    writeWav(path.join(root, 'crowd', 'x.wav'), speechlike(4000, 4));
    writeWav(path.join(root, 'crowd', 'silent.wav'), new Float32Array(4000));
    fs.writeFileSync(path.join(root, 'crowd', 'notes.txt'), 'not audio');
    fs.writeFileSync(path.join(root, 'README'), 'loose file');
    fs.writeFileSync(path.join(root, 'rain', '.DS_Store'), 'hidden');
    const noise = await ser.loadNoiseFolder(root);
    expect(noise.source).toBe('folder');
    expect(noise.folder).toBe(path.resolve(root));
    expect(Object.keys(noise.classes)).toEqual(['crowd', 'rain']);
    expect(noise.classes.rain).toEqual([path.join(root, 'rain', 'a.wav'), path.join(root, 'rain', 'b.wav')]);
    expect(noise.classes.crowd).toEqual([path.join(root, 'crowd', 'x.wav')]);
    const skipped = Object.fromEntries((noise.skipped ?? []).map((s) => [path.relative(root, s.file), s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['README', 'crowd/notes.txt', 'crowd/silent.wav']);
    expect(skipped.README).toBe('not in a class sub-folder');
    expect(skipped['crowd/silent.wav']).toMatch(/silent/);
    expect(skipped['crowd/notes.txt']).toMatch(/notes\.txt/);
    // Its conditions mix those clips.
    const conditions = ser.robustnessConditions('paper', noise);
    expect(conditions.map((c) => c.name)).toEqual([
      'noise:crowd@0dB', 'noise:crowd@10dB', 'noise:crowd@20dB', 'noise:rain@0dB', 'noise:rain@10dB', 'noise:rain@20dB', 'speedup', 'fade',
    ]);
    const x = speechlike(RATE);
    const y = await ser.perturb(x, conditions[4].spec, { key: 'k' });
    expect(Math.abs(snrDb(x, y) - 10)).toBeLessThan(0.05);
  });

  test('a missing folder, a file, a folder without sub-folders, a class without usable audio: typed errors naming it', async () => {
    const missing = path.join(tmp, 'nope');
    let e = await rejection(ser.loadNoiseFolder(missing));
    expect(e).toBeInstanceOf(ser.InputError);
    expect(e.message).toContain(`the noise folder ${missing} does not exist`);

    const file = writeWav(path.join(tmp, 'flat', 'a.wav'), speechlike(1000));
    e = await rejection(ser.loadNoiseFolder(file));
    expect(e).toBeInstanceOf(ser.InputError);
    expect(e.message).toContain(`${file} is not a folder`);

    e = await rejection(ser.loadNoiseFolder(path.join(tmp, 'flat')));
    expect(e).toBeInstanceOf(ser.InputError);
    expect(e.message).toContain(`${path.join(tmp, 'flat')} has no sub-folders`);

    const bad = path.join(tmp, 'bad');
    writeWav(path.join(bad, 'good', 'a.wav'), speechlike(1000));
    fs.mkdirSync(path.join(bad, 'junk'));
    fs.writeFileSync(path.join(bad, 'junk', 'a.wav'), 'garbage');
    e = await rejection(ser.loadNoiseFolder(bad));
    expect(e).toBeInstanceOf(ser.AudioError);
    expect(e.message).toContain(`the noise class 'junk' (${path.join(bad, 'junk')}) has no usable audio: none of its 1 files can be decoded`);

    fs.mkdirSync(path.join(tmp, 'empty-class', 'quiet'), { recursive: true });
    e = await rejection(ser.loadNoiseFolder(path.join(tmp, 'empty-class')));
    expect(e).toBeInstanceOf(ser.AudioError);
    expect(e.message).toMatch(/'quiet' .* has no usable audio: it holds no files/);
  });
});

describe('predict() with { perturb, seed }', () => {
  let model: ser.SerModel;
  let files: string[];
  beforeAll(async () => {
    model = await ser.loadModel(path.join(modelsDir, 'w2v2_preln_layer_head'));
    files = [1, 2, 3].map((k) => writeWav(path.join(tmp, 'inputs', `in${k}.wav`), speechlike(4000 + 1000 * k, k)));
  });
  afterAll(() => model.dispose());

  const noise: PerturbSpec = { type: 'noise', snrDb: 0, builtin: 'babble' };

  test('differs from clean, is deterministic per seed, and does not depend on order or batching', async () => {
    const clean = await model.predict(files);
    const noisy = await model.predict(files, { perturb: noise, seed: 5 });
    noisy.forEach((p, i) => expect(p).not.toEqual(clean[i]));
    expect(await model.predict(files, { perturb: noise, seed: 5 })).toEqual(noisy);
    expect(await model.predict(files, { perturb: noise, seed: 6 })).not.toEqual(noisy);
    // Keyed by path: another order, another batch size, one file alone give each file the same audio.
    const reordered = await model.predict([files[2], files[0], files[1]], { perturb: noise, seed: 5, batchSize: 1 });
    const alone = await model.predict(files[1], { perturb: noise, seed: 5 });
    for (const [got, want] of [[reordered[1], noisy[0]], [reordered[2], noisy[1]], [reordered[0], noisy[2]], [alone[0], noisy[1]]]) {
      for (const d of model.labels) expect(got[d]).toBeCloseTo(want[d], 5);
    }
  });

  test('the model sees exactly what perturb() returns for the same key', async () => {
    const x = speechlike(6000, 7);
    const spec: PerturbSpec = { type: 'speedup' };
    const [viaPredict] = await model.predict(x, { perturb: spec, seed: 2 });
    const [viaPerturb] = await model.predict(await ser.perturb(x, spec, { seed: 2, key: '#0' }));
    expect(viaPredict).toEqual(viaPerturb);
    const samples = await nativeAddon().loadMono(files[0], RATE);
    const [fileViaPredict] = await model.predict(files[0], { perturb: noise, seed: 2 });
    const [fileViaPerturb] = await model.predict(await ser.perturb(samples, noise, { seed: 2, key: files[0] }));
    expect(fileViaPredict).toEqual(fileViaPerturb);
    // embed and hiddenStates take the same options.
    const [e] = await model.embed(x, { perturb: spec, seed: 2 });
    expect(e).toEqual((await model.embed(await ser.perturb(x, spec, { seed: 2 })))[0]);
  });

  test('a bad spec is an InputError before any file is read; a bad noise clip an AudioError naming it', async () => {
    const e = await rejection(model.predict(path.join(tmp, 'no-such.wav'), { perturb: { type: 'gain' } as never }));
    expect(e).toBeInstanceOf(ser.InputError);
    expect(e.message).toBe('predict: perturb.db is required');
    expect(await rejection(model.predict(files[0], { seed: -2 }))).toBeInstanceOf(ser.InputError);
    const missing = path.join(tmp, 'no-such-clip.wav');
    const a = await rejection(model.predict(files, { perturb: { type: 'noise', snrDb: 10, clips: [missing] } }));
    expect(a).toBeInstanceOf(ser.AudioError);
    expect(a.message).toContain(missing);
  });
});

describe('ser-torch perturb', () => {
  async function cli(args: string[]): Promise<string[]> {
    const program = new Command().exitOverride();
    registerPerturbCommand(program);
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      await program.parseAsync(['node', 'ser-torch', 'perturb', ...args]);
    } finally {
      log.mockRestore();
    }
    return lines;
  }

  test('writes <out>/<condition>/<name>.wav, float WAVs that read back as what perturb() returns', async () => {
    const input = writeWav(path.join(tmp, 'cli', 'voice.wav'), speechlike(RATE, 4));
    const out = path.join(tmp, 'cli-out');
    const written = await cli([input, '--out', out, '--condition', 'noise:pink@10dB', '--condition', 'speedup,fade', '--seed', '9']);
    expect(written).toEqual(['noise:pink@10dB', 'speedup', 'fade'].map((c) => path.join(out, c, 'voice.wav')));
    const samples = await nativeAddon().loadMono(input, RATE);
    const byName = Object.fromEntries(ser.robustnessConditions('paper').map((c) => [c.name, c.spec]));
    for (const [i, name] of ['noise:pink@10dB', 'speedup', 'fade'].entries()) {
      const back = await nativeAddon().loadMono(written[i], RATE);
      expect(back).toEqual(await ser.perturb(samples, byName[name], { seed: 9, key: input }));
    }
    const preprint = await cli([input, '--out', out, '--suite', 'preprint']);
    expect(preprint.map((f) => path.basename(path.dirname(f)))).toEqual(ser.robustnessConditions('preprint').map((c) => c.name));
  });

  test('unknown suites or conditions, and clashing output names, are InputErrors', async () => {
    const input = writeWav(path.join(tmp, 'cli', 'voice.wav'), speechlike(RATE, 4));
    const other = writeWav(path.join(tmp, 'cli', 'sub', 'voice.flac.wav'), speechlike(RATE, 5));
    const clash = writeWav(path.join(tmp, 'cli', 'sub', 'voice.wav'), speechlike(RATE, 5));
    const out = path.join(tmp, 'cli-bad');
    await expect(cli([input, '--out', out, '--suite', 'journal'])).rejects.toThrow(/unknown suite 'journal' \(paper, preprint\)/);
    await expect(cli([input, '--out', out, '--condition', 'noise:dog@0dB'])).rejects.toThrow(/unknown condition 'noise:dog@0dB' in the paper suite \(noise:babble@0dB/);
    await expect(cli([input, clash, '--out', out])).rejects.toThrow(/would both be written as voice\.wav/);
    await expect(cli([input, '--out', out, '--seed', 'x'])).rejects.toThrow(ser.InputError);
    expect(fs.existsSync(out)).toBe(false);
    expect(await cli([input, other, '--out', out, '--condition', 'fade'])).toHaveLength(2);
  });
});
