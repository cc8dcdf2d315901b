// Long recordings (issue 13, item 2): model.predictStream / predictLong against separate predict()
// calls on the same samples, the window edges and the tail rule, bad options and files, failures
// part-way, early exits, abort, memory on a 2-hour file (in a child process), and the CLI.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AbortError, AudioError, DisposedError, InputError, loadModel, type SerModel } from '../lib';
import { nativeAddon } from '../lib/native';
import { checkPredictFlags, csvField, secondsArg } from '../lib/cli/predict-command';
import { checkStreamOptions, type WindowPrediction } from '../lib/predict-long';
import { modelsDir, rejection } from './helpers/fixtures';
import { testSignal, writeWav } from './helpers/long-audio';

const root = path.join(__dirname, '..');
const modelDir = path.join(modelsDir, 'w2v2_preln_layer_head');
const RATE = 16000;
const LABELS = ['arousal', 'dominance', 'valence'] as const;

let model: SerModel;
let tmp: string;

beforeAll(async () => {
  model = await loadModel(modelDir);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-long-'));
});

afterAll(() => {
  model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function file(name: string): string {
  return path.join(tmp, name);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Each window against model.predict() on its own samples, one call per window. */
async function expectSameAsSeparatePredicts(windows: WindowPrediction[], samples: Float32Array): Promise<void> {
  for (const w of windows) {
    const slice = samples.subarray(Math.round(w.start * RATE), Math.round(w.end * RATE));
    const [alone] = await model.predict(slice);
    for (const label of LABELS) expect(Math.abs(w[label] - alone[label])).toBeLessThanOrEqual(1e-5);
  }
}

test('each window equals a separate predict() on its samples; window k is [k*hop, k*hop + window), then the tail', async () => {
  const samples = testSignal(3 * RATE + 5000); // 53000 samples
  const wav = file('a16k.wav');
  writeWav(wav, samples, RATE);
  const long = await model.predictLong(wav, { windowSeconds: 1, hopSeconds: 0.35, batchSize: 3 });
  // Whole windows while k*5600 + 16000 <= 53000 (k = 0..6, to 49600), then the tail from 39200 to the end.
  const edges = long.windows.map((w) => [w.start * RATE, w.end * RATE].map((x) => Math.round(x)));
  expect(edges).toEqual([
    [0, 16000], [5600, 21600], [11200, 27200], [16800, 32800], [22400, 38400], [28000, 44000], [33600, 49600], [39200, 53000],
  ]);
  expect(long.seconds).toBe(53000 / RATE);
  expect(long.uncoveredSeconds).toBe(0);
  await expectSameAsSeparatePredicts(long.windows, samples);

  // The summaries, recomputed here.
  for (const label of LABELS) {
    const values = long.windows.map((w) => w[label]);
    const lengths = long.windows.map((w) => w.end - w.start);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const weighted = values.reduce((a, v, i) => a + v * lengths[i], 0) / lengths.reduce((a, b) => a + b, 0);
    expect(long.mean[label]).toBeCloseTo(mean, 12);
    expect(long.durationWeighted[label]).toBeCloseTo(weighted, 12);
  }
  expect(long.mean.arousal).not.toBeCloseTo(long.durationWeighted.arousal, 9); // the shorter tail weighs less

  // The stream yields the same windows, in order, whatever the batch size.
  const streamed = await collect(model.predictStream(wav, { windowSeconds: 1, hopSeconds: 0.35, batchSize: 8 }));
  expect(streamed.map((w) => Object.keys(w))).toEqual(streamed.map(() => ['start', 'end', ...LABELS]));
  expect(streamed.length).toBe(long.windows.length);
  streamed.forEach((w, i) => {
    expect(w.start).toBe(long.windows[i].start);
    expect(w.end).toBe(long.windows[i].end);
    for (const label of LABELS) expect(Math.abs(w[label] - long.windows[i][label])).toBeLessThanOrEqual(1e-5);
  });
});

test('a 44.1 kHz stereo 16-bit WAV: windows equal predict() on the decoded, mixed, resampled samples', async () => {
  const frames = 44100 * 3 + 777;
  const left = testSignal(frames, 5);
  const right = testSignal(frames, 6);
  const interleaved = new Float32Array(2 * frames);
  for (let i = 0; i < frames; i++) {
    interleaved[2 * i] = left[i];
    interleaved[2 * i + 1] = right[i];
  }
  const wav = file('stereo44k.wav');
  writeWav(wav, interleaved, 44100, { channels: 2, pcm16: true });
  const decoded = await nativeAddon().loadMono(wav, RATE); // what predict(path) decodes
  const long = await model.predictLong(wav, { windowSeconds: 0.8, hopSeconds: 0.5, batchSize: 4 });
  expect(long.seconds).toBe(decoded.length / RATE);
  expect(long.windows.at(-1)?.end).toBe(decoded.length / RATE);
  await expectSameAsSeparatePredicts(long.windows, decoded);
});

test('the tail: shorter than the minimum input it is dropped and counted; a file shorter than a window is one window', async () => {
  const minSeconds = model.info.minSamples / RATE; // 400 samples, 25 ms
  const shortTail = file('short-tail.wav');
  writeWav(shortTail, testSignal(2 * RATE + 200), RATE);
  const a = await model.predictLong(shortTail, { windowSeconds: 1 });
  expect(a.windows.map((w) => [w.start, w.end])).toEqual([[0, 1], [1, 2]]);
  expect(a.uncoveredSeconds).toBe(200 / RATE);
  expect(a.uncoveredSeconds).toBeLessThan(minSeconds);
  expect(a.seconds).toBe(2 + 200 / RATE);

  const half = file('half-second.wav');
  const halfSamples = testSignal(RATE / 2);
  writeWav(half, halfSamples, RATE);
  const b = await model.predictLong(half, { windowSeconds: 4, hopSeconds: 2 });
  expect(b.windows.map((w) => [w.start, w.end])).toEqual([[0, 0.5]]);
  await expectSameAsSeparatePredicts(b.windows, halfSamples);

  const tiny = file('tiny.wav');
  writeWav(tiny, testSignal(300), RATE);
  const e = await rejection(model.predictLong(tiny));
  expect(e).toBeInstanceOf(InputError);
  expect(e.message).toContain(tiny);
  expect(e.message).toMatch(/too short: 300 samples at 16000 Hz, the model needs at least 400/);
});

test('bad options are InputErrors naming the option, thrown before any file is opened', async () => {
  const missing = file('never-opened.wav');
  const bad: Array<[object, RegExp]> = [
    [{ windowSeconds: 0.02 }, /'windowSeconds' 0\.02 is shorter than the model's minimum input: 320 samples at 16000 Hz, the model needs at least 400 \(25 ms\)/],
    [{ windowSeconds: 0 }, /'windowSeconds' must be a finite number in \(0, 600\]/],
    [{ windowSeconds: NaN }, /'windowSeconds' must be a finite number/],
    [{ windowSeconds: Infinity }, /'windowSeconds' must be a finite number/],
    [{ windowSeconds: '4' }, /'windowSeconds' must be a finite number/],
    [{ windowSeconds: 601 }, /'windowSeconds'/],
    [{ hopSeconds: 0 }, /'hopSeconds' must be a finite number in \(0, 600\]/],
    [{ hopSeconds: -1 }, /'hopSeconds'/],
    [{ hopSeconds: NaN }, /'hopSeconds'/],
    [{ windowSeconds: 4, hopSeconds: 4.5 }, /'hopSeconds' 4\.5 is longer than 'windowSeconds' 4: the windows would leave gaps/],
    [{ hopSeconds: 5 }, /'hopSeconds' 5 is longer than 'windowSeconds' 4/], // the default window
    [{ hopSeconds: 1e-6 }, /'hopSeconds' 0\.000001 is less than one sample at 16000 Hz/],
    [{ batchSize: 0 }, /'batchSize' must be an integer in \[1, 1024\]/],
    [{ batchSize: 2.5 }, /'batchSize'/],
    [{ signal: 'stop' }, /'signal' must be an AbortSignal/],
  ];
  for (const [opts, message] of bad) {
    expect(() => model.predictStream(missing, opts)).toThrow(InputError);
    expect(() => model.predictStream(missing, opts)).toThrow(message);
    const e = await rejection(model.predictLong(missing, opts));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(message);
  }
  expect(() => model.predictStream('', {})).toThrow(/'path' must be a non-empty string/);
  // The defaults: 4 s windows without overlap; one window per forward pass on the CPU, 8 on a GPU.
  expect(checkStreamOptions('predictStream', missing, {}, model.info).options).toEqual({ windowSeconds: 4, hopSeconds: 4, batchSize: 1 });
  expect(checkStreamOptions('predictStream', missing, { windowSeconds: 3 }, { ...model.info, device: 'cuda:0' }).options).toEqual({
    windowSeconds: 3, hopSeconds: 3, batchSize: 8,
  });
  expect(() => model.predictStream(missing, [] as object)).toThrow(/options must be an object/);
});

test('unreadable files are AudioErrors naming them', async () => {
  const text = file('notes.txt');
  fs.writeFileSync(text, 'not audio at all\n');
  const cases: Array<[string, RegExp]> = [
    [file('missing.wav'), /no such file/],
    [text, /cannot read audio/],
    [tmp, /is a directory/],
    [path.join(__dirname, 'fixtures', 'audio', 'empty.wav'), /empty|no samples/],
    [path.join(__dirname, 'fixtures', 'audio', 'truncated.wav'), /truncated/],
  ];
  for (const [p, message] of cases) {
    const e = await rejection(collect(model.predictStream(p)));
    expect(e).toBeInstanceOf(AudioError);
    expect(e.message).toContain(p);
    expect(e.message).toMatch(message);
  }
  // The model is still usable.
  expect(await model.predict(testSignal(RATE))).toHaveLength(1);
});

test('a file that fails part-way: the windows before it arrive, then an AudioError with the position', async () => {
  // NaN at 5.5 s in a float WAV.
  const samples = testSignal(8 * RATE);
  samples[Math.round(5.5 * RATE)] = NaN;
  const nan = file('nan.wav');
  writeWav(nan, samples, RATE);
  const got: WindowPrediction[] = [];
  const e = await rejection((async () => {
    for await (const w of model.predictStream(nan, { windowSeconds: 1, batchSize: 1 })) got.push(w);
  })());
  expect(e).toBeInstanceOf(AudioError);
  expect(e.message).toContain(nan);
  expect(e.message).toMatch(/NaN or infinite samples, the first at 5\.500 s \(frame 88000\)/);
  expect(got.length).toBeGreaterThanOrEqual(4);
  expect(got.every((w) => w.end <= 5.5)).toBe(true);

  // A 30 s WAV cut to 10 s while it is being read.
  const cut = file('cut.wav');
  writeWav(cut, testSignal(30 * RATE), RATE, { pcm16: true });
  const before: WindowPrediction[] = [];
  const e2 = await rejection((async () => {
    for await (const w of model.predictStream(cut, { windowSeconds: 1, batchSize: 1 })) {
      if (before.length === 0) fs.truncateSync(cut, 44 + 2 * 10 * RATE);
      before.push(w);
    }
  })());
  expect(e2).toBeInstanceOf(AudioError);
  expect(e2.message).toContain(cut);
  expect(e2.message).toMatch(/is truncated: the header promises 480000 frames \(30\.000 s\), the audio ends at 10\.000 s/);
  expect(before.map((w) => w.start)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('breaking off, abort and dispose end the stream; the model goes on working', async () => {
  const wav = file('ten-seconds.wav');
  writeWav(wav, testSignal(10 * RATE), RATE);
  const opts = { windowSeconds: 1, hopSeconds: 0.5, batchSize: 2 };

  const starts: number[] = [];
  for await (const w of model.predictStream(wav, opts)) {
    starts.push(w.start);
    if (starts.length === 3) break;
  }
  expect(starts).toEqual([0, 0.5, 1]);

  const aborted = new AbortController();
  aborted.abort();
  const e1 = await rejection(model.predictLong(wav, { ...opts, signal: aborted.signal }));
  expect(e1).toBeInstanceOf(AbortError);
  expect(e1.message).toBe('predictLong: aborted');

  const controller = new AbortController();
  const seen: number[] = [];
  const e2 = await rejection((async () => {
    for await (const w of model.predictStream(wav, { ...opts, signal: controller.signal })) {
      seen.push(w.start);
      if (seen.length === 2) controller.abort(new Error('user stop'));
    }
  })());
  expect(e2).toBeInstanceOf(AbortError);
  expect((e2 as Error & { cause?: Error }).cause?.message).toBe('user stop');
  expect(seen).toEqual([0, 0.5]);

  const own = await loadModel(modelDir);
  const e3 = await rejection((async () => {
    for await (const w of own.predictStream(wav, opts)) if (w.start === 0) own.dispose();
  })());
  expect(e3).toBeInstanceOf(DisposedError);
  expect(() => own.predictStream(wav, opts)).toThrow(DisposedError);

  const again = await model.predictLong(wav, opts);
  expect(again.windows).toHaveLength(19);
});

test('a 2-hour 16 kHz file adds less than 200 MB of resident memory (child process, peak RSS)', () => {
  const folder = fs.mkdtempSync(path.join(tmp, 'two-hours-'));
  const r = spawnSync(
    process.execPath,
    ['-r', './test/helpers/ts-register.js', 'test/helpers/long-rss-child.ts', modelDir, folder, String(2 * 3600), '4', '4', '8'],
    { cwd: root, encoding: 'utf8' },
  );
  fs.rmSync(folder, { recursive: true, force: true });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const m = JSON.parse(r.stdout) as { baseline: number; peak: number; windows: number; seconds: number; elapsed: number; fileBytes: number };
  expect(m.fileBytes).toBe(44 + 2 * 3600 * RATE * 2); // 230 MB of 16-bit samples (460 MB as float32)
  expect(m.seconds).toBe(7200);
  expect(m.windows).toBe(1800);
  const addedMb = (m.peak - m.baseline) / 2 ** 20;
  console.log(`2-hour file: peak RSS ${addedMb.toFixed(1)} MB above the baseline, ${m.windows} windows in ${m.elapsed.toFixed(1)} s`);
  expect(addedMb).toBeLessThan(200);
}, 600000);

test('predict command flags: seconds, exclusive formats, CSV quoting', () => {
  expect(secondsArg('--window')('2.5')).toBe(2.5);
  for (const bad of ['0', '-1', 'abc', '', 'Infinity']) {
    expect(() => secondsArg('--window')(bad)).toThrow(new InputError(`predict: --window must be a positive number of seconds, got '${bad}'`));
  }
  const flags = { device: 'cpu' as const, precision: 'fp32' as const };
  expect(() => checkPredictFlags({ ...flags, json: true, csv: true })).toThrow(new InputError('predict: --json and --csv exclude each other'));
  expect(() => checkPredictFlags({ ...flags, hop: 1 })).toThrow(new InputError('predict: --hop needs --window'));
  expect(() => checkPredictFlags({ ...flags, window: 2, hop: 1, csv: true }, ['a.wav'])).not.toThrow();
  // A corpus (--manifest) goes to --out; files and --manifest exclude each other.
  expect(() => checkPredictFlags({ ...flags, manifest: 'c.csv', out: 'p.jsonl', resume: true })).not.toThrow();
  expect(() => checkPredictFlags({ ...flags, manifest: 'c.csv' })).toThrow(/--manifest needs --out/);
  expect(() => checkPredictFlags({ ...flags, manifest: 'c.csv', out: 'p.jsonl' }, ['a.wav'])).toThrow(/not both/);
  expect(() => checkPredictFlags({ ...flags, resume: true }, ['a.wav'])).toThrow(/go with --manifest/);
  expect(() => checkPredictFlags(flags, [])).toThrow(/give audio files/);
  expect(['plain.wav', 'a,b.wav', 'say "hi".wav', 'two\nlines.wav', 0.25].map(csvField)).toEqual([
    'plain.wav', '"a,b.wav"', '"say ""hi"".wav"', '"two\nlines.wav"', '0.25',
  ]);
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['-r', './test/helpers/ts-register.js', 'lib/cli/main.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('ser-torch predict --window --hop: one line per window, as text, JSON or CSV; flags checked', async () => {
  const wav = file('cli, "quoted".wav');
  writeWav(wav, testSignal(3 * RATE), RATE);
  const long = await model.predictLong(wav, { windowSeconds: 1, hopSeconds: 0.75 });

  const csv = cli('predict', modelDir, wav, '--window', '1', '--hop', '0.75', '--csv');
  expect(csv.stderr).toBe('');
  expect(csv.status).toBe(0);
  const lines = csv.stdout.trim().split('\n');
  expect(lines[0]).toBe('file,start,end,arousal,dominance,valence');
  expect(lines).toHaveLength(1 + long.windows.length);
  const quoted = `"${wav.replace(/"/g, '""')}"`;
  lines.slice(1).forEach((line, i) => {
    expect(line.startsWith(`${quoted},`)).toBe(true);
    const numbers = line.slice(quoted.length + 1).split(',').map(Number);
    const w = long.windows[i];
    expect(numbers).toEqual([w.start, w.end, w.arousal, w.dominance, w.valence]);
  });

  const json = cli('predict', modelDir, wav, '--window', '1', '--hop', '0.75', '--json');
  expect(json.status).toBe(0);
  expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(long.windows.map((w) => ({ file: wav, ...w })));

  const text = cli('predict', modelDir, wav, '--window', '1', '--hop', '0.75');
  expect(text.stdout.trim().split('\n')[1]).toBe(
    `${wav}\tstart=0.750\tend=1.750\t${LABELS.map((l) => `${l}=${long.windows[1][l].toFixed(4)}`).join('\t')}`,
  );

  const whole = cli('predict', modelDir, wav, '--csv');
  const [alone] = await model.predict(wav);
  expect(whole.stdout).toBe(`file,arousal,dominance,valence\n${quoted},${alone.arousal},${alone.dominance},${alone.valence}\n`);

  expect(cli('predict', modelDir, wav, '--hop', '1').stderr).toBe('ser-torch: predict: --hop needs --window (ERR_INPUT)\n');
  const gap = cli('predict', modelDir, wav, '--window', '1', '--hop', '2');
  expect(gap.stderr).toMatch(/'hopSeconds' 2 is longer than 'windowSeconds' 1.*\(ERR_INPUT\)\n$/);
  expect(gap.status).toBe(1);
}, 120000);
