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
const {
  CACHE, CORES, PYTHON, ROOT, SAMPLE_RATE, TUNED_ENV,
  ENV_USAGE, checkBuilt, columnSet, envAxisOptions, envColumns, ensureModels, listArg, maxRssMb, parseArgs, printNoise, ratios, runScript, selectedColumns, serAbout, timing, withEnv,
  writeResults,
} = require('./common');
const { cpuLine, nonNegativeInt, positiveInt } = require('./numbers');

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

const { columns: COLUMNS, ratios: RATIOS } = columnSet(PRECISIONS, PEERS);

const USAGE = [
  'usage: node bench/train-step.js [--iters N] [--warmup N] [--cases a,b] [--precisions fp32,bf16] ' +
    '[--peers default,tuned|none]',
  `  ${ENV_USAGE}`,
  `cases: ${CASES.map((c) => c.name).join(', ')} (default: all; other names are skipped)`,
].join('\n');

// int8 and onnx are accepted and skipped: `npm run bench -- --precisions ...` passes predict.js's lists here too.
function parseTrainStepArgs(argv) {
  const opts = parseArgs(argv, {
    defaults: {
      iters: positiveInt(process.env.BENCH_ITERS || '5', 'BENCH_ITERS'), warmup: 2, cases: null, worker: null,
      precisions: PRECISIONS, peers: PEERS, precision: 'fp32', env: {},
    },
    options: {
      '--iters': (v, o) => { o.iters = positiveInt(v, '--iters'); },
      '--warmup': (v, o) => { o.warmup = nonNegativeInt(v, '--warmup'); },
      '--cases': (v, o) => { o.cases = v.split(',').filter(Boolean); },
      '--worker': (v, o) => { o.worker = v; },
      '--precisions': (v, o) => { o.precisions = listArg(v, PRECISIONS, '--precisions', ['fp32', 'bf16', 'int8']); },
      '--peers': (v, o) => { o.peers = listArg(v, PEERS, '--peers', ['default', 'tuned', 'onnx']); },
      '--precision': (v, o) => { o.precision = listArg(v, PRECISIONS, '--precision')[0]; },
      ...envAxisOptions(),
    },
    usage: USAGE,
  });
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
  process.stdout.write(JSON.stringify({
    ...timing(c, opts.precision, times),
    losses: steps.map((e) => e.loss),
    ...serAbout(ser.info()),
    max_rss_mb: maxRssMb(),
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

function serTorch(c, opts, precision, env) {
  const args = [__filename, '--worker', c.name, '--iters', String(opts.iters), '--warmup', String(opts.warmup),
    '--precision', precision];
  return lastJson(spawnSync(process.execPath, args, { cwd: ROOT, env: withEnv(process.env, env), encoding: 'utf8', maxBuffer: 1 << 26 }));
}

function peer(c, opts, precision, tuned, patch) {
  const args = [path.join(__dirname, 'peer_train_pytorch.py'), '--shape', c.shape, '--batch', String(c.batch),
    '--seconds', String(c.seconds), '--warmup', String(opts.warmup), '--iters', String(opts.iters), '--precision', precision];
  if (tuned) args.push('--threads', String(CORES));
  const env = withEnv({ ...process.env, ...(tuned ? TUNED_ENV : {}) }, patch);
  return lastJson(spawnSync(PYTHON, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 26 }));
}

/** The columns of one case, one after another (a step lasts seconds: no interleaving). */
function runCase(c, columns, opts) {
  process.stderr.write(`bench train-step: ${c.name} (batch ${c.batch} x ${c.seconds} s) ...\n`);
  const sides = {};
  for (const col of columns) {
    const r = col.engine === 'ser'
      ? serTorch(c, opts, col.precision, col.env) : peer(c, opts, col.precision, col.peer === 'tuned', col.env);
    if (r.error) process.stderr.write(`${c.name}/${col.label}: n/a: ${r.error}\n`);
    sides[col.key] = r;
  }
  return { case: c.name, what: c.what, batch: c.batch, seconds_per_input: c.seconds, sides, ratios: ratios(opts.ratioList, sides) };
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
    const width = Math.max(12, ...columns.map((col) => col.label.length));
    for (const col of columns) {
      const x = r.sides[col.key];
      if (x.error) {
        console.log(`  ${col.label.padEnd(width)} ${'n/a'.padStart(8)}   ${x.error}`);
        continue;
      }
      const how = x.variant && x.variant !== 'fp32'
        ? `   ${x.variant}${x.autocast_error ? ` (autocast failed: ${x.autocast_error})` : ''}` : '';
      console.log(`  ${col.label.padEnd(width)} ${x.audio_s_per_s.toFixed(2).padStart(8)}   peak RSS ${x.max_rss_mb.toFixed(0).padStart(5)} MB${how}`);
    }
    const shown = opts.ratioList.filter(([label]) => r.ratios[label] !== null);
    if (shown.length) console.log(`  ratios: ${shown.map(([label]) => `${label} ${r.ratios[label].toFixed(2)}x`).join(', ')}`);
  }
  printNoise(results, columns, loadBefore, 'step');
}

async function main(opts) {
  const cases = CASES.filter((c) => !opts.cases || opts.cases.includes(c.name));
  const { columns, ratios: ratioList } = envColumns(selectedColumns(COLUMNS, opts), RATIOS, opts.env);
  opts.ratioList = ratioList;
  if (cases.length === 0 || columns.length === 0) {
    console.log(`no training-step case or column selected (cases: ${CASES.map((c) => c.name).join(', ')}; ` +
      `precisions: ${PRECISIONS.join(', ')}; peers: ${PEERS.join(', ')})`);
    return;
  }
  checkBuilt();
  ensureModels(cases);
  const loadBefore = os.loadavg()[0];
  const results = cases.map((c) => runCase(c, columns, opts));
  printReport(results, columns, opts, loadBefore);
  console.log(`written: ${writeResults('train-step', { opts, columns, loadBefore, results })}`);
}

runScript('train-step.js', parseTrainStepArgs, { worker, main });
