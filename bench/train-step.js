'use strict';
// Training-step benchmarks: one optimiser step of ser-torch's train() at fp32 and bf16 against
// Debian's PyTorch doing the same step with the same weights in the same run
// (bench/peer_train_pytorch.py): default, tuned, and tuned in bf16. Ratios only mean something
// within one run.
//
//   node bench/train-step.js [--iters N] [--warmup N] [--cases wav2vec2-base,large-12,cnn14]
//                            [--precisions fp32,bf16] [--peers default,tuned|none]
//
//   wav2vec2-base  random weights (bench/.cache/wav2vec2-base), batch 2 x 4 s, CNN frozen, CCC loss,
//                  Adam 1e-4; dropout, LayerDrop and SpecAugment off on both sides
//   large-12       the same step on audEERING's 12-layer large-robust shape (bench/.cache/large-12)
//   cnn14          PANNs Cnn14_16k at full width (bench/.cache/cnn14), batch 8 x 4 s, the paper's
//                  recipe: SGD with Nesterov momentum 0.9, lr 0.01, CCC loss, BatchNorm in train
//                  mode, dropout on; the log-Mel front end is part of the step on both sides
//
// Columns: ser fp32 / ser bf16 (train({ precision: 'bf16' }); nothing passed for fp32), PT default
// (fp32), PT fp32 and PT bf16 (tuned; bf16 is torch.autocast where it works, else a pure-bf16 model,
// see peer_train_pytorch.py). A column that fails shows n/a and its error.
//
// Each column is its own fresh process (peak RSS per case and column): ser-torch runs the real
// train() in `node bench/train-step.js --worker <case>` on a generated manifest of 4 s float WAVs (one
// epoch = warm-up + timed steps), and its figure is the median of the timed `step` events. Case
// names that are not training cases (e.g. large-12-8s, passed along by `npm run bench -- --cases
// ...`) are skipped, and so are int8 in --precisions and onnx in --peers. BENCH_ITERS still sets
// the default number of timed steps.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { cpuLine, median, nonNegativeInt, positiveInt } = require('./numbers');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(__dirname, '.cache');
const PYTHON = '/usr/bin/python3';
const SAMPLE_RATE = 16000;
const NOISY_SPREAD = 0.25;
const CORES = os.availableParallelism ? os.availableParallelism() : os.cpus().length;

const WAV2VEC2_STEP = {
  what: 'CNN frozen, CCC loss, Adam 1e-4, dropout/LayerDrop/SpecAugment off',
  train: { dropout: 0, layerdrop: 0, maskTimeProb: 0 },
};

const CASES = [
  { name: 'wav2vec2-base', shape: 'wav2vec2-base', batch: 2, seconds: 4, ...WAV2VEC2_STEP },
  { name: 'large-12', shape: 'large-12', batch: 2, seconds: 4, ...WAV2VEC2_STEP },
  {
    name: 'cnn14', shape: 'cnn14', batch: 8, seconds: 4,
    what: 'log-Mel + CNN14, CCC loss, SGD Nesterov 0.9 lr 0.01, BatchNorm train mode, dropout on',
    // The options the CNN14 recipe would default to anyway, spelled out: what the peer does.
    train: { architecture: 'cnn14', optimizer: 'sgd', lr: 0.01, momentum: 0.9 },
  },
];

const PRECISIONS = ['fp32', 'bf16'];
const PEERS = ['default', 'tuned'];

const COLUMNS = [
  { key: 'ser-fp32', label: 'ser fp32', engine: 'ser', precision: 'fp32' },
  { key: 'ser-bf16', label: 'ser bf16', engine: 'ser', precision: 'bf16' },
  { key: 'pt-default', label: 'PT default', engine: 'pytorch', precision: 'fp32', peer: 'default', fixed: true },
  { key: 'pt-fp32', label: 'PT fp32', engine: 'pytorch', precision: 'fp32', peer: 'tuned' },
  { key: 'pt-bf16', label: 'PT bf16', engine: 'pytorch', precision: 'bf16', peer: 'tuned' },
];

// [label, numerator column, denominator column]
const RATIOS = [
  ['bf16/fp32', 'ser-bf16', 'ser-fp32'], // vs today
  ['bf16/PT bf16', 'ser-bf16', 'pt-bf16'],
  ['fp32/PT def', 'ser-fp32', 'pt-default'],
  ['fp32/PT fp32', 'ser-fp32', 'pt-fp32'],
];

/** A comma list; names this script does not measure (int8, onnx: predict.js's) are dropped. */
function listArg(value, known, all, name) {
  const list = value.split(',').filter(Boolean);
  if (name === '--peers' && list.length === 1 && list[0] === 'none') return [];
  for (const x of list) if (!all.includes(x)) throw new Error(`${name}: unknown ${x} (known: ${all.join(', ')})`);
  return list.filter((x) => known.includes(x));
}

function parseArgs(argv) {
  const opts = {
    iters: positiveInt(process.env.BENCH_ITERS || '5', 'BENCH_ITERS'), warmup: 2, cases: null, worker: null,
    precisions: PRECISIONS, peers: PEERS, precision: 'fp32',
  };
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
    else if (a === '--precisions') opts.precisions = listArg(value(), PRECISIONS, ['fp32', 'bf16', 'int8'], a);
    else if (a === '--peers') opts.peers = listArg(value(), PEERS, ['default', 'tuned', 'onnx'], a);
    else if (a === '--precision') opts.precision = listArg(value(), PRECISIONS, PRECISIONS, a)[0];
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/train-step.js [--iters N] [--warmup N] [--cases a,b] [--precisions fp32,bf16] ' +
        '[--peers default,tuned|none]');
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
      ...(opts.precision === 'fp32' ? {} : { precision: opts.precision }), // fp32: the default, passed as nothing
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
    precision: opts.precision,
    median_s: med,
    audio_s_per_s: (c.batch * c.seconds) / med,
    times_s: times,
    losses: steps.map((e) => e.loss),
    threads: info.threads,
    torch: info.torchVersion,
    blas: info.blas,
    cpu: info.cpu,
    cpuCapability: info.cpuCapability,
    // process.resourceUsage().maxRSS is in KiB.
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
  }) + '\n');
}

// ---- driver ----

/** A column's JSON line, or { error } with the message of its {"error"} line or of its stderr. */
function lastJson(r) {
  const lines = (r.stdout || '').trim().split('\n').filter(Boolean);
  let msg = null;
  try {
    msg = lines.length ? JSON.parse(lines[lines.length - 1]) : null;
  } catch {
    msg = null;
  }
  if (msg && msg.error) return { error: msg.error };
  if (r.error || r.status !== 0 || !msg) {
    const last = (r.stderr || '').trim().split('\n').pop();
    return { error: `${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}${last ? `: ${last}` : ''}` };
  }
  return msg;
}

function serTorch(c, opts, precision) {
  const args = [__filename, '--worker', c.name, '--iters', String(opts.iters), '--warmup', String(opts.warmup),
    '--precision', precision];
  return lastJson(spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 }));
}

const TUNED_ENV = { OMP_WAIT_POLICY: 'PASSIVE', MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '1073741824',
  MALLOC_TOP_PAD_: '67108864' };

function peer(c, opts, precision, tuned) {
  const args = [path.join(__dirname, 'peer_train_pytorch.py'), '--shape', c.shape, '--batch', String(c.batch),
    '--seconds', String(c.seconds), '--warmup', String(opts.warmup), '--iters', String(opts.iters), '--precision', precision];
  if (tuned) args.push('--threads', String(CORES));
  const env = { ...process.env, ...(tuned ? TUNED_ENV : {}) };
  return lastJson(spawnSync(PYTHON, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 26 }));
}

function selectedColumns(opts) {
  return COLUMNS.filter((col) => (col.peer ? opts.peers.includes(col.peer) : true) &&
    (col.fixed || opts.precisions.includes(col.precision)));
}

/** The columns of one case, one after another (a step lasts seconds: no interleaving). */
function runCase(c, columns, opts) {
  process.stderr.write(`bench train-step: ${c.name} (batch ${c.batch} x ${c.seconds} s) ...\n`);
  const sides = {};
  for (const col of columns) {
    const r = col.engine === 'ser' ? serTorch(c, opts, col.precision) : peer(c, opts, col.precision, col.peer === 'tuned');
    if (r.error) process.stderr.write(`${c.name}/${col.label}: n/a: ${r.error}\n`);
    sides[col.key] = r;
  }
  const tp = (key) => (sides[key] && !sides[key].error ? sides[key].audio_s_per_s : null);
  const ratios = Object.fromEntries(RATIOS.map(([label, a, b]) => [label, tp(a) && tp(b) ? tp(a) / tp(b) : null]));
  return { case: c.name, what: c.what, batch: c.batch, seconds_per_input: c.seconds, sides, ratios };
}

function printReport(results, columns, opts, loadBefore) {
  const all = results.flatMap((r) => Object.entries(r.sides)).filter(([, x]) => !x.error);
  const find = (...keys) => all.find(([k]) => keys.includes(k))?.[1];
  const ser = find('ser-fp32', 'ser-bf16');
  const pt = find('pt-default', 'pt-fp32', 'pt-bf16');
  console.log(`\nser-torch: ${ser ? `libtorch ${ser.torch}, ${ser.threads} threads, BLAS ${ser.blas}` : 'n/a'}; ` +
    `PyTorch ${pt ? pt.torch : '-'} (${PYTHON}), default ${find('pt-default')?.threads ?? '-'} thread(s), tuned ${CORES}; ` +
    `${CORES} cores`);
  if (ser?.cpu) console.log(`  ${cpuLine(ser)}`);
  console.log(`${opts.warmup} warm-up steps, then the median of ${opts.iters}; the columns run one after another`);
  for (const r of results) {
    console.log(`\n${r.case}: batch ${r.batch} x ${r.seconds_per_input} s, ${r.what}`);
    console.log('  training audio-seconds per second (higher is better)');
    for (const col of columns) {
      const x = r.sides[col.key];
      if (x.error) {
        console.log(`  ${col.label.padEnd(12)} ${'n/a'.padStart(8)}   ${x.error}`);
        continue;
      }
      const how = x.variant && x.variant !== 'fp32'
        ? `   ${x.variant}${x.autocast_error ? ` (autocast failed: ${x.autocast_error})` : ''}` : '';
      console.log(`  ${col.label.padEnd(12)} ${x.audio_s_per_s.toFixed(2).padStart(8)}   peak RSS ${x.max_rss_mb.toFixed(0).padStart(5)} MB${how}`);
    }
    const shown = RATIOS.filter(([label]) => r.ratios[label] !== null);
    if (shown.length) console.log(`  ratios: ${shown.map(([label]) => `${label} ${r.ratios[label].toFixed(2)}x`).join(', ')}`);
  }
  const spread = (x) => Math.max(...x.times_s) / Math.min(...x.times_s) - 1;
  const noisy = results.flatMap((r) => columns
    .filter((col) => !r.sides[col.key].error && spread(r.sides[col.key]) > NOISY_SPREAD)
    .map((col) => `${r.case}/${col.label} +${(100 * spread(r.sides[col.key])).toFixed(0)}%`));
  console.log(`\nload average before the run: ${loadBefore.toFixed(2)} on ${CORES} cores`);
  if (noisy.length) {
    console.log(`noisy: slowest timed step over the fastest: ${noisy.join(', ')}; something else may have ` +
      'been using the CPU, so the ratios are uncertain (run again, or with --iters 9)');
  }
}

async function main(opts) {
  const cases = CASES.filter((c) => !opts.cases || opts.cases.includes(c.name));
  const columns = selectedColumns(opts);
  if (cases.length === 0 || columns.length === 0) {
    console.log(`no training-step case or column selected (cases: ${CASES.map((c) => c.name).join(', ')}; ` +
      `precisions: ${PRECISIONS.join(', ')}; peers: ${PEERS.join(', ')})`);
    return;
  }
  const made = spawnSync(PYTHON, [path.join(__dirname, 'make-bench-models.py'), ...new Set(cases.map((c) => c.shape))],
    { cwd: ROOT, stdio: 'inherit' });
  if (made.status !== 0) throw new Error('make-bench-models.py failed');
  const loadBefore = os.loadavg()[0];
  const results = cases.map((c) => runCase(c, columns, opts));
  printReport(results, columns, opts, loadBefore);
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'train-step-results.json');
  fs.writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(),
    host: { cores: CORES, cpu: os.cpus()[0]?.model, node: process.version },
    load_average_before: loadBefore, iters: opts.iters, warmup: opts.warmup,
    columns: Object.fromEntries(columns.map((col) => [col.key, col.label])), results,
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
if (opts.worker) {
  worker(opts.worker, opts).catch((e) => {
    // The driver shows this line's message in the column (n/a); the stack goes to stderr.
    process.stdout.write(JSON.stringify({ error: e.message.split('\n')[0] }) + '\n');
    console.error(`bench/train-step.js worker ${opts.worker}: ${e.stack || e.message}`);
    process.exit(1);
  });
} else {
  main(opts).catch((e) => {
    console.error(`bench/train-step.js: ${e.stack || e.message}`);
    process.exit(1);
  });
}
