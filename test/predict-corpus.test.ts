// predictCorpus(): a manifest or a folder into JSONL or CSV, in input order with the values of lone
// predicts; unreadable, too short and vanishing files as error records that are counted; resume
// after a kill -9 of a child process (the output then equals an uninterrupted run's), after an
// abort and over a torn last line; foreign outputs refused, naming the file and line.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AbortError, InputError, loadModel, NoHeadError, predictCorpus, type CorpusProgress, type SerModel } from '../lib';
import { corpusProgressPrinter, duration, runCorpusFromCli } from '../lib/cli/corpus-options';
import { encodeWavFloat32 } from '../lib/cli/perturb-command';
import { csvFields } from '../lib/corpus/resume';
import { paddedBatches, planWindows } from '../lib/corpus/windows';
import { modelsDir, rejection } from './helpers/fixtures';

const root = path.join(__dirname, '..');
const modelDir = path.join(modelsDir, 'w2v2_preln_layer_head');
const RATE = 16000;

let tmp: string;
let model: SerModel;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-corpus-'));
  model = await loadModel(modelDir);
});
afterAll(() => {
  model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A voiced-like signal whose content depends on k (so every file predicts differently). */
function signal(samples: number, k: number): Float32Array {
  const x = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    x[i] = 0.3 * Math.sin(i * (0.011 + 0.003 * (k % 7))) * (0.5 + 0.5 * Math.sin(i / (300 + 37 * k))) + 0.05 * Math.sin(i * 0.31 * (1 + k));
  }
  return x;
}

function writeWav(file: string, samples: Float32Array, rate = RATE): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeWavFloat32(samples, rate));
  return file;
}

/** Seconds of audio of each file makeCorpus wrote. */
const secondsOf = new Map<string, number>();

/** n files of mixed length (0.1 to 1.3 s; never sorted by length) under dir, some in sub-folders. */
function makeCorpus(dir: string, n: number): string[] {
  const files: string[] = [];
  for (let k = 0; k < n; k++) {
    const samples = Math.round(RATE * (0.1 + ((k * 7) % 13) / 10));
    const sub = k % 3 === 0 ? 'b' : 'a';
    files.push(writeWav(path.join(dir, sub, `clip${String(k).padStart(3, '0')}.wav`), signal(samples, k)));
    secondsOf.set(files[k], samples / RATE);
  }
  return files.sort();
}

const tmpDir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));

type JsonRecord = { file: string; error?: string } & Record<string, number | string | null>;

function readJsonl(file: string): { header: Record<string, unknown>; records: JsonRecord[] } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  expect(lines.pop()).toBe(''); // every line ends
  const [header, ...records] = lines.map((l) => JSON.parse(l) as JsonRecord);
  return { header, records };
}

async function lonePredictions(files: string[]) {
  const out = [];
  for (const f of files) out.push((await model.predict(f))[0]);
  return out;
}

function expectSameValues(records: JsonRecord[], want: JsonRecord[], digits = 5) {
  expect(records.map((r) => r.file)).toEqual(want.map((r) => r.file));
  records.forEach((r, i) => {
    expect(r.error).toEqual(want[i].error);
    for (const l of ['arousal', 'dominance', 'valence']) {
      if (want[i].error === undefined) expect(r[l] as number).toBeCloseTo(want[i][l] as number, digits);
    }
  });
}

test('windows cut the input in order, by files and audio seconds', () => {
  expect(planWindows([1, 1, 1, 1, 1], 1)).toEqual([[0, 5]]);
  expect(planWindows(new Array(20).fill(1), 1)).toEqual([[0, 8], [8, 16], [16, 20]]);
  expect(planWindows([500, 200, 50, 700, 1], 8)).toEqual([[0, 1], [1, 3], [3, 4], [4, 5]]);
});

test('batches: similar lengths, at most batchSize, padding at most 10 %', () => {
  expect(paddedBatches([10, 10, 10, 10, 10], 2)).toEqual([[0, 1], [2, 3], [4]]);
  // 100, 105, 110 pad 4.5 %; adding 200 would pad 45 %: it starts a batch of its own.
  expect(paddedBatches([200, 105, 100, 110], 8)).toEqual([[2, 1, 3], [0]]);
  const lengths = Array.from({ length: 64 }, (_, k) => 16000 + ((k * 7919) % 64) * 4000);
  const batches = paddedBatches(lengths, 8);
  expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
  for (const b of batches) {
    const longest = Math.max(...b.map((i) => lengths[i]));
    const real = b.reduce((s, i) => s + lengths[i], 0);
    expect(b.length).toBeLessThanOrEqual(8);
    expect(1 - real / (longest * b.length)).toBeLessThanOrEqual(0.1);
  }
  expect(batches.length).toBeLessThan(64); // similar lengths still batch
});

test('a folder: every audio file, in path order, with the values of lone predicts', async () => {
  const dir = tmpDir('folder');
  const files = makeCorpus(path.join(dir, 'corpus'), 40);
  // Not audio, hidden, or empty folders: not part of the corpus.
  fs.writeFileSync(path.join(dir, 'corpus', 'notes.txt'), 'hello');
  writeWav(path.join(dir, 'corpus', '.hidden', 'x.wav'), signal(RATE, 1));
  fs.mkdirSync(path.join(dir, 'corpus', 'empty'));
  const out = path.join(dir, 'preds.jsonl');
  const progress: CorpusProgress[] = [];
  const result = await predictCorpus(model, path.join(dir, 'corpus'), { out, batchSize: 2, onProgress: (p) => progress.push(p) });
  expect(result).toMatchObject({ files: 40, predicted: 40, skipped: [], resumed: 0, out, format: 'jsonl' });
  expect(result.audioSecondsPerSecond).toBeGreaterThan(0);

  const { header, records } = readJsonl(out);
  expect(header).toEqual({ 'ser-torch': 'corpus-predictions', version: 1, labels: ['arousal', 'dominance', 'valence'] });
  expect(records.map((r) => r.file)).toEqual(files);
  const alone = await lonePredictions(files);
  // The batches were sorted by length inside each window: a wrong mapping back would show here.
  expectSameValues(records, files.map((file, i) => ({ file, ...alone[i] })));
  expect(new Set(records.map((r) => r.arousal)).size).toBe(40);

  // Progress after each window (16 files with batchSize 2), ending with all of them.
  expect(progress.map((p) => p.files)).toEqual([16, 32, 40]);
  const last = progress[progress.length - 1];
  const total = files.reduce((s, f) => s + secondsOf.get(f)!, 0);
  expect(last).toMatchObject({ total: 40, failed: 0, etaSeconds: 0 });
  expect(last.audioSeconds).toBeCloseTo(total, 3);
  expect(last.totalAudioSeconds).toBeCloseTo(total, 3);
  expect(last.filesPerSecond).toBeGreaterThan(0);
});

test('a folder: links to files are followed, links to folders are not; confineAudioPaths refuses links out of it', async () => {
  const dir = tmpDir('links');
  const [inside] = makeCorpus(path.join(dir, 'corpus'), 1);
  const outsideFile = writeWav(path.join(dir, 'elsewhere', 'far.wav'), signal(RATE, 5));
  fs.symlinkSync(outsideFile, path.join(dir, 'corpus', 'link.wav'));
  fs.symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'corpus', 'linked-folder'));
  const open = await predictCorpus(model, path.join(dir, 'corpus'), { out: path.join(dir, 'open.jsonl') });
  expect(open).toMatchObject({ files: 2, predicted: 2 });
  expect(readJsonl(path.join(dir, 'open.jsonl')).records.map((r) => r.file)).toEqual([inside, path.join(dir, 'corpus', 'link.wav')]);

  const confined = await predictCorpus(model, path.join(dir, 'corpus'), { out: path.join(dir, 'confined.jsonl'), confineAudioPaths: true });
  expect(confined).toMatchObject({ files: 2, predicted: 1 });
  expect(confined.skipped).toEqual([
    { file: path.join(dir, 'corpus', 'link.wav'), reason: expect.stringContaining('a link that leaves the folder') as string },
  ]);
});

test('a manifest: its row order, its rows, CSV and JSONL alike; labels on any scale are ignored', async () => {
  const dir = tmpDir('manifest');
  const files = makeCorpus(path.join(dir, 'audio'), 12).reverse(); // not the folder's order
  // A path with a comma and a quote: quoted in the CSV output.
  const odd = writeWav(path.join(dir, 'audio', 'odd, "name".wav'), signal(RATE / 2, 99));
  const rows = [...files.slice(0, 6), odd, ...files.slice(6), files[0]]; // the first file twice
  const manifest = path.join(dir, 'corpus.csv');
  fs.writeFileSync(manifest, ['file,arousal,speaker', ...rows.map((f, i) => `"${path.relative(dir, f).replace(/"/g, '""')}",${1 + (i % 7)},s${i}`)].join('\n') + '\n');

  const jsonl = path.join(dir, 'out.jsonl');
  const csv = path.join(dir, 'out.csv');
  await predictCorpus(model, manifest, { out: jsonl, batchSize: 3 });
  const r = await predictCorpus(modelDir, manifest, { out: csv }); // a model folder, loaded and freed by the call
  expect(r).toMatchObject({ files: rows.length, predicted: rows.length, format: 'csv' });

  const { records } = readJsonl(jsonl);
  const alone = await lonePredictions(rows);
  expectSameValues(records, rows.map((file, i) => ({ file, ...alone[i] })));

  const [head, ...lines] = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
  expect(head).toBe('file,arousal,dominance,valence,error');
  expect(lines[6]).toMatch(/^"[^"]*odd, ""name"".wav",/);
  const parsed = lines.map((l) => csvFields(l)!);
  expectSameValues(
    parsed.map(([file, a, d, v, error]) => ({ file, arousal: Number(a), dominance: Number(d), valence: Number(v), ...(error ? { error } : {}) })),
    records,
  );
});

test('unreadable, missing, too short and vanishing files are error records, counted; the run goes on', async () => {
  const dir = tmpDir('broken');
  const good = makeCorpus(path.join(dir, 'audio'), 30);
  const corrupt = path.join(dir, 'audio', 'corrupt.wav');
  fs.writeFileSync(corrupt, 'RIFF not really a wave file');
  const short = writeWav(path.join(dir, 'audio', 'short.wav'), signal(100, 3));
  const missing = path.join(dir, 'audio', 'missing.wav');
  // Row 28, in the fourth window of 8: deleted once the first is written (the next window
  // decodes while one runs, so the second and third may be decoded already).
  const vanishing = good[25];
  const rows = [good[0], corrupt, ...good.slice(1, 10), missing, short, ...good.slice(10)];
  const manifest = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(manifest, rows.map((f) => JSON.stringify({ path: f })).join('\n') + '\n');

  const out = path.join(dir, 'out.jsonl');
  const result = await predictCorpus(model, manifest, {
    out,
    batchSize: 1,
    onProgress: (p) => {
      if (p.files === 8) fs.unlinkSync(vanishing);
    },
  });
  const reasons = Object.fromEntries(result.skipped.map((s) => [s.file, s.reason]));
  expect(Object.keys(reasons).sort()).toEqual([corrupt, missing, short, vanishing].sort());
  expect(reasons[corrupt]).toMatch(/corrupt\.wav/);
  expect(reasons[missing]).toMatch(/corpus\.jsonl:12: audio file not found: .*missing\.wav/);
  expect(reasons[short]).toMatch(/short\.wav: audio is too short: 100 samples at 16000 Hz, the model needs at least 400/);
  expect(reasons[vanishing]).toContain(vanishing);
  expect(result).toMatchObject({ files: rows.length, predicted: rows.length - 4, resumed: 0 });

  // Every row has its record, in the manifest's order; the bad ones say why.
  const { records } = readJsonl(out);
  expect(records.map((r) => r.file)).toEqual(rows);
  for (const r of records) {
    if (reasons[r.file]) expect(r).toEqual({ file: r.file, error: reasons[r.file] });
    else expect(Object.keys(r)).toEqual(['file', 'arousal', 'dominance', 'valence']);
  }
});

test('bad input: typed errors naming the input, the option or the output', async () => {
  const dir = tmpDir('bad');
  fs.mkdirSync(path.join(dir, 'silent'));
  fs.writeFileSync(path.join(dir, 'silent', 'readme.txt'), 'no audio here');
  const out = path.join(dir, 'out.jsonl');
  let e = await rejection(predictCorpus(model, path.join(dir, 'silent'), { out }));
  expect(e).toBeInstanceOf(InputError);
  expect(e.message).toContain(`the folder ${path.join(dir, 'silent')} holds no audio files`);
  e = await rejection(predictCorpus(model, path.join(dir, 'nothing'), { out }));
  expect(e).toBeInstanceOf(InputError);
  expect(e.message).toContain(`the input ${path.join(dir, 'nothing')} does not exist`);
  expect(fs.existsSync(out)).toBe(false); // nothing written before the input is read

  const input = path.dirname(makeCorpus(path.join(dir, 'c'), 2)[0]);
  e = await rejection(predictCorpus(model, input, { out: path.join(dir, 'out.txt') }));
  expect(e.message).toMatch(/cannot tell the format of .*out\.txt/);
  for (const [options, words] of [
    [{ out: 3 }, "'out' must be a non-empty string"],
    [{ out, batchSize: 0 }, "'batchSize' must be an integer"],
    [{ out, format: 'xml' }, "'format' must be one of 'jsonl', 'csv'"],
    [{ out, resume: 'yes' }, "'resume' must be a boolean"],
    [{ out, onProgress: 1 }, "'onProgress' must be a function"],
    [{ out, precision: 'fp64' }, "'precision' must be one of"],
  ] as const) {
    e = await rejection(predictCorpus(model, input, options as never));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(words);
  }
  e = await rejection(predictCorpus(model, input, undefined as never));
  expect(e.message).toContain("options must be an object with 'out'");

  const backbone = await loadModel(path.join(modelsDir, 'w2v2_postln_group'));
  e = await rejection(predictCorpus(backbone, input, { out }));
  expect(e).toBeInstanceOf(NoHeadError);
  backbone.dispose();
  expect(fs.existsSync(out)).toBe(false);
});

describe('outputs that are not ours are refused, naming the file and line', () => {
  let dir: string;
  let input: string;
  let full: string;
  beforeAll(async () => {
    dir = tmpDir('foreign');
    input = path.join(dir, 'corpus');
    makeCorpus(input, 6);
    full = path.join(dir, 'full.jsonl');
    await predictCorpus(model, input, { out: full });
  });

  const attempt = async (name: string, text: string) => {
    const out = path.join(dir, name);
    fs.writeFileSync(out, text);
    const e = await rejection(predictCorpus(model, input, { out, resume: true }));
    expect(fs.readFileSync(out, 'utf8')).toBe(text); // untouched
    return e;
  };

  test('without resume, an existing output is not overwritten', async () => {
    const before = fs.readFileSync(full, 'utf8');
    const e = await rejection(predictCorpus(model, input, { out: full }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(`${full} exists: pass resume: true`);
    expect(fs.readFileSync(full, 'utf8')).toBe(before);
  });

  test('another file, other labels, a bad line, another corpus', async () => {
    const [header, ...records] = fs.readFileSync(full, 'utf8').trimEnd().split('\n');
    let e = await attempt('notes.jsonl', 'dear diary\nsecond line\n');
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(`${path.join(dir, 'notes.jsonl')}:1: line 1 is not the header`);
    expect(e.message).toContain('resume will not append to it');

    e = await attempt('labels.jsonl', `${header.replace('"valence"', '"happy"')}\n`);
    expect(e.message).toMatch(/labels\.jsonl:1: it holds \["arousal","dominance","happy"\]/);

    e = await attempt('line4.jsonl', [header, records[0], records[1], '{"file":"x.wav","arousal":"high","dominance":1,"valence":1}', records[2], ''].join('\n'));
    expect(e.message).toContain(`${path.join(dir, 'line4.jsonl')}:4: 'arousal' is not a number`);
    e = await attempt('extra.jsonl', [header, records[0].replace('}', ',"note":1}'), ''].join('\n'));
    expect(e.message).toMatch(/extra\.jsonl:2: fields file, arousal, dominance, valence, note/);

    e = await attempt('other.csv', 'name,score\na.wav,1\n');
    expect(e.message).toContain(`${path.join(dir, 'other.csv')}:1: the header is not file,arousal,dominance,valence,error`);
    e = await attempt('bad.csv', 'file,arousal,dominance,valence,error\na.wav,1,2,3,\nb.wav,1,2\n');
    expect(e.message).toContain('bad.csv:3: 3 fields, not 5');

    e = await attempt('elsewhere.jsonl', [header, JSON.stringify({ file: '/elsewhere/a.wav', error: 'x' }), ''].join('\n'));
    expect(e.message).toContain('none of the 1 files in');
  });
});

test('resume skips what the output holds; a torn last line is written again; an abort is resumed', async () => {
  const dir = tmpDir('resume');
  const input = path.join(dir, 'corpus');
  const files = makeCorpus(input, 30);
  fs.writeFileSync(path.join(input, 'a', 'broken.wav'), 'nope');
  const reference = path.join(dir, 'reference.jsonl');
  await predictCorpus(model, input, { out: reference, batchSize: 1 });
  const want = fs.readFileSync(reference, 'utf8');

  // Cut in the middle of the 12th record, as a kill during a write would leave it.
  const torn = path.join(dir, 'torn.jsonl');
  const cut = want.split('\n').slice(0, 12).join('\n').length + 20;
  fs.writeFileSync(torn, want.slice(0, cut));
  const r = await predictCorpus(model, input, { out: torn, batchSize: 1, resume: true });
  expect(r.resumed).toBe(11);
  expect(r.predicted + r.skipped.length).toBe(31 - 11 + 1); // the broken file's record was among the resumed ones
  expect(r.skipped.map((s) => s.file)).toEqual([path.join(input, 'a', 'broken.wav')]);
  expectSameValues(readJsonl(torn).records, readJsonl(reference).records, 6);

  // An abort while the first window is written: the window in flight (the second) is written
  // too, then the run stops; resume finishes the rest.
  const aborted = path.join(dir, 'aborted.csv');
  const controller = new AbortController();
  const e = await rejection(predictCorpus(model, input, { out: aborted, batchSize: 1, signal: controller.signal, onProgress: () => controller.abort() }));
  expect(e).toBeInstanceOf(AbortError);
  expect(e.message).toMatch(/aborted after 16 of 31 files; .*aborted\.csv holds them: run again with resume: true/);
  expect(fs.readFileSync(aborted, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 16);
  const rest = await predictCorpus(model, input, { out: aborted, batchSize: 1, resume: true });
  expect(rest).toMatchObject({ resumed: 16, predicted: 31 - 16 });
  const lines = fs.readFileSync(aborted, 'utf8').trimEnd().split('\n').slice(1).map((l) => csvFields(l)![0]);
  expect(lines).toEqual(readJsonl(reference).records.map((x) => x.file));

  // A finished output resumed: nothing to do.
  const again = await predictCorpus(model, input, { out: reference, batchSize: 1, resume: true });
  expect(again).toMatchObject({ files: 31, predicted: 0, resumed: 31 });
  expect(fs.readFileSync(reference, 'utf8')).toBe(want);
  expect(files).toHaveLength(30);
});

/** Runs predictCorpus in a child (lib from source); kills it with SIGKILL once `killAfter` windows are written. */
function runChild(input: string, out: string, killAfter: number | null): Promise<{ windows: number; signal: string | null }> {
  const script = [
    `const { predictCorpus } = require(${JSON.stringify(path.join(root, 'lib'))});`,
    'const pause = new Int32Array(new SharedArrayBuffer(4));',
    `predictCorpus(${JSON.stringify(modelDir)}, ${JSON.stringify(input)}, { out: ${JSON.stringify(out)}, resume: true, batchSize: 1,`,
    "  onProgress: (p) => { process.stdout.write(JSON.stringify(p) + '\\n'); Atomics.wait(pause, 0, 0, 40); } })",
    '  .catch((e) => { console.error(e); process.exit(1); });',
  ].join('\n');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', './test/helpers/ts-register.js', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let windows = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      windows += chunk.split('\n').length - 1;
      if (killAfter !== null && windows >= killAfter) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => resolve({ windows, signal }));
  });
}

test('kill -9 mid-run, then resume: every file exactly once, as an uninterrupted run wrote them', async () => {
  const dir = tmpDir('kill');
  const input = path.join(dir, 'corpus');
  makeCorpus(input, 64); // with the broken file, 9 windows of up to 8 files (batchSize 1)
  fs.writeFileSync(path.join(input, 'b', 'zz-broken.flac'), 'not flac');
  const reference = path.join(dir, 'reference.jsonl');
  const uninterrupted = await runChild(input, reference, null);
  expect(uninterrupted).toEqual({ windows: 9, signal: null });

  const out = path.join(dir, 'killed.jsonl');
  const lengths: number[] = [];
  for (const killAfter of [1, 1, 2]) {
    const { signal } = await runChild(input, out, killAfter);
    expect(signal).toBe('SIGKILL');
    lengths.push(readJsonl(out).records.length);
  }
  // Each kill came mid-run, later than the one before, with whole windows on disk.
  expect(lengths[0]).toBeGreaterThan(0);
  expect(lengths[2]).toBeLessThan(65);
  for (let i = 1; i < lengths.length; i++) expect(lengths[i]).toBeGreaterThan(lengths[i - 1]);
  const last = await runChild(input, out, null);
  expect(last.signal).toBeNull();

  const got = readJsonl(out).records;
  const want = readJsonl(reference).records;
  expect(new Set(got.map((r) => r.file)).size).toBe(got.length);
  expectSameValues(got, want, 6);
  expect(got.find((r) => r.file.endsWith('zz-broken.flac'))?.error).toMatch(/zz-broken\.flac/);
  // Windows are cut from the whole input, so the resumed runs batched the files as the
  // uninterrupted one did: the same text.
  expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(reference, 'utf8'));
}, 120_000);

test('the CLI function: Ctrl-C stops once the window in flight is written, naming what the output holds', async () => {
  const dir = tmpDir('sigint');
  const input = path.join(dir, 'corpus');
  makeCorpus(input, 40);
  const out = path.join(dir, 'preds.jsonl');
  // Progress lines (stderr) are slowed down, so that the run is still going when SIGINT comes.
  const script = [
    `const { runCorpusFromCli } = require(${JSON.stringify(path.join(root, 'lib', 'cli', 'corpus-options.ts'))});`,
    `const { errorLine } = require(${JSON.stringify(path.join(root, 'lib', 'cli', 'error-line.ts'))});`,
    'const write = process.stderr.write.bind(process.stderr);',
    'const pause = new Int32Array(new SharedArrayBuffer(4));',
    "process.stderr.write = (chunk, ...rest) => { const r = write(chunk, ...rest); if (String(chunk).startsWith('[')) Atomics.wait(pause, 0, 0, 60); return r; };",
    `runCorpusFromCli(${JSON.stringify(modelDir)}, { manifest: ${JSON.stringify(input)}, out: ${JSON.stringify(out)}, batchSize: 1 })`,
    "  .then(() => process.exit(0), (e) => { write(errorLine(e) + '\\n'); process.exit(3); });",
  ].join('\n');
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['-r', './test/helpers/ts-register.js', '-e', script], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    let sent = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (!sent && text.includes('[')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('exit', (exitCode) => resolve({ code: exitCode, stderr: text }));
  });
  expect(stderr).toContain('stopping after the files in flight are written (Ctrl-C again to quit now; --resume continues)');
  const aborted = /aborted after (\d+) of 40 files; .*preds\.jsonl holds them: run again with resume: true to continue \(ERR_ABORTED\)/.exec(stderr);
  expect(aborted).not.toBeNull();
  expect(code).toBe(3);
  const held = readJsonl(out).records.length;
  expect(held).toBe(Number(aborted![1]));
  expect(held).toBeLessThan(40);
});

test('the CLI function: progress on stderr, a summary on stdout, --resume', async () => {
  const dir = tmpDir('cli');
  const input = path.join(dir, 'corpus');
  makeCorpus(input, 5);
  fs.writeFileSync(path.join(input, 'a', 'broken.wav'), 'nope');
  const out = path.join(dir, 'preds.csv');
  const sigint = process.listenerCount('SIGINT');
  const logged: string[] = [];
  const stderr: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void logged.push(line));
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  try {
    await runCorpusFromCli(modelDir, { manifest: input, out, batchSize: 2 });
    await runCorpusFromCli(modelDir, { manifest: input, out, resume: true });
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
  expect(logged[0]).toMatch(new RegExp(`^${out}: 5 files predicted, 1 unreadable, of 6; [\\d.]+ audio-s/s, \\d+s$`));
  expect(logged[1]).toMatch(new RegExp(`^${out}: 0 files predicted, 6 already there, 1 unreadable, of 6;`));
  expect(stderr.join('')).toMatch(/\[#+\] 6\/6 files, 1 failed, [\d.]+\/[\d.]+ audio h, [\d.]+ audio-s\/s, ETA 0s/);
  expect(stderr.join('')).toContain('ser-torch: not predicted: ');
  expect(process.listenerCount('SIGINT')).toBe(sigint);

  expect(duration(3725)).toBe('1h02m');
  expect(duration(245)).toBe('4m05s');
  const lines: string[] = [];
  const printer = corpusProgressPrinter({ isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream);
  const p = { total: 100, audioSeconds: 36, totalAudioSeconds: 3600, failed: 0, filesPerSecond: 1, audioSecondsPerSecond: 2, etaSeconds: 60 };
  for (const files of [1, 5, 12, 15, 100]) printer({ ...p, files });
  expect(lines).toHaveLength(3); // a line per tenth in a log: 0 %, 10 %, 100 %
  expect(lines[0]).toBe('[------------------------] 1/100 files, 0.01/1.0 audio h, 2.0 audio-s/s, ETA 1m00s\n');
});
