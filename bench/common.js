'use strict';
// What the column benchmarks (predict.js, train-step.js) share: paths and settings, argument
// parsing, column selection, the Python helpers, ratios, the noise check and the report file.
// Each script keeps its own cases, columns and measurement.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { median } = require('./numbers');

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(__dirname, '.cache');
const PYTHON = '/usr/bin/python3';
const SAMPLE_RATE = 16000;
/** A column whose slowest timed call is this much slower than its fastest is reported as noisy. */
const NOISY_SPREAD = 0.25;
const CORES = os.availableParallelism ? os.availableParallelism() : os.cpus().length;

/** The tuned PyTorch columns' environment: passive OpenMP waits, glibc malloc keeping freed activations. */
const TUNED_ENV = {
  OMP_WAIT_POLICY: 'PASSIVE',
  OPENBLAS_THREAD_TIMEOUT: '4', // what ser-torch sets before loading (lib/native.ts)
  MALLOC_MMAP_THRESHOLD_: '1073741824',
  MALLOC_TRIM_THRESHOLD_: '1073741824',
  MALLOC_TOP_PAD_: '67108864',
};

// Every column a script can have, in table order; `peer` is what --peers selects (ser-torch columns
// always run), `fixed` ones run at their precision whatever --precisions says.
const ALL_COLUMNS = [
  { key: 'ser-fp32', label: 'ser fp32', engine: 'ser', precision: 'fp32' },
  { key: 'ser-bf16', label: 'ser bf16', engine: 'ser', precision: 'bf16' },
  { key: 'ser-int8', label: 'ser int8', engine: 'ser', precision: 'int8' },
  { key: 'pt-default', label: 'PT default', engine: 'pytorch', precision: 'fp32', peer: 'default', fixed: true },
  { key: 'pt-fp32', label: 'PT fp32', engine: 'pytorch', precision: 'fp32', peer: 'tuned' },
  { key: 'pt-bf16', label: 'PT bf16', engine: 'pytorch', precision: 'bf16', peer: 'tuned' },
  { key: 'pt-int8', label: 'PT int8', engine: 'pytorch', precision: 'int8', peer: 'tuned' },
  { key: 'ort-fp32', label: 'ORT fp32', engine: 'onnx', precision: 'fp32', peer: 'onnx', fixed: true },
];

// [label, numerator column, denominator column]: what the precision work is judged by.
const ALL_RATIOS = [
  ['bf16/fp32', 'ser-bf16', 'ser-fp32'], // vs today
  ['bf16/PT bf16', 'ser-bf16', 'pt-bf16'],
  ['bf16/ORT', 'ser-bf16', 'ort-fp32'],
  ['int8/fp32', 'ser-int8', 'ser-fp32'],
  ['int8/PT int8', 'ser-int8', 'pt-int8'],
  ['fp32/PT def', 'ser-fp32', 'pt-default'],
  ['fp32/PT fp32', 'ser-fp32', 'pt-fp32'],
  ['fp32/ORT', 'ser-fp32', 'ort-fp32'],
];

/** A script's columns (those of ALL_COLUMNS at the given precisions) and the ratios between them. */
function columnSet(precisions, peers) {
  const columns = ALL_COLUMNS.filter((col) => precisions.includes(col.precision) && (!col.peer || peers.includes(col.peer)));
  const keys = new Set(columns.map((col) => col.key));
  return { columns, ratios: ALL_RATIOS.filter(([, a, b]) => keys.has(a) && keys.has(b)) };
}

// Environment settings a run can compare side by side, each column running once per selected
// setting in the same run: `--blas as-found,unset` (or `both`) runs OpenBLAS with
// OPENBLAS_CORETYPE as found (this project's environment sets Haswell) and unset (OpenBLAS picks
// the kernels for this CPU); `--aten-capability as-found,avx512` sets ATEN_CPU_CAPABILITY (ATen's
// vector kernels) before libtorch loads; `--fp32-linear openblas,onednn` sets ser-torch's
// SER_TORCH_FP32_LINEAR (its float32 Linear route). An axis applies to the engines it names; the
// other columns run once and serve every setting's ratios. The first choice of each axis is the
// base: its columns keep their plain keys; the others get `@<axis>-<choice>` keys and a tag.
const ENV_AXES = [
  {
    flag: '--blas', tag: 'blas', engines: ['ser', 'pytorch'], both: ['as-found', 'unset'],
    choices: { 'as-found': {}, unset: { OPENBLAS_CORETYPE: null }, haswell: { OPENBLAS_CORETYPE: 'Haswell' } },
    show: (choice) => (choice === 'as-found' ? (process.env.OPENBLAS_CORETYPE || 'unset') : choice === 'haswell' ? 'Haswell' : 'unset'),
  },
  {
    flag: '--aten-capability', tag: 'aten', engines: ['ser', 'pytorch'], both: ['as-found', 'avx512'],
    choices: { 'as-found': {}, default: { ATEN_CPU_CAPABILITY: 'default' }, avx2: { ATEN_CPU_CAPABILITY: 'avx2' }, avx512: { ATEN_CPU_CAPABILITY: 'avx512' } },
    show: (choice) => (choice === 'as-found' ? (process.env.ATEN_CPU_CAPABILITY || 'as-built') : choice),
  },
  {
    flag: '--fp32-linear', tag: 'linear', engines: ['ser'], both: ['openblas', 'onednn'],
    choices: { 'as-found': {}, auto: { SER_TORCH_FP32_LINEAR: 'auto' }, openblas: { SER_TORCH_FP32_LINEAR: 'openblas' }, onednn: { SER_TORCH_FP32_LINEAR: 'onednn' } },
    show: (choice) => (choice === 'as-found' ? (process.env.SER_TORCH_FP32_LINEAR || 'auto') : choice),
  },
];

/** The option setters of the environment axes, for parseArgs: each stores its choices in opts.env[flag]. */
function envAxisOptions() {
  return Object.fromEntries(ENV_AXES.map((axis) => [axis.flag, (v, o) => {
    const list = v === 'both' ? axis.both : v.split(',').filter(Boolean);
    for (const c of list) {
      if (!Object.hasOwn(axis.choices, c)) throw new Error(`${axis.flag}: unknown ${c} (known: both, ${Object.keys(axis.choices).join(', ')})`);
    }
    if (list.length === 0 || new Set(list).size !== list.length) throw new Error(`${axis.flag}: give distinct choices`);
    o.env = { ...(o.env || {}), [axis.flag]: list };
  }]));
}

/** Usage text of the environment axes. */
const ENV_USAGE = ENV_AXES.map((a) => `[${a.flag} both|${Object.keys(a.choices).join(',')}]`).join(' ');

/**
 * Every (column, setting) pair to run, and the ratios within each setting. `selected` is opts.env
 * (flag -> choices; absent axes run as found). A column is repeated only for the settings of the
 * axes that apply to its engine; a setting's ratio uses the base column where there is no copy.
 */
function envColumns(columns, ratioList, selected = {}) {
  const axes = ENV_AXES.filter((a) => selected[a.flag]);
  let variants = [{ picks: [] }];
  for (const axis of axes) {
    variants = variants.flatMap((v) => selected[axis.flag].map((choice, i) => ({ picks: [...v.picks, { axis, choice, base: i === 0 }] })));
  }
  const tagOf = (picks) => picks.map((p) => `${p.axis.tag} ${p.axis.show(p.choice)}`).join(', ');
  const suffixOf = (picks) => picks.filter((p) => !p.base).map((p) => `@${p.axis.tag}-${p.choice}`).join('');
  const out = [];
  const keys = new Set();
  for (const v of variants) {
    for (const col of columns) {
      const mine = v.picks.filter((p) => p.axis.engines.includes(col.engine));
      if (v.picks.some((p) => !p.base && !p.axis.engines.includes(col.engine))) continue; // the base column serves
      const key = col.key + suffixOf(mine);
      if (keys.has(key)) continue;
      keys.add(key);
      const env = Object.assign({}, ...mine.map((p) => p.axis.choices[p.choice]));
      const shown = mine.filter((p) => selected[p.axis.flag].length > 1 || p.choice !== 'as-found');
      out.push({ ...col, key, env, label: shown.length ? `${col.label} [${tagOf(shown)}]` : col.label });
    }
  }
  const ratiosOut = [];
  for (const v of variants) {
    const pick = (key) => {
      const col = columns.find((c) => c.key === key);
      const k = col && key + suffixOf(v.picks.filter((p) => p.axis.engines.includes(col.engine)));
      return k && keys.has(k) ? k : null;
    };
    const shown = v.picks.filter((p) => selected[p.axis.flag].length > 1);
    for (const [label, a, b] of ratioList) {
      const ka = pick(a);
      const kb = pick(b);
      if (!ka || !kb || (suffixOf(v.picks) && ka === a && kb === b)) continue;
      ratiosOut.push([shown.length ? `${label} [${tagOf(shown)}]` : label, ka, kb]);
    }
  }
  return { columns: out, ratios: ratiosOut };
}

/** `base` (an environment) with a column's settings: a null value removes the variable. */
function withEnv(base, patch = {}) {
  const env = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** A comma list of names from `accepted`; those outside `known` (another script's) are dropped. */
function listArg(value, known, name, accepted = known) {
  const list = value.split(',').filter(Boolean);
  if (name === '--peers' && list.length === 1 && list[0] === 'none') return [];
  for (const x of list) if (!accepted.includes(x)) throw new Error(`${name}: unknown ${x} (known: ${accepted.join(', ')})`);
  return list.filter((x) => known.includes(x));
}

/**
 * Parses argv into a copy of `defaults`. `options` maps an option taking a value to a setter
 * (value, opts); `flags` maps an option without one to a setter (opts). -h / --help prints `usage`
 * and exits.
 */
function parseArgs(argv, { defaults, options, flags = {}, usage }) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      console.log(usage);
      process.exit(0);
    } else if (Object.hasOwn(flags, a)) {
      flags[a](opts);
    } else if (Object.hasOwn(options, a)) {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      options[a](argv[++i], opts);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return opts;
}

/** The columns --peers and --precisions select; ser-torch columns always run, `fixed` ones at their precision. */
function selectedColumns(columns, opts) {
  return columns.filter((col) => (col.peer ? opts.peers.includes(col.peer) : true) &&
    (col.fixed || opts.precisions.includes(col.precision)));
}

/** The worker's require('..') is the built package: say so before starting columns that would all fail. */
function checkBuilt() {
  const main = path.join(ROOT, 'dist', 'lib', 'index.js');
  if (!fs.existsSync(main)) throw new Error('dist/lib/index.js is missing: build the package first (npm run build)');
}

/** Runs a Python helper of bench/ on the selected shapes; returns null or its failure as text. */
function python(script, shapes) {
  const r = spawnSync(PYTHON, [path.join(__dirname, script), ...shapes], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (r.stderr) process.stderr.write(r.stderr);
  if (!r.error && r.status === 0) return null;
  const last = (r.stderr || '').trim().split('\n').pop();
  return `${script} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})${last ? `: ${last}` : ''}`;
}

/** The cached random-weight models of the cases' shapes (bench/make-bench-models.py). */
function ensureModels(cases) {
  const failure = python('make-bench-models.py', [...new Set(cases.map((c) => c.shape))]);
  if (failure) throw new Error(`${failure}; it needs ${PYTHON} with python3-torch and python3-torchaudio`);
}

/** A worker's timing fields: a case's timed calls (seconds) as a median and audio-seconds per second. */
function timing(c, precision, times) {
  const med = median(times);
  return {
    shape: c.shape, batch: c.batch, seconds_audio: c.batch * c.seconds, precision,
    median_s: med, audio_s_per_s: (c.batch * c.seconds) / med, times_s: times,
  };
}

/** ser.info()'s fields every ser-torch column reports, and the process's peak RSS. */
function serAbout(info) {
  return {
    threads: info.threads, torch: info.torchVersion, blas: info.blas, blasLibrary: info.blasLibrary, blasCore: info.blasCore,
    parallelBackend: info.parallelBackend, warnings: info.warnings, cpu: info.cpu, cpuCapability: info.cpuCapability,
  };
}

/** Peak resident memory of this process so far (process.resourceUsage().maxRSS is in KiB). */
function maxRssMb() {
  return process.resourceUsage().maxRSS / 1024;
}

/** [label, numerator column, denominator column] -> the throughput ratio, or null where a side failed. */
function ratios(ratioList, sides) {
  const tp = (key) => (sides[key] && !sides[key].error ? sides[key].audio_s_per_s : null);
  return Object.fromEntries(ratioList.map(([label, a, b]) => [label, tp(a) && tp(b) ? tp(a) / tp(b) : null]));
}

/** The load average before the run, and the columns whose timed calls spread more than NOISY_SPREAD. */
function printNoise(results, columns, loadBefore, what) {
  const spread = (x) => Math.max(...x.times_s) / Math.min(...x.times_s) - 1;
  const noisy = results.flatMap((r) => columns
    .filter((col) => r.sides[col.key] && !r.sides[col.key].error && spread(r.sides[col.key]) > NOISY_SPREAD)
    .map((col) => `${r.case}/${col.label} +${(100 * spread(r.sides[col.key])).toFixed(0)}%`));
  console.log(`\nload average before the run: ${loadBefore.toFixed(2)} on ${CORES} cores`);
  if (noisy.length) {
    console.log(`noisy: slowest timed ${what} over the fastest: ${noisy.join(', ')}; something else may have ` +
      'been using the CPU, so the ratios are uncertain (run again, or with --iters 9)');
  }
}

/** Writes bench/.cache/<name>-results.json; returns its path relative to the repository. */
function writeResults(name, { opts, columns, loadBefore, results }) {
  fs.mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `${name}-results.json`);
  fs.writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(),
    host: { cores: CORES, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` },
    load_average_before: loadBefore,
    iters: opts.iters,
    warmup: opts.warmup,
    columns: Object.fromEntries(columns.map((col) => [col.key, col.label])),
    results,
  }, null, 2) + '\n');
  return path.relative(ROOT, file);
}

/**
 * A benchmark script's entry: parse the arguments (an error exits 2), then run the worker (when
 * --worker is given) or the driver. A failing worker prints {"error"} on stdout, which the driver
 * shows in the column as n/a, and its stack on stderr.
 */
function runScript(name, parse, { worker, main }) {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`bench/${name}: ${e.message}`);
    process.exit(2);
  }
  if (opts.worker) {
    worker(opts.worker, opts).catch((e) => {
      process.stdout.write(JSON.stringify({ error: e.message.split('\n')[0] }) + '\n');
      console.error(`bench/${name} worker ${opts.worker}: ${e.stack || e.message}`);
      process.exit(1);
    });
  } else {
    main(opts).catch((e) => {
      console.error(`bench/${name}: ${e.stack || e.message}`);
      process.exit(1);
    });
  }
}

module.exports = {
  ROOT, CACHE, PYTHON, SAMPLE_RATE, CORES, TUNED_ENV,
  columnSet, envAxisOptions, envColumns, ENV_USAGE, withEnv, listArg, parseArgs, selectedColumns, checkBuilt, python, ensureModels, serAbout, maxRssMb, timing, ratios, printNoise,
  writeResults, runScript,
};
