'use strict';
// Inference throughput of ser-torch at each precision against Debian's PyTorch 1.13 / torchaudio
// 0.13 and onnxruntime-node running the same shapes and the same weights in the same run. Figures
// are audio-seconds per wall-second; only the ratios between columns mean anything (they are
// measured moments apart on one machine).
//
//   node bench/predict.js [--iters N] [--warmup N] [--cases wav2vec2-base,large-12,large-12-8s,cnn14]
//                         [--precisions fp32,bf16,int8] [--peers default,tuned,onnx|none]
//                         [--blas both] [--aten-capability both] [--fp32-linear both]
//
// --blas both runs the ser-torch and PyTorch columns twice in the same rounds, with
// OPENBLAS_CORETYPE as found and unset (the issue-8 comparison); --aten-capability and
// --fp32-linear compare ATEN_CPU_CAPABILITY and ser-torch's float32 Linear route the same way
// (common.js, ENV_AXES). Each setting's ratios are reported with its tag.
//
// Each column runs in its own fresh process, so peak RSS is per case and per column:
//   ser fp32/bf16/int8  node bench/predict.js --worker <case> --precision P (require('..'): the built
//                       package; loadModel(dir, { precision: P }), nothing passed for fp32)
//   PT default          /usr/bin/python3 bench/peer_pytorch.py, fp32, environment and threads as found
//   PT fp32/bf16/int8   the same tuned: OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=4, glibc malloc tuned to keep freed
//                       activations, torch.set_num_threads(<cores>), --precision P (bf16: autocast,
//                       or the model cast to bf16 where autocast fails; int8: quantize_dynamic)
//   ORT fp32            node bench/predict.js --worker <case> --engine onnx: onnxruntime-node, CPU EP,
//                       <cores> intra-op threads, all graph optimisations, on the same model exported
//                       by bench/export-onnx.py (cached in bench/.cache/onnx/)
// --precisions picks the ser-torch and tuned-PyTorch columns; --peers the PyTorch default, tuned and
// onnxruntime columns (default, PT default and ORT run at fp32 only). The processes load and warm up
// one after another, then take turns: one timed call each, round-robin, `iters` rounds, so load
// from elsewhere on the machine hits all columns alike. A column that fails (e.g. a precision this
// build of ser-torch does not offer) shows n/a and its error. Results also go to
// bench/.cache/predict-results.json.
const { spawn } = require('child_process');
const os = require('os');
const path = require('path');
const readline = require('readline');
const {
  CACHE, CORES, PYTHON, ROOT, SAMPLE_RATE, TUNED_ENV,
  ENV_USAGE, checkBuilt, columnSet, envAxisOptions, envColumns, ensureModels, listArg, maxRssMb, parseArgs, printNoise, python, ratios, runScript, selectedColumns, serAbout, timing, withEnv,
  writeResults,
} = require('./common');
const { cpuLine, nonNegativeInt, positiveInt } = require('./numbers');

/** The pause before each timed call, so that the previous column's thread pools go idle. */
const GAP_MS = 150;

const CASES = [
  // facebook/wav2vec2-base's shape without a head: embed() (mean-pooled last hidden state).
  { name: 'wav2vec2-base', shape: 'wav2vec2-base', batch: 2, seconds: 4, call: 'embed' },
  // audEERING's 12-layer large-robust shape with its regression head: predict().
  { name: 'large-12', shape: 'large-12', batch: 1, seconds: 4, call: 'predict' },
  // The same at twice the length: attention's share of the work grows with it.
  { name: 'large-12-8s', shape: 'large-12', batch: 1, seconds: 8, call: 'predict' },
  // PANNs Cnn14_16k at full width (the CNN14 baseline): waveform -> log-Mel -> Cnn14 -> 3 logits.
  // No ONNX column: its torch.stft front end has no ONNX export in torch 1.13.
  { name: 'cnn14', shape: 'cnn14', batch: 8, seconds: 4, call: 'predict', onnx: false },
];

const PRECISIONS = ['fp32', 'bf16', 'int8'];
const PEERS = ['default', 'tuned', 'onnx'];

const { columns: COLUMNS, ratios: RATIOS } = columnSet(PRECISIONS, PEERS);

const USAGE = [
  'usage: node bench/predict.js [--iters N] [--warmup N] [--cases a,b] [--precisions fp32,bf16,int8] ' +
    '[--peers default,tuned,onnx|none]',
  `  ${ENV_USAGE}`,
  `cases: ${CASES.map((c) => c.name).join(', ')} (default: all)`,
].join('\n');

function parsePredictArgs(argv) {
  const opts = parseArgs(argv, {
    defaults: {
      iters: 5, warmup: 2, cases: CASES.map((c) => c.name), precisions: PRECISIONS, peers: PEERS,
      worker: null, serve: false, precision: 'fp32', engine: 'ser', env: {},
    },
    options: {
      '--iters': (v, o) => { o.iters = positiveInt(v, '--iters'); },
      '--warmup': (v, o) => { o.warmup = nonNegativeInt(v, '--warmup'); },
      '--cases': (v, o) => { o.cases = v.split(',').filter(Boolean); },
      '--precisions': (v, o) => { o.precisions = listArg(v, PRECISIONS, '--precisions'); },
      '--peers': (v, o) => { o.peers = listArg(v, PEERS, '--peers'); },
      '--worker': (v, o) => { o.worker = v; },
      '--precision': (v, o) => { o.precision = listArg(v, PRECISIONS, '--precision')[0]; },
      '--engine': (v, o) => { o.engine = listArg(v, ['ser', 'onnx'], '--engine')[0]; },
      ...envAxisOptions(),
    },
    flags: { '--serve': (o) => { o.serve = true; } },
    usage: USAGE,
  });
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

function onnxFile(c) {
  return path.join(CACHE, 'onnx', `${c.shape}.onnx`);
}

// ---- worker: one column's measurement in a fresh process, JSON lines on stdout ----

/** ser-torch at one precision: loadModel(dir, { precision }); nothing passed for fp32, the default. */
async function serEngine(c, precision) {
  const ser = require('..');
  const model = await ser.loadModel(modelDir(c), precision === 'fp32' ? undefined : { precision });
  const info = ser.info();
  return {
    run: (inputs) => (c.call === 'predict' ? model.predict(inputs) : model.embed(inputs)),
    dispose: () => model.dispose(),
    about: { engine: 'ser-torch', ...serAbout(info), modelPrecision: model.info?.precision },
  };
}

/** onnxruntime-node on bench/export-onnx.py's graph: normalisation, model, pooling and head are in it. */
async function onnxEngine(c) {
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    throw new Error(`onnxruntime-node is not installed (npm install, it is a devDependency): ${e.message}`);
  }
  const session = await ort.InferenceSession.create(onnxFile(c), {
    executionProviders: ['cpu'], intraOpNumThreads: CORES, interOpNumThreads: 1,
    graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  const run = async (inputs) => {
    const n = inputs[0].length;
    const data = new Float32Array(inputs.length * n);
    inputs.forEach((x, i) => data.set(x, i * n));
    const { output } = await session.run({ input: new ort.Tensor('float32', data, [inputs.length, n]) });
    const width = output.dims[1];
    return inputs.map((_, i) => output.data.slice(i * width, (i + 1) * width));
  };
  return {
    run,
    dispose: () => session.release(),
    about: { engine: 'onnxruntime-node', version: require('onnxruntime-node/package.json').version, threads: CORES },
  };
}

/** Every output value of a call, in order: Float32Arrays (embed, ORT) or label objects (predict). */
function flatten(out) {
  return out.flatMap((o) => (ArrayBuffer.isView(o) ? Array.from(o) : Object.values(o)));
}

async function worker(caseName, opts) {
  const c = CASES.find((k) => k.name === caseName);
  const t0 = process.hrtime.bigint();
  const engine = opts.engine === 'onnx' ? await onnxEngine(c) : await serEngine(c, opts.precision);
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  const samples = Math.round(c.seconds * SAMPLE_RATE);
  const inputs = Array.from({ length: c.batch }, (_, i) => noise(samples, 1234 + i));
  let out;
  for (let i = 0; i < opts.warmup; i++) out = await engine.run(inputs);
  const times = [];
  const timed = async () => {
    const t = process.hrtime.bigint();
    out = await engine.run(inputs);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  };
  if (opts.serve) {
    // Same protocol as peer_pytorch.py --serve: "run" -> {"t"}, "done" -> the result line.
    process.stdout.write(JSON.stringify({ ready: true }) + '\n');
    const lines = readline.createInterface({ input: process.stdin });
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
  const flat = flatten(out);
  if (out.length !== c.batch || !flat.every(Number.isFinite)) throw new Error(`${c.name}: bad output`);
  const result = {
    ...timing(c, opts.precision, times),
    load_s: loadS,
    ...engine.about,
    // The same input on every Node column: the driver compares these with ser fp32's.
    output: flat,
    max_rss_mb: maxRssMb(),
  };
  engine.dispose();
  process.stdout.write(JSON.stringify(result) + '\n');
}

// ---- driver ----

/** A benchmark process speaking the --serve protocol: JSON lines on stdout, commands on stdin. */
class Side {
  constructor(label, cmd, args, env) {
    this.label = label;
    this.proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.queue = [];
    this.waiting = [];
    this.stderrTail = [];
    // stderr goes on to ours; its last line explains a crash that left no {"error"} line.
    readline.createInterface({ input: this.proc.stderr }).on('line', (line) => {
      process.stderr.write(`${line}\n`);
      if (line.trim()) this.stderrTail = [...this.stderrTail.slice(-9), line.trim()];
    });
    this.exited = new Promise((resolve) => this.proc.on('close', (code, signal) => resolve(code ?? signal)));
    this.exited.then(() => {
      for (const w of this.waiting.splice(0)) w.reject(this.exitError());
    });
    this.proc.on('error', (e) => {
      for (const w of this.waiting.splice(0)) w.reject(e);
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

  /** The next JSON line; a worker's {"error"} line rejects with its message. */
  async next() {
    const msg = await this.nextLine();
    if (msg.error) throw new Error(msg.error);
    return msg;
  }

  nextLine() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.reject(this.exitError());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** How the process ended, with its last stderr line (a crash leaves no {"error"} line). */
  exitError() {
    const how = this.proc.exitCode ?? this.proc.signalCode;
    const last = this.stderrTail[this.stderrTail.length - 1];
    return new Error(`exited (${how}) before answering${last ? `: ${last}` : ''}`);
  }

  async send(cmd) {
    this.proc.stdin.write(cmd + '\n');
    return this.next();
  }

  async finish() {
    const result = await this.send('done');
    this.proc.stdin.end();
    const how = await this.exited;
    if (how !== 0) throw new Error(`exited with ${how}`);
    return result;
  }

  kill() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill();
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the columns one after another (load + warm-up alone), then runs `iters` round-robin
 * rounds. A column that fails (or had `error` before starting) drops out of the rounds and comes
 * back as { error }; the others go on.
 */
async function measure(specs, iters) {
  const entries = specs.map((spec) => ({ spec, side: null, error: spec.error || null }));
  const fail = (entry, e) => {
    entry.error = e.message;
    if (entry.side) entry.side.kill();
    process.stderr.write(`${entry.spec.label}: n/a: ${e.message}\n`);
  };
  const alive = () => entries.filter((e) => !e.error);
  try {
    for (const entry of alive()) {
      const { label, cmd, args, env } = entry.spec;
      entry.side = new Side(label, cmd, args, env);
      try {
        const ready = await entry.side.next();
        if (!ready.ready) throw new Error(`unexpected ${JSON.stringify(ready)}`);
      } catch (e) {
        fail(entry, e);
      }
    }
    for (let i = 0; i < iters; i++) {
      for (const entry of alive()) {
        await sleep(GAP_MS); // let the previous column's pools go idle
        try {
          const r = await entry.side.send('run');
          if (typeof r.t !== 'number') throw new Error(`unexpected ${JSON.stringify(r)}`);
        } catch (e) {
          fail(entry, e);
        }
      }
    }
    for (const entry of alive()) {
      try {
        entry.result = await entry.side.finish();
      } catch (e) {
        fail(entry, e);
      }
    }
    return entries.map((e) => (e.error ? { error: e.error } : e.result));
  } finally {
    for (const e of entries) if (e.side) e.side.kill();
  }
}

/** Exports the ONNX graphs the ORT column needs; returns the error the column shows if that fails. */
function ensureOnnx(cases) {
  const shapes = [...new Set(cases.filter((c) => c.onnx !== false).map((c) => c.shape))];
  return shapes.length ? python('export-onnx.py', shapes) : null;
}

function fmt(x, digits = 2) {
  return x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(digits);
}

function table(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** How to start one column of one case; `error` instead when it cannot run at all. */
function spec(col, c, opts, onnxError) {
  const label = `${c.name}/${col.label}`;
  const common = ['--warmup', String(opts.warmup), '--serve'];
  if (col.engine === 'ser') {
    return { label, cmd: process.execPath, args: [__filename, '--worker', c.name, '--precision', col.precision, ...common], env: withEnv(process.env, col.env) };
  }
  if (col.engine === 'onnx') {
    if (c.onnx === false) return { label, error: 'no ONNX export of this case (torch.stft in torch 1.13)' };
    if (onnxError) return { label, error: onnxError };
    return { label, cmd: process.execPath, args: [__filename, '--worker', c.name, '--engine', 'onnx', ...common], env: withEnv(process.env, col.env) };
  }
  const args = [path.join(__dirname, 'peer_pytorch.py'), '--shape', c.shape, '--batch', String(c.batch),
    '--seconds', String(c.seconds), '--precision', col.precision, ...common];
  if (col.peer === 'default') return { label, cmd: PYTHON, args, env: withEnv(process.env, col.env) };
  return { label, cmd: PYTHON, args: [...args, '--threads', String(CORES)], env: withEnv({ ...process.env, ...TUNED_ENV }, col.env) };
}

/** Largest |difference| between a column's outputs and ser fp32's (both Node columns get the same input). */
function outputDiffs(sides) {
  const ref = sides['ser-fp32']?.output;
  const diffs = {};
  for (const [key, r] of Object.entries(sides)) {
    if (!ref || !r.output || key === 'ser-fp32' || r.output.length !== ref.length) continue;
    diffs[key] = Math.max(...r.output.map((v, i) => Math.abs(v - ref[i])));
  }
  for (const r of Object.values(sides)) delete r.output;
  return diffs;
}

async function runCase(c, columns, opts, onnxError) {
  process.stderr.write(`bench predict: ${c.name} (batch ${c.batch} x ${c.seconds} s, ${c.call}) ...\n`);
  const out = await measure(columns.map((col) => spec(col, c, opts, onnxError)), opts.iters);
  const sides = Object.fromEntries(columns.map((col, i) => [col.key, out[i]]));
  const ok = Object.fromEntries(Object.entries(sides).filter(([, r]) => !r.error));
  return {
    case: c.name, call: c.call, batch: c.batch, seconds_per_input: c.seconds,
    sides, output_max_abs_diff_vs_ser_fp32: outputDiffs(ok), ratios: ratios(opts.ratioList, ok),
  };
}

function printReport(results, columns, opts, loadBefore) {
  const all = results.flatMap((r) => Object.entries(r.sides));
  const find = (key) => all.find(([k, x]) => k === key && !x.error)?.[1];
  const ser = find('ser-fp32') || find('ser-bf16') || find('ser-int8');
  if (ser) {
    console.log(`\nser-torch: libtorch ${ser.torch}, ${ser.threads} threads, BLAS ${ser.blas} (${ser.blasLibrary}), ${ser.parallelBackend}`);
    if (ser.cpu) console.log(`  ${cpuLine(ser)}`);
    for (const w of ser.warnings || []) console.log(`  warning: ${w}`);
  }
  const pt = find('pt-default') || find('pt-fp32') || find('pt-bf16') || find('pt-int8');
  if (pt) {
    console.log(`PyTorch:   torch ${pt.torch} (${PYTHON}); PT default ${find('pt-default')?.threads ?? '-'} thread(s), ` +
      `PT fp32/bf16/int8 tuned, ${CORES} threads`);
  }
  if (Object.keys(opts.env).length) {
    // What each ser-torch setting actually ran with, as its own process reported it.
    for (const col of columns.filter((k) => k.engine === 'ser')) {
      const x = all.find(([k, v]) => k === col.key && !v.error)?.[1];
      if (x) console.log(`  ${col.label}: OpenBLAS kernels ${x.blasCore || '-'}, ATen vector kernels ${x.cpuCapability || '-'}`);
    }
  }
  const ort = find('ort-fp32');
  if (ort) console.log(`ORT:       onnxruntime-node ${ort.version}, CPU EP, ${ort.threads} intra-op threads, graph optimisation all`);
  console.log(`${CORES} cores; ${opts.warmup} warm-up calls, then ${opts.iters} timed calls per column taken in turns; median\n`);

  const cell = (r, col, f) => (r.sides[col.key]?.error ? 'n/a' : f(r.sides[col.key]));
  console.log('Throughput, audio-seconds per second (higher is better):');
  console.log(table(results.map((r) => [r.case, ...columns.map((col) => cell(r, col, (x) => fmt(x.audio_s_per_s)))]),
    ['case', ...columns.map((col) => col.label)]));

  const shown = opts.ratioList.filter(([label]) => results.some((r) => r.ratios[label] !== null));
  if (shown.length) {
    console.log('\nRatios, the ser-torch column over the other (above 1: ser-torch faster):');
    console.log(table(results.map((r) => [r.case, ...shown.map(([label]) => (r.ratios[label] === null ? '-' : `${fmt(r.ratios[label])}x`))]),
      ['case', ...shown.map(([label]) => label)]));
  }
  for (const r of results) {
    const v = r.sides['pt-bf16'];
    if (v && !v.error) console.log(`PT bf16 ${r.case}: ${v.variant}${v.autocast_error ? ` (autocast failed: ${v.autocast_error})` : ''}`);
  }
  for (const r of results) {
    for (const col of columns.filter((k) => k.engine === 'ser')) {
      const x = r.sides[col.key];
      if (x && !x.error && x.modelPrecision && x.modelPrecision !== col.precision) {
        console.log(`${col.label} ${r.case}: the model reports precision ${x.modelPrecision}`);
      }
    }
  }
  const diffs = results.filter((r) => Object.keys(r.output_max_abs_diff_vs_ser_fp32).length);
  if (diffs.length) {
    console.log('\nOutputs against ser fp32 on the same input, largest absolute difference:');
    for (const r of diffs) {
      console.log(`  ${r.case}: ${Object.entries(r.output_max_abs_diff_vs_ser_fp32).map(([k, d]) => `${k} ${d.toExponential(1)}`).join(', ')}`);
    }
  }

  printNoise(results, columns, loadBefore, 'call');
  const failed = results.flatMap((r) => columns.filter((col) => r.sides[col.key]?.error)
    .map((col) => `${r.case}/${col.label}: ${r.sides[col.key].error}`));
  if (failed.length) console.log(`n/a:\n${failed.map((f) => `  ${f}`).join('\n')}`);

  console.log('\nProcess peak RSS, MB (lower is better; includes each runtime\'s own footprint):');
  console.log(table(results.map((r) => [r.case, ...columns.map((col) => cell(r, col, (x) => fmt(x.max_rss_mb, 0)))]),
    ['case', ...columns.map((col) => col.label)]));
}

async function main(opts) {
  checkBuilt();
  const cases = CASES.filter((c) => opts.cases.includes(c.name));
  const { columns, ratios: ratioList } = envColumns(selectedColumns(COLUMNS, opts), RATIOS, opts.env);
  opts.ratioList = ratioList;
  ensureModels(cases);
  const onnxError = opts.peers.includes('onnx') ? ensureOnnx(cases) : null;
  const loadBefore = os.loadavg()[0];
  const results = [];
  for (const c of cases) results.push(await runCase(c, columns, opts, onnxError));
  printReport(results, columns, opts, loadBefore);

  console.log(`\nwritten: ${writeResults('predict', { opts, columns, loadBefore, results })}`);
}

runScript('predict.js', parsePredictArgs, { worker, main });
