'use strict';
// Corpus throughput: ser-torch's predictCorpus against Debian's PyTorch 1.13 / torchaudio 0.13
// running the same model (same weights) over the same generated corpus in the same run: file by
// file, in padded batches in manifest order, and in padded batches sorted by length. Figures are
// audio-seconds per wall-second, decoding included, model loading not; only the ratios between
// columns mean anything (measured minutes apart on one machine). Not a test.
//
//   node bench/corpus.js [--files 200] [--shape large-12] [--batch 8] [--ser-batch N] [--min-seconds 1] [--max-seconds 20]
//                        [--rate 16000] [--columns ser,pt-files,pt-batches,pt-sorted] [--rounds 1]
//
// The corpus: --files WAV files (16-bit PCM at --rate Hz) of lengths drawn uniformly from
// [--min-seconds, --max-seconds] with a fixed seed, and a manifest, in bench/.cache/corpus-<...>/
// (made once). Each column runs in its own fresh process, one after another; with --rounds N the
// columns run N times, every other round in reverse order (so a load that comes and goes hits
// them alike), and each column's median rate is reported:
//   ser         node bench/corpus.js --worker ser: require('..') (the built package), loadModel(dir),
//               then predictCorpus(model, manifest, { out }) timed (its default batch size, which
//               is 1 on the CPU; --ser-batch N passes batchSize: N)
//   pt-files    /usr/bin/python3 bench/peer_corpus_pytorch.py --mode files
//   pt-batches  ... --mode batches (padded batches of --batch in manifest order, lengths masked)
//   pt-sorted   ... --mode sorted (the same, files sorted by length first)
// The PyTorch columns run tuned as in bench/predict.js (OMP_WAIT_POLICY=PASSIVE, glibc malloc
// keeping freed activations, torch.set_num_threads(<cores>)). The driver checks that every
// column's predictions match ser-torch's, file by file. Results also go to
// bench/.cache/corpus-results.json.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { CACHE, CORES, PYTHON, ROOT, TUNED_ENV, checkBuilt, ensureModels, maxRssMb, parseArgs, runScript } = require('./common');
const { median, positiveInt, positiveNumber, seededRandom } = require('./numbers');

const COLUMNS = [
  { key: 'ser', label: 'ser-torch predictCorpus' },
  { key: 'pt-files', label: 'PyTorch file by file', mode: 'files' },
  { key: 'pt-batches', label: 'PyTorch padded batches', mode: 'batches' },
  { key: 'pt-sorted', label: 'PyTorch batches sorted by length', mode: 'sorted' },
];

const USAGE = [
  'usage: node bench/corpus.js [--files N] [--shape large-12] [--batch N] [--ser-batch N] [--min-seconds S] [--max-seconds S]',
  '                            [--rate HZ] [--columns ser,pt-files,pt-batches,pt-sorted] [--rounds N]',
].join('\n');

function parse(argv) {
  const seconds = positiveNumber;
  const opts = parseArgs(argv, {
    defaults: { files: 200, shape: 'large-12', batch: 8, minSeconds: 1, maxSeconds: 20, rate: 16000, columns: COLUMNS.map((c) => c.key), rounds: 1 },
    options: {
      '--files': (v, o) => (o.files = positiveInt(v, '--files')),
      '--shape': (v, o) => (o.shape = v),
      '--batch': (v, o) => (o.batch = positiveInt(v, '--batch')),
      '--ser-batch': (v, o) => (o.serBatch = positiveInt(v, '--ser-batch')),
      '--min-seconds': (v, o) => (o.minSeconds = seconds(v, '--min-seconds')),
      '--max-seconds': (v, o) => (o.maxSeconds = seconds(v, '--max-seconds')),
      '--rate': (v, o) => (o.rate = positiveInt(v, '--rate')),
      '--rounds': (v, o) => (o.rounds = positiveInt(v, '--rounds')),
      '--columns': (v, o) => {
        o.columns = v.split(',').filter(Boolean);
        for (const c of o.columns) if (!COLUMNS.some((k) => k.key === c)) throw new Error(`--columns: unknown ${c}`);
      },
      '--worker': (v, o) => (o.worker = v),
      '--manifest': (v, o) => (o.manifest = v),
      '--out': (v, o) => (o.out = v),
    },
    usage: USAGE,
  });
  if (opts.minSeconds > opts.maxSeconds) throw new Error('--min-seconds must not exceed --max-seconds');
  return opts;
}

// ---- the corpus ----

/** 16-bit PCM mono WAV. */
function wav(samples, rate) {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** The generated corpus's folder and manifest (made once per setting). */
function ensureCorpus(opts) {
  const dir = path.join(CACHE, `corpus-${opts.files}-${opts.minSeconds}-${opts.maxSeconds}s-${opts.rate}hz`);
  const manifest = path.join(dir, 'manifest.csv');
  if (fs.existsSync(manifest)) return { dir, manifest };
  fs.mkdirSync(dir, { recursive: true });
  const rand = seededRandom(2024);
  const rows = ['file'];
  for (let k = 0; k < opts.files; k++) {
    const seconds = opts.minSeconds + rand() * (opts.maxSeconds - opts.minSeconds);
    const n = Math.round(seconds * opts.rate);
    const x = new Float32Array(n);
    // A voiced-like tone whose pitch and loudness wander, with some noise: never silent.
    const f0 = 90 + 160 * rand();
    for (let i = 0; i < n; i++) {
      const t = i / opts.rate;
      x[i] = 0.25 * Math.sin(2 * Math.PI * f0 * t * (1 + 0.05 * Math.sin(2 * Math.PI * 0.7 * t))) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 2.3 * t)) +
        0.02 * (rand() * 2 - 1);
    }
    const name = `clip${String(k).padStart(4, '0')}.wav`;
    fs.writeFileSync(path.join(dir, name), wav(x, opts.rate));
    rows.push(name);
  }
  fs.writeFileSync(manifest, rows.join('\n') + '\n');
  return { dir, manifest };
}

// ---- the ser-torch worker ----

async function worker(kind, opts) {
  if (kind !== 'ser') throw new Error(`unknown worker ${kind}`);
  const ser = require('..');
  const t0 = performance.now();
  const model = await ser.loadModel(path.join(CACHE, opts.shape));
  const loadS = (performance.now() - t0) / 1000;
  const result = await ser.predictCorpus(model, opts.manifest, { out: opts.out, batchSize: opts.serBatch });
  model.dispose();
  const audio = result.audioSecondsPerSecond * result.seconds;
  process.stdout.write(JSON.stringify({
    files: result.files, predicted: result.predicted, skipped: result.skipped.length,
    // predictCorpus's own rate: from its first window to its last write (input reading excluded).
    audio_s_per_s_run: result.audioSecondsPerSecond,
    seconds: result.seconds, audio_s_per_s: audio / result.seconds, load_s: loadS,
    threads: ser.info().threads, max_rss_mb: maxRssMb(),
  }) + '\n');
}

// ---- the driver ----

function lastJson(stdout) {
  const line = stdout.trim().split('\n').pop() || '';
  try {
    return JSON.parse(line);
  } catch {
    return { error: `no result line (${line.slice(0, 200)})` };
  }
}

function runColumn(col, opts, corpus, out) {
  const started = performance.now();
  const r = col.key === 'ser'
    ? spawnSync(process.execPath, [__filename, '--worker', 'ser', '--shape', opts.shape, '--manifest', corpus.manifest, '--out', out,
      ...(opts.serBatch ? ['--ser-batch', String(opts.serBatch)] : [])], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    : spawnSync(PYTHON, [path.join(__dirname, 'peer_corpus_pytorch.py'), '--shape', opts.shape, '--manifest', corpus.manifest,
      '--mode', col.mode, '--batch', String(opts.batch), '--threads', String(CORES), '--out', out],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...TUNED_ENV }, stdio: ['ignore', 'pipe', 'inherit'] });
  // A peer killed by a signal (e.g. SIGKILL from the kernel when memory runs out) prints nothing.
  const result = r.error ? { error: r.error.message } : r.signal ? { error: `killed by ${r.signal} (out of memory?)` } : lastJson(r.stdout);
  return { ...result, process_s: (performance.now() - started) / 1000 };
}

/** Predictions of a JSONL output by file (the ser-torch header line skipped). */
function readPredictions(file) {
  const map = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.file && o.arousal !== undefined) map.set(path.resolve(o.file), [o.arousal, o.dominance, o.valence]);
  }
  return map;
}

function maxDiff(a, b) {
  let worst = 0;
  for (const [file, v] of a) {
    const w = b.get(file);
    if (!w) return Infinity;
    for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(v[i] - w[i]));
  }
  return a.size === b.size ? worst : Infinity;
}

async function main(opts) {
  checkBuilt();
  ensureModels([{ shape: opts.shape }]);
  const corpus = ensureCorpus(opts);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bench-corpus-'));
  const loadBefore = os.loadavg()[0];
  console.log(`corpus: ${opts.files} files of ${opts.minSeconds}-${opts.maxSeconds} s at ${opts.rate} Hz (${corpus.dir}); ` +
    `model ${opts.shape}; ser batch ${opts.serBatch ?? 'default'}, PyTorch batches of ${opts.batch}; ${CORES} cores`);
  const runs = Object.fromEntries(opts.columns.map((key) => [key, []]));
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 ? [...opts.columns].reverse() : opts.columns;
    for (const key of order) {
      const col = COLUMNS.find((c) => c.key === key);
      const out = path.join(work, `${key}-${round}.jsonl`);
      process.stderr.write(`round ${round + 1}/${opts.rounds}: ${col.label} ...\n`);
      const r = runColumn(col, opts, corpus, out);
      if (!r.error) r.predictions = out;
      runs[key].push(r);
    }
  }
  // Per column: the run with the median rate (its predictions, RSS and times), and every rate.
  const results = {};
  for (const key of opts.columns) {
    const ok = runs[key].filter((r) => !r.error);
    if (ok.length === 0) {
      results[key] = runs[key][0];
      continue;
    }
    const mid = median(ok.map((r) => r.audio_s_per_s));
    const pick = ok.reduce((best, r) => (Math.abs(r.audio_s_per_s - mid) < Math.abs(best.audio_s_per_s - mid) ? r : best));
    results[key] = { ...pick, audio_s_per_s: mid, rates: ok.map((r) => r.audio_s_per_s) };
  }
  const ref = results.ser && !results.ser.error ? readPredictions(results.ser.predictions) : null;
  console.log(`\n${'column'.padEnd(34)} ${'audio-s/s'.padStart(10)} ${'wall s'.padStart(8)} ${'peak RSS MB'.padStart(12)}  max |diff| vs ser`);
  for (const key of opts.columns) {
    const r = results[key];
    const label = COLUMNS.find((c) => c.key === key).label.padEnd(34);
    if (r.error) {
      console.log(`${label} n/a: ${r.error}`);
      continue;
    }
    r.max_abs_diff_vs_ser = ref && key !== 'ser' ? maxDiff(ref, readPredictions(r.predictions)) : null;
    const diff = r.max_abs_diff_vs_ser === null ? '' : r.max_abs_diff_vs_ser.toExponential(1);
    console.log(`${label} ${r.audio_s_per_s.toFixed(2).padStart(10)} ${r.seconds.toFixed(1).padStart(8)} ${r.max_rss_mb.toFixed(0).padStart(12)}  ${diff}`);
  }
  const ratios = {};
  if (ref) {
    console.log('');
    for (const key of opts.columns.filter((k) => k !== 'ser' && !results[k].error)) {
      ratios[`ser/${key}`] = results.ser.audio_s_per_s / results[key].audio_s_per_s;
      console.log(`ser / ${COLUMNS.find((c) => c.key === key).label}: ${ratios[`ser/${key}`].toFixed(2)}x`);
    }
  }
  if (opts.rounds > 1) {
    for (const key of opts.columns.filter((k) => results[k].rates)) {
      console.log(`${key} rates: ${results[key].rates.map((x) => x.toFixed(2)).join(', ')}`);
    }
  }
  console.log(`\nload average before the run: ${loadBefore.toFixed(2)}, after: ${os.loadavg()[0].toFixed(2)}, on ${CORES} cores`);
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'corpus-results.json');
  fs.writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(),
    host: { cores: CORES, cpu: os.cpus()[0]?.model, node: process.version },
    load_average_before: loadBefore, settings: { ...opts, worker: undefined }, results, ratios,
  }, null, 2) + '\n');
  console.log(`results: ${path.relative(ROOT, file)}`);
  fs.rmSync(work, { recursive: true, force: true });
}

runScript('corpus', parse, { worker, main });
