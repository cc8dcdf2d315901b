'use strict';
// Training-step benchmarks: one optimiser step of ser-torch's train() against Debian's PyTorch doing
// the same step with the same weights in the same run (bench/peer_train_pytorch.py), default and
// tuned. Ratios only mean something within one run.
//
//   node bench/train-step.js [--iters N] [--warmup N] [--cases wav2vec2-base,cnn14]
//
//   wav2vec2-base  random weights (bench/.cache/wav2vec2-base), batch 2 x 4 s, CNN frozen, CCC loss,
//                  Adam 1e-4; dropout, LayerDrop and SpecAugment off on both sides
//   cnn14          PANNs Cnn14_16k at full width (bench/.cache/cnn14), batch 8 x 4 s, the paper's
//                  recipe: SGD with Nesterov momentum 0.9, lr 0.01, CCC loss, BatchNorm in train
//                  mode, dropout on; the log-Mel front end is part of the step on both sides
//
// Each side is its own fresh process (peak RSS per case and side): ser-torch runs the real train()
// in `node bench/train-step.js --worker <case>` on a generated manifest of 4 s float WAVs (one
// epoch = warm-up + timed steps), and its figure is the median of the timed `step` events. Case
// names that are not training cases (e.g. large-12, passed along by `npm run bench -- --cases ...`)
// are skipped. BENCH_ITERS still sets the default number of timed steps.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median, nonNegativeInt, positiveInt } = require('./numbers');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(__dirname, '.cache');
const PYTHON = '/usr/bin/python3';
const SAMPLE_RATE = 16000;
const NOISY_SPREAD = 0.25;

const CASES = [
  {
    name: 'wav2vec2-base', shape: 'wav2vec2-base', batch: 2, seconds: 4,
    what: 'CNN frozen, CCC loss, Adam 1e-4, dropout/LayerDrop/SpecAugment off',
    train: { dropout: 0, layerdrop: 0, maskTimeProb: 0 },
  },
  {
    name: 'cnn14', shape: 'cnn14', batch: 8, seconds: 4,
    what: 'log-Mel + CNN14, CCC loss, SGD Nesterov 0.9 lr 0.01, BatchNorm train mode, dropout on',
    // The options the CNN14 recipe would default to anyway, spelled out: what the peer does.
    train: { architecture: 'cnn14', optimizer: 'sgd', lr: 0.01, momentum: 0.9 },
  },
];

function parseArgs(argv) {
  const opts = { iters: positiveInt(process.env.BENCH_ITERS || '5', 'BENCH_ITERS'), warmup: 2, cases: null, worker: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--iters') opts.iters = positiveInt(value(), a);
    else if (a === '--warmup') opts.warmup = nonNegativeInt(value(), a);
    else if (a === '--cases') opts.cases = value().split(',').filter(Boolean);
    else if (a === '--worker') opts.worker = value();
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/train-step.js [--iters N] [--warmup N] [--cases a,b]');
      console.log(`cases: ${CASES.map((c) => c.name).join(', ')} (default: all; other names are skipped)`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (opts.worker && !CASES.some((c) => c.name === opts.worker)) throw new Error(`unknown case ${opts.worker}`);
  return opts;
}

function writeFloatWav(file, samples, rate) {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20); // IEEE float
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([h, data]));
}

// A corpus of batch * (warmup + iters) clips of exactly `seconds`: one epoch = the measured steps.
function makeCorpus(c, opts) {
  const dir = path.join(CACHE, 'train-step-data', c.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const n = c.batch * (opts.warmup + opts.iters);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ['file,arousal,dominance,valence'];
  for (let i = 0; i < n; i++) {
    const file = `clip${i}.wav`;
    const samples = new Float32Array(SAMPLE_RATE * c.seconds).map(() => (rand() - 0.5) * 0.2);
    writeFloatWav(path.join(dir, file), samples, SAMPLE_RATE);
    rows.push(`${file},${rand().toFixed(3)},${rand().toFixed(3)},${rand().toFixed(3)}`);
  }
  fs.writeFileSync(path.join(dir, 'train.csv'), rows.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'dev.csv'), rows.slice(0, 3).join('\n') + '\n');
  return dir;
}

// ---- worker: ser-torch's train() for one case in a fresh process, one JSON line on stdout ----

async function worker(caseName, opts) {
  const c = CASES.find((k) => k.name === caseName);
  const ser = require('..');
  const data = makeCorpus(c, opts);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bench-train-'));
  const steps = [];
  try {
    await ser.train({
      model: path.join(CACHE, c.shape), train: path.join(data, 'train.csv'), dev: path.join(data, 'dev.csv'), outDir,
      batchSize: c.batch, epochs: 1, maxClipSeconds: 0, seed: 1, ...c.train,
      onEvent: (e) => { if (e.type === 'step') steps.push(e); },
    });
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  if (steps.length !== opts.warmup + opts.iters) throw new Error(`${c.name}: ${steps.length} steps, expected ${opts.warmup + opts.iters}`);
  if (!steps.every((e) => Number.isFinite(e.loss))) throw new Error(`${c.name}: non-finite loss`);
  const times = steps.slice(opts.warmup).map((e) => (c.batch * c.seconds) / e.audioSecondsPerSecond);
  const med = median(times);
  const info = ser.info();
  process.stdout.write(JSON.stringify({
    shape: c.shape,
    batch: c.batch,
    seconds_audio: c.batch * c.seconds,
    median_s: med,
    audio_s_per_s: (c.batch * c.seconds) / med,
    times_s: times,
    losses: steps.map((e) => e.loss),
    threads: info.threads,
    torch: info.torchVersion,
    blas: info.blas,
    // process.resourceUsage().maxRSS is in KiB.
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
  }) + '\n');
}

// ---- driver ----

function lastJson(label, r) {
  if (r.error || r.status !== 0) {
    throw new Error(`${label} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}): ${r.stderr || ''}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function serTorch(c, opts) {
  const args = [__filename, '--worker', c.name, '--iters', String(opts.iters), '--warmup', String(opts.warmup)];
  return lastJson(`ser-torch ${c.name}`, spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 }));
}

function peer(c, opts, env, threads) {
  const args = [path.join(__dirname, 'peer_train_pytorch.py'), '--shape', c.shape, '--batch', String(c.batch),
    '--seconds', String(c.seconds), '--warmup', String(opts.warmup), '--iters', String(opts.iters)];
  if (threads) args.push('--threads', String(threads));
  return lastJson(`PyTorch ${c.name}`, spawnSync(PYTHON, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' }));
}

async function main(opts) {
  const cases = CASES.filter((c) => !opts.cases || opts.cases.includes(c.name));
  if (cases.length === 0) {
    console.log(`no training-step case selected (cases: ${CASES.map((c) => c.name).join(', ')})`);
    return;
  }
  const made = spawnSync(PYTHON, [path.join(__dirname, 'make-bench-models.py'), ...new Set(cases.map((c) => c.shape))],
    { cwd: ROOT, stdio: 'inherit' });
  if (made.status !== 0) throw new Error('make-bench-models.py failed');
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const tunedEnv = { OMP_WAIT_POLICY: 'PASSIVE', MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824',
    MALLOC_TOP_PAD_: '67108864' };
  const loadBefore = os.loadavg()[0];
  const results = [];
  for (const c of cases) {
    process.stderr.write(`bench train-step: ${c.name} (batch ${c.batch} x ${c.seconds} s) ...\n`);
    const ours = serTorch(c, opts);
    const def = peer(c, opts, {}, 0);
    const tuned = peer(c, opts, tunedEnv, cores);
    results.push({
      case: c.name, what: c.what, batch: c.batch, seconds_per_input: c.seconds,
      serTorch: ours, pytorchDefault: def, pytorchTuned: tuned,
      ratio_vs_default: ours.audio_s_per_s / def.audio_s_per_s,
      ratio_vs_tuned: ours.audio_s_per_s / tuned.audio_s_per_s,
    });
  }

  const row = (name, v, rss) => `  ${name.padEnd(18)} ${v.toFixed(2).padStart(8)}   peak RSS ${rss.toFixed(0).padStart(5)} MB`;
  console.log(`\nser-torch: libtorch ${results[0].serTorch.torch}, ${results[0].serTorch.threads} threads, BLAS ` +
    `${results[0].serTorch.blas}; PyTorch ${results[0].pytorchDefault.torch} (${PYTHON}), default ` +
    `${results[0].pytorchDefault.threads} thread(s), tuned ${results[0].pytorchTuned.threads}; ${cores} cores`);
  console.log(`${opts.warmup} warm-up steps, then the median of ${opts.iters}; the sides run one after another`);
  for (const r of results) {
    console.log(`\n${r.case}: batch ${r.batch} x ${r.seconds_per_input} s, ${r.what}`);
    console.log('  training audio-seconds per second (higher is better)');
    console.log(row('ser-torch', r.serTorch.audio_s_per_s, r.serTorch.max_rss_mb));
    console.log(row('PyTorch default', r.pytorchDefault.audio_s_per_s, r.pytorchDefault.max_rss_mb));
    console.log(row('PyTorch tuned', r.pytorchTuned.audio_s_per_s, r.pytorchTuned.max_rss_mb));
    console.log(`  ratio vs default ${r.ratio_vs_default.toFixed(2)}x, vs tuned ${r.ratio_vs_tuned.toFixed(2)}x`);
  }
  const spread = (x) => Math.max(...x.times_s) / Math.min(...x.times_s) - 1;
  const noisy = results.flatMap((r) =>
    [['ser-torch', r.serTorch], ['PyTorch default', r.pytorchDefault], ['PyTorch tuned', r.pytorchTuned]]
      .filter(([, x]) => spread(x) > NOISY_SPREAD)
      .map(([side, x]) => `${r.case}/${side} +${(100 * spread(x)).toFixed(0)}%`));
  console.log(`\nload average before the run: ${loadBefore.toFixed(2)} on ${cores} cores`);
  if (noisy.length) {
    console.log(`noisy: slowest timed step over the fastest: ${noisy.join(', ')}; something else may have ` +
      'been using the CPU, so the ratios are uncertain (run again, or with --iters 9)');
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'train-step-results.json');
  fs.writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(),
    host: { cores, cpu: os.cpus()[0]?.model, node: process.version },
    load_average_before: loadBefore, iters: opts.iters, warmup: opts.warmup, results,
  }, null, 2) + '\n');
  console.log(`written: ${path.relative(ROOT, file)}`);
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`bench/train-step.js: ${e.message}`);
  process.exit(2);
}
(opts.worker ? worker(opts.worker, opts) : main(opts)).catch((e) => {
  console.error(`bench/train-step.js${opts.worker ? ` worker ${opts.worker}` : ''}: ${e.stack || e.message}`);
  process.exit(1);
});
