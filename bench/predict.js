'use strict';
// Inference throughput of ser-torch against Debian's PyTorch 1.13 / torchaudio 0.13 running the
// same shapes and the same weights in the same run. Figures are audio-seconds per wall-second;
// only the ratios between columns mean anything (they are measured moments apart on one machine).
//
//   node bench/predict.js [--iters N] [--warmup N] [--cases wav2vec2-base,large-12,cnn14]
//
// Each side runs in its own fresh process, so peak RSS is per case and per side:
//   ser-torch        node bench/predict.js --worker <case>   (require('..'): the built package)
//   PyTorch default  /usr/bin/python3 bench/peer_pytorch.py, environment and torch threads as found
//   PyTorch tuned    the same with OMP_WAIT_POLICY=PASSIVE, glibc malloc tuned to keep freed
//                    activations, and torch.set_num_threads(<cores>)
// The three processes load and warm up one after another, then take turns: one timed call each,
// round-robin, `iters` rounds, so load from elsewhere on the machine hits all sides alike.
// Results also go to bench/.cache/predict-results.json.
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { median, nonNegativeInt, positiveInt } = require('./numbers');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(__dirname, '.cache');
const PYTHON = '/usr/bin/python3';
const SAMPLE_RATE = 16000;
const GAP_MS = 150;
const NOISY_SPREAD = 0.25;

const CASES = [
  // facebook/wav2vec2-base's shape without a head: embed() (mean-pooled last hidden state).
  { name: 'wav2vec2-base', shape: 'wav2vec2-base', batch: 2, seconds: 4, call: 'embed' },
  // audEERING's 12-layer large-robust shape with its regression head: predict().
  { name: 'large-12', shape: 'large-12', batch: 1, seconds: 4, call: 'predict' },
  // PANNs Cnn14_16k at full width (the CNN14 baseline): waveform -> log-Mel -> Cnn14 -> 3 logits.
  { name: 'cnn14', shape: 'cnn14', batch: 8, seconds: 4, call: 'predict' },
];

function parseArgs(argv) {
  const opts = { iters: 5, warmup: 2, cases: CASES.map((c) => c.name), worker: null, serve: false };
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
    else if (a === '--serve') opts.serve = true;
    else if (a === '-h' || a === '--help') {
      console.log('usage: node bench/predict.js [--iters N] [--warmup N] [--cases a,b]');
      console.log(`cases: ${CASES.map((c) => c.name).join(', ')} (default: all)`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  for (const c of opts.cases) if (!CASES.some((k) => k.name === c)) throw new Error(`unknown case ${c}`);
  return opts;
}

/** Deterministic Gaussian noise (mulberry32 + Box-Muller), amplitude 0.1 like the peer's input. */
function noise(n, seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const phi = 2 * Math.PI * uniform();
    out[i] = 0.1 * r * Math.cos(phi);
    if (i + 1 < n) out[i + 1] = 0.1 * r * Math.sin(phi);
  }
  return out;
}

function modelDir(c) {
  return path.join(CACHE, c.shape);
}

// ---- worker: one ser-torch measurement in a fresh process, one JSON line on stdout ----

async function worker(caseName, opts) {
  const c = CASES.find((k) => k.name === caseName);
  const ser = require('..');
  const t0 = process.hrtime.bigint();
  const model = await ser.loadModel(modelDir(c));
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  const samples = Math.round(c.seconds * SAMPLE_RATE);
  const inputs = Array.from({ length: c.batch }, (_, i) => noise(samples, 1234 + i));
  const run = () => (c.call === 'predict' ? model.predict(inputs) : model.embed(inputs));
  let out;
  for (let i = 0; i < opts.warmup; i++) out = await run();
  const times = [];
  const timed = async () => {
    const t = process.hrtime.bigint();
    out = await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  };
  if (opts.serve) {
    // Same protocol as peer_pytorch.py --serve: "run" -> {"t"}, "done" -> the result line.
    process.stdout.write(JSON.stringify({ ready: true }) + '\n');
    const lines = require('readline').createInterface({ input: process.stdin });
    for await (const line of lines) {
      const cmd = line.trim();
      if (cmd === 'done') break;
      if (cmd !== 'run') throw new Error(`unknown command ${cmd}`);
      await timed();
      process.stdout.write(JSON.stringify({ t: times[times.length - 1] }) + '\n');
    }
    lines.close();
    if (times.length === 0) throw new Error('no timed calls');
  } else {
    for (let i = 0; i < opts.iters; i++) await timed();
  }
  const flat = out.flatMap((o) => (o instanceof Float32Array ? Array.from(o) : Object.values(o)));
  if (out.length !== c.batch || !flat.every(Number.isFinite)) throw new Error(`${c.name}: bad output`);
  const med = median(times);
  const info = ser.info();
  const result = {
    shape: c.shape,
    batch: c.batch,
    seconds_audio: c.batch * c.seconds,
    median_s: med,
    audio_s_per_s: (c.batch * c.seconds) / med,
    times_s: times,
    load_s: loadS,
    threads: info.threads,
    torch: info.torchVersion,
    blas: info.blas,
    blasLibrary: info.blasLibrary,
    parallelBackend: info.parallelBackend,
    warnings: info.warnings,
    // process.resourceUsage().maxRSS is in KiB.
    max_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  model.dispose();
  process.stdout.write(JSON.stringify(result) + '\n');
}

// ---- driver ----

/** A benchmark process speaking the --serve protocol: JSON lines on stdout, commands on stdin. */
class Side {
  constructor(label, cmd, args, env) {
    this.label = label;
    this.proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.queue = [];
    this.waiting = [];
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve(code ?? signal)));
    this.exited.then((how) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${label}: exited (${how}) before answering`));
    });
    this.proc.on('error', (e) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${label}: ${e.message}`));
    });
    this.proc.stdin.on('error', () => {}); // a dead child surfaces through 'close'
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        process.stderr.write(`${label}: ${line}\n`);
        return;
      }
      const w = this.waiting.shift();
      if (w) w.resolve(msg);
      else this.queue.push(msg);
    });
  }

  next() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      return Promise.reject(new Error(`${this.label}: exited before answering`));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async send(cmd) {
    this.proc.stdin.write(cmd + '\n');
    return this.next();
  }

  async finish() {
    const result = await this.send('done');
    this.proc.stdin.end();
    const how = await this.exited;
    if (how !== 0) throw new Error(`${this.label}: exited with ${how}`);
    return result;
  }

  kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the sides one after another (load + warm-up alone), then runs `iters` round-robin rounds. */
async function measure(specs, iters) {
  const sides = [];
  try {
    for (const spec of specs) {
      const side = new Side(spec.label, spec.cmd, spec.args, spec.env);
      sides.push(side);
      const ready = await side.next();
      if (!ready.ready) throw new Error(`${spec.label}: unexpected ${JSON.stringify(ready)}`);
    }
    for (let i = 0; i < iters; i++) {
      for (const side of sides) {
        await sleep(GAP_MS); // let the previous side's pools go idle
        const r = await side.send('run');
        if (typeof r.t !== 'number') throw new Error(`${side.label}: unexpected ${JSON.stringify(r)}`);
      }
    }
    const results = [];
    for (const side of sides) results.push(await side.finish());
    return results;
  } finally {
    for (const side of sides) side.kill();
  }
}

function ensureModels(cases) {
  const shapes = [...new Set(cases.map((c) => c.shape))];
  const r = spawnSync(PYTHON, [path.join(__dirname, 'make-bench-models.py'), ...shapes], { cwd: ROOT, stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    throw new Error(`make-bench-models.py failed (${r.error ? r.error.message : `exit ${r.status}`}); ` +
      `it needs ${PYTHON} with python3-torch and python3-torchaudio`);
  }
}

function checkBuilt() {
  const main = path.join(ROOT, 'dist', 'lib', 'index.js');
  if (!fs.existsSync(main)) throw new Error('dist/lib/index.js is missing: build the package first (npm run build)');
}

function fmt(x, digits = 2) {
  return x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(digits);
}

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(opts) {
  checkBuilt();
  const cases = CASES.filter((c) => opts.cases.includes(c.name));
  ensureModels(cases);
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const tunedEnv = {
    ...process.env,
    OMP_WAIT_POLICY: 'PASSIVE',
    MALLOC_MMAP_THRESHOLD_: '1073741824',
    MALLOC_TRIM_THRESHOLD_: '1073741824',
    MALLOC_TOP_PAD_: '67108864',
  };
  const loadBefore = os.loadavg()[0];
  const results = [];
  for (const c of cases) {
    process.stderr.write(`bench predict: ${c.name} (batch ${c.batch} x ${c.seconds} s, ${c.call}) ...\n`);
    const peerArgs = [path.join(__dirname, 'peer_pytorch.py'), '--shape', c.shape, '--batch', String(c.batch),
      '--seconds', String(c.seconds), '--warmup', String(opts.warmup), '--serve'];
    const [serTorch, pyDefault, pyTuned] = await measure([
      { label: `ser-torch ${c.name}`, cmd: process.execPath, args: [__filename, '--worker', c.name, '--warmup', String(opts.warmup), '--serve'], env: process.env },
      { label: `PyTorch default ${c.name}`, cmd: PYTHON, args: peerArgs, env: process.env },
      { label: `PyTorch tuned ${c.name}`, cmd: PYTHON, args: [...peerArgs, '--threads', String(cores)], env: tunedEnv },
    ], opts.iters);
    results.push({
      case: c.name,
      call: c.call,
      batch: c.batch,
      seconds_per_input: c.seconds,
      serTorch,
      pytorchDefault: pyDefault,
      pytorchTuned: pyTuned,
      ratio_vs_default: serTorch.audio_s_per_s / pyDefault.audio_s_per_s,
      ratio_vs_tuned: serTorch.audio_s_per_s / pyTuned.audio_s_per_s,
      rss_ratio_vs_default: serTorch.max_rss_mb / pyDefault.max_rss_mb,
      rss_ratio_vs_tuned: serTorch.max_rss_mb / pyTuned.max_rss_mb,
    });
  }

  const first = results[0].serTorch;
  console.log(`\nser-torch: libtorch ${first.torch}, ${first.threads} threads, BLAS ${first.blas} ` +
    `(${first.blasLibrary}), ${first.parallelBackend}`);
  for (const w of first.warnings || []) console.log(`  warning: ${w}`);
  const py = results[0].pytorchDefault;
  console.log(`PyTorch:   torch ${py.torch} (${PYTHON}), default ${py.threads} thread(s), tuned ` +
    `${results[0].pytorchTuned.threads}; ${cores} cores`);
  console.log(`${opts.warmup} warm-up calls, then ${opts.iters} timed calls per side taken in turns; median\n`);
  console.log('Throughput, audio-seconds per second (higher is better):');
  console.log(table(
    results.map((r) => [r.case, fmt(r.serTorch.audio_s_per_s), fmt(r.pytorchDefault.audio_s_per_s),
      fmt(r.pytorchTuned.audio_s_per_s), `${fmt(r.ratio_vs_default)}x`, `${fmt(r.ratio_vs_tuned)}x`]),
    ['case', 'ser-torch', 'PyTorch default', 'PyTorch tuned', 'vs default', 'vs tuned'],
  ));
  const spread = (r) => Math.max(...r.times_s) / Math.min(...r.times_s) - 1;
  const noisy = results.flatMap((r) =>
    [['ser-torch', r.serTorch], ['PyTorch default', r.pytorchDefault], ['PyTorch tuned', r.pytorchTuned]]
      .filter(([, x]) => spread(x) > NOISY_SPREAD)
      .map(([side, x]) => `${r.case}/${side} +${(100 * spread(x)).toFixed(0)}%`));
  console.log(`\nload average before the run: ${loadBefore.toFixed(2)} on ${cores} cores`);
  if (noisy.length) {
    console.log(`noisy: slowest timed call over the fastest: ${noisy.join(', ')}; something else ` +
      'was using the CPU, so the ratios are uncertain (run again, or with --iters 9)');
  }
  console.log('\nProcess peak RSS, MB (lower is better; includes each runtime\'s own footprint):');
  console.log(table(
    results.map((r) => [r.case, fmt(r.serTorch.max_rss_mb, 0), fmt(r.pytorchDefault.max_rss_mb, 0),
      fmt(r.pytorchTuned.max_rss_mb, 0), `${fmt(r.rss_ratio_vs_default)}x`, `${fmt(r.rss_ratio_vs_tuned)}x`]),
    ['case', 'ser-torch', 'PyTorch default', 'PyTorch tuned', 'vs default', 'vs tuned'],
  ));

  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, 'predict-results.json');
  const report = {
    date: new Date().toISOString(),
    host: { cores, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` },
    load_average_before: loadBefore,
    iters: opts.iters,
    warmup: opts.warmup,
    results,
  };
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nwritten: ${path.relative(ROOT, file)}`);
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(`bench/predict.js: ${e.message}`);
  process.exit(2);
}
if (opts.worker) {
  worker(opts.worker, opts).catch((e) => {
    console.error(`bench/predict.js worker ${opts.worker}: ${e.stack || e.message}`);
    process.exit(1);
  });
} else {
  main(opts).catch((e) => {
    console.error(`bench/predict.js: ${e.message}`);
    process.exit(1);
  });
}
