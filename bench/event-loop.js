'use strict';
// Event-loop latency while ser-torch works: a setInterval timer runs during a large predict and
// during a short training run, and the gaps between its ticks are reported (worst, p99, median,
// and ticks seen against ticks expected). The tests only check that ticks keep coming
// (test/event-loop.test.ts, test/train.test.ts); the figures, which depend on the machine and its
// load, are measured here.
//
//   node bench/event-loop.js [--interval MS] [--iters N]
//
// Needs the built package (require('..'): dist/ and the native addon) and the committed fixtures.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median, positiveInt } = require('./numbers');

const ser = require('..');

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');

function parseArgs(argv) {
  const opts = { interval: 10, iters: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--interval') opts.interval = positiveInt(argv[++i], '--interval');
    else if (argv[i] === '--iters') opts.iters = positiveInt(argv[++i], '--iters');
    else throw new Error(`unknown argument ${argv[i]} (expected --interval MS, --iters N)`);
  }
  return opts;
}

/** Runs `work` with a timer firing every `interval` ms: the gaps between ticks, the synchronous part, the elapsed time. */
async function gapsDuring(work, interval) {
  const gaps = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, interval);
  const started = performance.now();
  let sync = 0;
  try {
    const pending = work();
    sync = performance.now() - started; // the part of the call that holds the loop before it returns
    await pending;
  } finally {
    clearInterval(timer);
  }
  return { gaps, sync, elapsed: performance.now() - started };
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

function report(name, runs, interval) {
  const gaps = runs.flatMap((r) => r.gaps);
  const elapsed = runs.reduce((sum, r) => sum + r.elapsed, 0);
  const f = (x) => `${x.toFixed(1)} ms`;
  console.log(`${name}: ${runs.length} run(s), ${(elapsed / 1000).toFixed(2)} s; ticks ${gaps.length} of ` +
    `~${Math.floor(elapsed / interval)} expected; gap worst ${f(Math.max(...gaps))}, p99 ${f(percentile(gaps, 99))}, ` +
    `median ${f(median(gaps))}; synchronous part of the call, worst ${f(Math.max(...runs.map((r) => r.sync)))}`);
}

async function main() {
  const { interval, iters } = parseArgs(process.argv.slice(2));
  const i = ser.info();
  console.log(`ser-torch event-loop latency, ${interval} ms timer; libtorch ${i.torchVersion}, ${i.threads} threads, ` +
    `${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}`);

  // 8 one-minute clips in batches of 2 on the small fixture model (as test/event-loop.test.ts).
  const model = await ser.loadModel(path.join(FIXTURES, 'models', 'w2v2_preln_layer_head'));
  const long = new Float32Array(16000 * 60).map((_, k) => Math.sin(k / 7) * 0.3);
  const inputs = Array.from({ length: 8 }, () => long);
  await model.predict(long.subarray(0, 16000)); // warm-up
  const predictRuns = [];
  for (let k = 0; k < iters; k++) predictRuns.push(await gapsDuring(() => model.predict(inputs, { batchSize: 2 }), interval));
  model.dispose();
  report('predict 8 x 60 s', predictRuns, interval);

  // 40 steps on the train_step fixture (as the event-loop test in test/train.test.ts).
  const stepDir = path.join(FIXTURES, 'train_step');
  const trainRuns = [];
  for (let k = 0; k < iters; k++) {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-bench-event-loop-'));
    try {
      trainRuns.push(await gapsDuring(() => ser.train({
        model: path.join(stepDir, 'model'), train: path.join(stepDir, 'train.csv'), dev: path.join(stepDir, 'dev.csv'),
        outDir, batchSize: 2, epochs: 20, maxClipSeconds: 0,
      }), interval));
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  }
  report('train 40 steps', trainRuns, interval);
}

main().catch((e) => {
  console.error(`bench/event-loop.js: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
