'use strict';
// Many concurrent callers, as a server sees them: --callers (default 64) async callers each send
// --requests (default 2) short clips one after another (lengths drawn from --min..--max seconds,
// seeded, the same list for every column), and every request's latency (call to result) is
// recorded. Columns, each its own fresh process, one after another, same model and weights:
//   ser          ser-torch, loadModel(dir, { precision }): each call runs on its own (no coalescing)
//   ser-batched  ser-torch, loadModel(dir, { precision, batching: { maxDelayMs, maxBatchSeconds } }):
//                concurrent calls share forward passes
//   ort          onnxruntime-node fp32 (bench/export-onnx.py's graph, CPU EP, all cores), one
//                session.run per request, all callers at once (as transformers.js users would)
// Reported: p50 / p99 latency, requests and audio-seconds per second, peak RSS, the coalescing
// stats, and ratios measured in this run. Then the two-model case: two models loaded with
// threads = cores / 2, --two-calls calls on each, run one model after the other (what one shared
// compute thread gave) and both at once (a compute lane per model). Not a test.
//
//   node bench/concurrent.js [--shape wav2vec2-base] [--callers 64] [--requests 2] [--min 1] [--max 4]
//                            [--precision fp32|bf16|int8] [--delay-ms 5] [--max-batch-seconds 64]
//                            [--columns ser,ser-batched,ort,two-models] [--two-calls 8]
// Results also go to bench/.cache/concurrent-results.json.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { CACHE, CORES, checkBuilt, ensureModels, maxRssMb, parseArgs, python, runScript } = require('./common');
const { positiveInt, positiveNumber, seededRandom } = require('./numbers');

const COLUMNS = [
  { key: 'ser', label: 'ser-torch, one pass a call' },
  { key: 'ser-batched', label: 'ser-torch, batching' },
  { key: 'ort', label: 'onnxruntime-node fp32' },
  { key: 'two-models', label: 'two models' },
];
const RATE = 16000;

const USAGE = [
  'usage: node bench/concurrent.js [--shape S] [--callers N] [--requests N] [--min S] [--max S] [--precision P]',
  '                                [--delay-ms MS] [--max-batch-seconds S] [--columns ser,ser-batched,ort,two-models]',
  '                                [--two-calls N]',
].join('\n');

function parse(argv) {
  const seconds = positiveNumber;
  const opts = parseArgs(argv, {
    defaults: {
      shape: 'wav2vec2-base', callers: 64, requests: 2, min: 1, max: 4, precision: 'fp32', delayMs: 5,
      maxBatchSeconds: 64, columns: COLUMNS.map((c) => c.key), twoCalls: 8,
    },
    options: {
      '--shape': (v, o) => (o.shape = v),
      '--callers': (v, o) => (o.callers = positiveInt(v, '--callers')),
      '--requests': (v, o) => (o.requests = positiveInt(v, '--requests')),
      '--min': (v, o) => (o.min = seconds(v, '--min')),
      '--max': (v, o) => (o.max = seconds(v, '--max')),
      '--precision': (v, o) => (o.precision = v),
      '--delay-ms': (v, o) => (o.delayMs = Number(v)),
      '--max-batch-seconds': (v, o) => (o.maxBatchSeconds = seconds(v, '--max-batch-seconds')),
      '--two-calls': (v, o) => (o.twoCalls = positiveInt(v, '--two-calls')),
      '--columns': (v, o) => {
        o.columns = v.split(',').filter(Boolean);
        for (const c of o.columns) if (!COLUMNS.some((k) => k.key === c)) throw new Error(`--columns: unknown ${c}`);
      },
      '--worker': (v, o) => (o.worker = v),
    },
    usage: USAGE,
  });
  if (opts.max < opts.min) throw new Error('--max must be >= --min');
  return opts;
}

/** requests[caller][k]: a clip of a voiced-like tone plus noise, length in [min, max] s. */
function requestClips(opts) {
  const rnd = seededRandom(7);
  return Array.from({ length: opts.callers }, () =>
    Array.from({ length: opts.requests }, () => {
      const n = Math.round((opts.min + rnd() * (opts.max - opts.min)) * RATE);
      const f = 90 + rnd() * 150;
      return new Float32Array(n).map((_, i) => 0.1 * Math.sin((2 * Math.PI * f * i) / RATE) + 0.02 * (rnd() - 0.5));
    }),
  );
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** All callers at once, each sending its requests one after another; latencies in ms. */
async function drive(clips, call) {
  const latencies = [];
  const t0 = performance.now();
  await Promise.all(
    clips.map(async (mine) => {
      for (const clip of mine) {
        const start = performance.now();
        await call(clip);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const audio = clips.flat().reduce((s, c) => s + c.length / RATE, 0);
  return {
    requests: latencies.length, wall_s: wall, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99),
    requests_per_s: latencies.length / wall, audio_s_per_s: audio / wall,
  };
}

const modelDir = (opts) => path.join(CACHE, opts.shape);

async function serColumn(opts, batching) {
  const ser = require('..');
  const precision = opts.precision === 'fp32' ? undefined : opts.precision;
  const model = await ser.loadModel(modelDir(opts), {
    precision,
    batching: batching ? { maxDelayMs: opts.delayMs, maxBatchSeconds: opts.maxBatchSeconds } : undefined,
  });
  const clips = requestClips(opts);
  const call = (x) => (model.info.hasHead ? model.predict(x) : model.embed(x));
  await Promise.all(clips.slice(0, 4).map((c) => call(c[0])));  // warm-up, untimed
  const out = await drive(clips, call);
  const stats = model.batchingStats();
  model.dispose();
  return { ...out, peak_rss_mb: maxRssMb(), batching: stats, precision: model.info.precision };
}

async function ortColumn(opts) {
  const ort = require('onnxruntime-node');
  const session = await ort.InferenceSession.create(path.join(CACHE, 'onnx', `${opts.shape}.onnx`), {
    executionProviders: ['cpu'], intraOpNumThreads: CORES, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const clips = requestClips(opts);
  const call = (x) => session.run({ input: new ort.Tensor('float32', x, [1, x.length]) });
  await Promise.all(clips.slice(0, 4).map((c) => call(c[0])));
  const out = await drive(clips, call);
  await session.release();
  return { ...out, peak_rss_mb: maxRssMb(), version: require('onnxruntime-node/package.json').version };
}

/** Two models, threads = cores / 2 each: one after the other, then both at once. */
async function twoModelsColumn(opts) {
  const ser = require('..');
  const threads = Math.max(1, Math.floor(CORES / 2));
  const load = () => ser.loadModel(modelDir(opts), { threads, precision: opts.precision === 'fp32' ? undefined : opts.precision });
  const [a, b] = [await load(), await load()];
  const clips = requestClips({ ...opts, callers: 1, requests: opts.twoCalls })[0];
  const runAll = (m) => Promise.all(clips.map((c) => m.embed(c)));
  await Promise.all([a.embed(clips[0]), b.embed(clips[0])]);
  const timed = async (fn) => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  const serial = await timed(async () => {
    await runAll(a);
    await runAll(b);
  });
  const together = await timed(() => Promise.all([runAll(a), runAll(b)]));
  a.dispose();
  b.dispose();
  return { threads_each: threads, calls_each: clips.length, serial_s: serial, concurrent_s: together, speedup: serial / together };
}

async function worker(key, opts) {
  const run = { ser: () => serColumn(opts, false), 'ser-batched': () => serColumn(opts, true), ort: () => ortColumn(opts), 'two-models': () => twoModelsColumn(opts) }[key];
  process.stdout.write(JSON.stringify(await run()) + '\n');
}

function runColumn(key, opts) {
  const args = [__filename, '--worker', key, '--shape', opts.shape, '--callers', String(opts.callers), '--requests', String(opts.requests),
    '--min', String(opts.min), '--max', String(opts.max), '--precision', opts.precision, '--delay-ms', String(opts.delayMs),
    '--max-batch-seconds', String(opts.maxBatchSeconds), '--two-calls', String(opts.twoCalls)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const last = (r.stdout || '').trim().split('\n').pop();
  try {
    return JSON.parse(last);
  } catch {
    return { error: r.signal ? `killed by ${r.signal}` : `exit ${r.status}` };
  }
}

const fmt = (x, d = 1) => (typeof x === 'number' ? x.toFixed(d) : 'n/a');

async function main(opts) {
  checkBuilt();
  ensureModels([{ shape: opts.shape }]);
  if (opts.columns.includes('ort')) {
    const failure = python('export-onnx.py', [opts.shape]);
    if (failure) console.log(`ort column skipped: ${failure}`);
  }
  console.log(`${opts.callers} callers x ${opts.requests} requests, clips ${opts.min}-${opts.max} s, ${opts.shape}, ` +
    `${opts.precision}, ${CORES} cores; batching: maxDelayMs ${opts.delayMs}, maxBatchSeconds ${opts.maxBatchSeconds}`);
  const results = {};
  for (const key of opts.columns) {
    if (key === 'ort' && !fs.existsSync(path.join(CACHE, 'onnx', `${opts.shape}.onnx`))) {
      results.ort = { error: 'no ONNX export' };
      continue;
    }
    results[key] = runColumn(key, opts);
  }
  console.log('\n| column | p50 ms | p99 ms | requests/s | audio-s/s | peak RSS MB | groups (largest) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const col of COLUMNS.filter((c) => c.key !== 'two-models' && results[c.key])) {
    const r = results[col.key];
    if (r.error) {
      console.log(`| ${col.label} | ${r.error} | | | | | |`);
      continue;
    }
    const g = r.batching ? `${r.batching.groups} (${r.batching.largestGroup})` : '-';
    console.log(`| ${col.label} | ${fmt(r.p50_ms, 0)} | ${fmt(r.p99_ms, 0)} | ${fmt(r.requests_per_s, 2)} | ${fmt(r.audio_s_per_s)} | ${fmt(r.peak_rss_mb, 0)} | ${g} |`);
  }
  const ratio = (a, b, f) => (results[a] && results[b] && !results[a].error && !results[b].error ? f(results[a], results[b]) : null);
  const lines = [
    ['batching / one pass a call, throughput', ratio('ser-batched', 'ser', (a, b) => a.audio_s_per_s / b.audio_s_per_s)],
    ['batching / one pass a call, p99 latency', ratio('ser-batched', 'ser', (a, b) => a.p99_ms / b.p99_ms)],
    ['batching / onnxruntime-node, throughput', ratio('ser-batched', 'ort', (a, b) => a.audio_s_per_s / b.audio_s_per_s)],
    ['batching / onnxruntime-node, p99 latency', ratio('ser-batched', 'ort', (a, b) => a.p99_ms / b.p99_ms)],
  ].filter(([, v]) => v !== null);
  if (lines.length) console.log('');
  for (const [label, v] of lines) console.log(`${label}: ${v.toFixed(2)}x`);
  const two = results['two-models'];
  if (two) {
    console.log(two.error ? `\ntwo models: ${two.error}` :
      `\ntwo models (threads ${two.threads_each} each, ${two.calls_each} calls each): one after the other ${fmt(two.serial_s, 2)} s, ` +
      `both at once ${fmt(two.concurrent_s, 2)} s: ${two.speedup.toFixed(2)}x`);
  }
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'concurrent-results.json');
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cores: CORES, opts, results }, null, 2) + '\n');
  console.log(`\nresults: ${path.relative(path.join(__dirname, '..'), file)}`);
}

runScript('concurrent.js', parse, { worker, main });
