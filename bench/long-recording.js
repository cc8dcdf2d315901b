'use strict';
// Long recordings: one generated file of --minutes (default 60) in windows of --window seconds every
// --hop, through ser-torch's model.predictLong (decoded a block at a time, windows batched) and
// through Debian's PyTorch 1.13 / torchaudio 0.13 running the same model (same weights) on the same
// windows the usual way (torchaudio.load of the whole file, then batches of windows), in the same
// run. Reported per column: wall seconds (decoding included, model loading not), audio-seconds of
// the file per wall-second, the process's RSS after loading and warming up, its peak during the
// run and the difference (what the file added), and ser-torch over PyTorch. Only ratios measured in
// one run mean anything. Not a test.
//
//   node bench/long-recording.js [--minutes 60] [--shape large-12] [--window 4] [--hop 2] [--batch 8]
//                                [--rate 16000] [--precision fp32] [--columns ser,pt]
//
// The file: 16-bit PCM mono at --rate Hz, a voiced-like tone whose pitch and loudness wander plus
// noise, with a seeded generator, in bench/.cache/long-<minutes>min-<rate>hz.wav (made once,
// written a second at a time). Columns, each its own fresh process, one after another:
//   ser  node bench/long-recording.js --worker ser: require('..') (the built package), loadModel(dir,
//        { precision }), one untimed batch, then predictLong(file, { windowSeconds, hopSeconds, batchSize }) timed
//   pt   /usr/bin/python3 bench/peer_long_pytorch.py, tuned as in bench/predict.js
//        (OMP_WAIT_POLICY=PASSIVE, glibc malloc keeping freed activations, torch.set_num_threads(<cores>))
// --batch (windows per forward pass, both sides) defaults to 1, predictLong's default on the CPU:
// there batches of equal windows ran no faster and multiplied the activations' memory.
// At --rate 16000 neither side resamples and the windows' predictions are compared (max |diff|).
// Results also go to bench/.cache/long-recording-results.json.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { CACHE, CORES, PYTHON, ROOT, TUNED_ENV, checkBuilt, ensureModels, parseArgs, runScript } = require('./common');
const { positiveInt, positiveNumber, seededRandom } = require('./numbers');

const COLUMNS = [
  { key: 'ser', label: 'ser-torch predictLong' },
  { key: 'pt', label: 'PyTorch, whole file loaded' },
];

const USAGE = [
  'usage: node bench/long-recording.js [--minutes N] [--shape large-12] [--window S] [--hop S] [--batch N]',
  '                                    [--rate HZ] [--precision fp32|bf16|int8] [--columns ser,pt]',
].join('\n');

function parse(argv) {
  const seconds = positiveNumber;
  const opts = parseArgs(argv, {
    defaults: { minutes: 60, shape: 'large-12', window: 4, hop: 2, batch: 1, rate: 16000, precision: 'fp32', columns: COLUMNS.map((c) => c.key) },
    options: {
      '--minutes': (v, o) => (o.minutes = positiveInt(v, '--minutes')),
      '--shape': (v, o) => (o.shape = v),
      '--window': (v, o) => (o.window = seconds(v, '--window')),
      '--hop': (v, o) => (o.hop = seconds(v, '--hop')),
      '--batch': (v, o) => (o.batch = positiveInt(v, '--batch')),
      '--rate': (v, o) => (o.rate = positiveInt(v, '--rate')),
      '--precision': (v, o) => (o.precision = v),
      '--columns': (v, o) => {
        o.columns = v.split(',').filter(Boolean);
        for (const c of o.columns) if (!COLUMNS.some((k) => k.key === c)) throw new Error(`--columns: unknown ${c}`);
      },
      '--worker': (v, o) => (o.worker = v),
      '--file': (v, o) => (o.file = v),
      '--out': (v, o) => (o.out = v),
    },
    usage: USAGE,
  });
  if (opts.hop > opts.window) throw new Error('--hop must not exceed --window');
  if (!['fp32', 'bf16', 'int8'].includes(opts.precision)) throw new Error(`--precision: unknown ${opts.precision}`);
  return opts;
}

// ---- the file ----

function wavHeader(dataBytes, rate) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** The long file, made once per length and rate, a second at a time. */
function ensureFile(opts) {
  const file = path.join(CACHE, `long-${opts.minutes}min-${opts.rate}hz.wav`);
  const seconds = opts.minutes * 60;
  if (fs.existsSync(file) && fs.statSync(file).size === 44 + seconds * opts.rate * 2) return file;
  fs.mkdirSync(CACHE, { recursive: true });
  const rand = seededRandom(2025);
  const partial = `${file}.partial`;
  const fd = fs.openSync(partial, 'w');
  fs.writeSync(fd, wavHeader(seconds * opts.rate * 2, opts.rate));
  let f0 = 120;
  let phase = 0;
  const pcm = new Int16Array(opts.rate);
  for (let s = 0; s < seconds; s++) {
    // A new "speaker turn" every few seconds: the pitch moves, so windows differ.
    if (s % 3 === 0) f0 = 90 + 160 * rand();
    for (let i = 0; i < opts.rate; i++) {
      const t = s + i / opts.rate;
      phase += (2 * Math.PI * f0 * (1 + 0.05 * Math.sin(2 * Math.PI * 0.7 * t))) / opts.rate;
      const x = 0.25 * Math.sin(phase) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 2.3 * t)) + 0.02 * (rand() * 2 - 1);
      pcm[i] = Math.max(-32768, Math.min(32767, Math.round(x * 32767)));
    }
    fs.writeSync(fd, Buffer.from(pcm.buffer));
  }
  fs.closeSync(fd);
  fs.renameSync(partial, file);
  return file;
}

// ---- the ser-torch worker ----

function statusMb(key) {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function worker(kind, opts) {
  if (kind !== 'ser') throw new Error(`unknown worker ${kind}`);
  const ser = require('..');
  const model = await ser.loadModel(path.join(CACHE, opts.shape), { precision: opts.precision });
  const windowSamples = Math.round(opts.window * model.info.sampleRate);
  const warm = Array.from({ length: opts.batch }, (_, k) => Float32Array.from({ length: windowSamples }, (_, i) => Math.sin((i * (k + 1)) / 50) * 0.1));
  await model.predict(warm, { batchSize: opts.batch }); // the batch's buffers in place, as the peer's warm-up
  const baseline = statusMb('VmRSS');
  fs.writeFileSync('/proc/self/clear_refs', '5'); // VmHWM := the current RSS
  const t0 = performance.now();
  const r = await model.predictLong(opts.file, { windowSeconds: opts.window, hopSeconds: opts.hop, batchSize: opts.batch });
  const seconds = (performance.now() - t0) / 1000;
  const peak = statusMb('VmHWM');
  model.dispose();
  fs.writeFileSync(opts.out, r.windows.map((w) => JSON.stringify(w)).join('\n') + '\n');
  process.stdout.write(JSON.stringify({
    windows: r.windows.length, file_seconds: r.seconds, seconds, rss_after_load_mb: baseline, peak_rss_mb: peak,
    threads: ser.info().threads, precision: model.info.precision,
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

function runColumn(key, opts, file, out) {
  const common = ['--shape', opts.shape, '--file', file, '--window', String(opts.window), '--hop', String(opts.hop), '--batch', String(opts.batch), '--out', out];
  const r = key === 'ser'
    ? spawnSync(process.execPath, [__filename, '--worker', 'ser', '--precision', opts.precision, ...common],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    : spawnSync(PYTHON, [path.join(__dirname, 'peer_long_pytorch.py'), ...common, '--threads', String(CORES)],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...TUNED_ENV }, stdio: ['ignore', 'pipe', 'inherit'] });
  return r.error ? { error: r.error.message } : lastJson(r.stdout);
}

function readWindows(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Largest |difference| between two columns' windows (Infinity when their windows differ). */
function maxDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Math.abs(a[i].start - b[i].start) > 1e-9 || Math.abs(a[i].end - b[i].end) > 1e-9) return Infinity;
    for (const k of ['arousal', 'dominance', 'valence']) worst = Math.max(worst, Math.abs(a[i][k] - b[i][k]));
  }
  return worst;
}

async function main(opts) {
  checkBuilt();
  ensureModels([{ shape: opts.shape }]);
  process.stderr.write(`writing or reusing the ${opts.minutes}-minute file ...\n`);
  const file = ensureFile(opts);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bench-long-'));
  const loadBefore = os.loadavg()[0];
  console.log(`file: ${opts.minutes} min at ${opts.rate} Hz (${path.relative(ROOT, file)}); model ${opts.shape}; ` +
    `windows of ${opts.window} s every ${opts.hop} s, batches of ${opts.batch}; ser precision ${opts.precision}; ${CORES} cores`);
  const results = {};
  for (const key of opts.columns) {
    const out = path.join(work, `${key}.jsonl`);
    process.stderr.write(`${COLUMNS.find((c) => c.key === key).label} ...\n`);
    results[key] = runColumn(key, opts, file, out);
    if (!results[key].error) results[key].windows_file = out;
  }
  const ser = results.ser && !results.ser.error ? results.ser : null;
  const pt = results.pt && !results.pt.error ? results.pt : null;
  console.log(`\n${'column'.padEnd(28)} ${'wall s'.padStart(8)} ${'audio-s/s'.padStart(10)} ${'windows'.padStart(8)} ` +
    `${'RSS loaded MB'.padStart(14)} ${'peak MB'.padStart(8)} ${'added MB'.padStart(9)}`);
  for (const key of opts.columns) {
    const r = results[key];
    const label = COLUMNS.find((c) => c.key === key).label.padEnd(28);
    if (r.error) {
      console.log(`${label} n/a: ${r.error}`);
      continue;
    }
    r.audio_s_per_s = r.file_seconds / r.seconds;
    r.added_rss_mb = r.peak_rss_mb - r.rss_after_load_mb;
    console.log(`${label} ${r.seconds.toFixed(1).padStart(8)} ${r.audio_s_per_s.toFixed(2).padStart(10)} ${String(r.windows).padStart(8)} ` +
      `${r.rss_after_load_mb.toFixed(0).padStart(14)} ${r.peak_rss_mb.toFixed(0).padStart(8)} ${r.added_rss_mb.toFixed(0).padStart(9)}`);
  }
  const ratios = {};
  if (ser && pt) {
    ratios.speed = pt.seconds / ser.seconds;
    ratios.added_rss = ser.added_rss_mb / pt.added_rss_mb;
    ratios.peak_rss = ser.peak_rss_mb / pt.peak_rss_mb;
    console.log(`\nser-torch / PyTorch: ${ratios.speed.toFixed(2)}x the speed; ${ratios.added_rss.toFixed(3)}x the memory the file added; ` +
      `${ratios.peak_rss.toFixed(2)}x the peak RSS`);
    if (opts.rate === 16000) {
      ratios.max_abs_diff = maxDiff(readWindows(ser.windows_file), readWindows(pt.windows_file));
      console.log(`largest difference between the two columns' window predictions: ${ratios.max_abs_diff.toExponential(1)}`);
    }
  }
  console.log(`\nload average before the run: ${loadBefore.toFixed(2)}, after: ${os.loadavg()[0].toFixed(2)}, on ${CORES} cores`);
  const resultsFile = path.join(CACHE, 'long-recording-results.json');
  fs.writeFileSync(resultsFile, JSON.stringify({
    date: new Date().toISOString(),
    host: { cores: CORES, cpu: os.cpus()[0]?.model, node: process.version },
    load_average_before: loadBefore, settings: { ...opts, worker: undefined }, results, ratios,
  }, null, 2) + '\n');
  console.log(`results: ${path.relative(ROOT, resultsFile)}`);
  fs.rmSync(work, { recursive: true, force: true });
}

runScript('long-recording', parse, { worker, main });
