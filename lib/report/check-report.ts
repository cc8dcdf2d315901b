// Checks that a value is a report.json this version reads: the schema and version first, then the
// shape of every field the pages use, so a wrong or damaged file is an InputError that names the file
// (or the call) and the field, not a TypeError halfway through drawing a chart.
import { InputError } from '../errors';
import { DIMENSIONS } from '../types';
import { describeValue } from '../validate';
import { REPORT_SCHEMA, REPORT_VERSION, type Report } from './schema';

type Obj = Record<string, unknown>;

class Checker {
  constructor(private readonly source: string) {}

  fail(path: string, what: string, v: unknown): never {
    throw new InputError(`${this.source}: '${path}' must be ${what}, got ${describeValue(v)}`);
  }

  object(v: unknown, path: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Obj;
  }

  objectOrNull(v: unknown, path: string): Obj | null {
    return v === null ? null : this.object(v, path);
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'an array', v);
    return v;
  }

  string(v: unknown, path: string): void {
    if (typeof v !== 'string') this.fail(path, 'a string', v);
  }

  stringOrNull(v: unknown, path: string): void {
    if (v !== null) this.string(v, path);
  }

  number(v: unknown, path: string): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(path, 'a finite number', v);
  }

  numberOrNull(v: unknown, path: string): void {
    if (v !== null) this.number(v, path);
  }

  oneOf(v: unknown, path: string, allowed: readonly string[]): void {
    if (typeof v !== 'string' || !allowed.includes(v)) this.fail(path, `one of ${allowed.join(', ')}`, v);
  }

  dimensionKeys(o: Obj, path: string): void {
    for (const k of Object.keys(o)) {
      if (!(DIMENSIONS as readonly string[]).includes(k)) this.fail(`${path}.${k}`, `a dimension (${DIMENSIONS.join(', ')})`, k);
    }
  }

  /** A number (or null) per dimension. */
  scores(v: unknown, path: string): void {
    const o = this.object(v, path);
    this.dimensionKeys(o, path);
    for (const [k, x] of Object.entries(o)) this.numberOrNull(x, `${path}.${k}`);
  }

  /** An object whose values all pass `each`. */
  record(v: unknown, path: string, each: (x: unknown, p: string) => void): void {
    for (const [k, x] of Object.entries(this.object(v, path))) each(x, `${path}.${k}`);
  }

  numbers(o: Obj, path: string, keys: string[]): void {
    for (const k of keys) this.number(o[k], `${path}.${k}`);
  }
}

function checkFairness(c: Checker, v: unknown, path: string): void {
  const f = c.objectOrNull(v, path);
  if (!f) return;
  c.record(f.byGender, `${path}.byGender`, (g, p) => {
    const o = c.object(g, p);
    c.number(o.n, `${p}.n`);
    c.scores(o.ccc, `${p}.ccc`);
    c.scores(o.meanError, `${p}.meanError`);
  });
  if (f.genderGap !== null) c.scores(f.genderGap, `${path}.genderGap`);
  if (f.bias !== null) c.scores(f.bias, `${path}.bias`);
  c.number(f.minSpeakerSamples, `${path}.minSpeakerSamples`);
  c.numbers(c.object(f.bootstrap, `${path}.bootstrap`), `${path}.bootstrap`, ['samples', 'repetitions', 'seed']);
  c.record(f.bySpeaker, `${path}.bySpeaker`, (s, p) => {
    const o = c.object(s, p);
    c.number(o.n, `${p}.n`);
    c.stringOrNull(o.gender, `${p}.gender`);
    c.scores(o.ccc, `${p}.ccc`);
    const b = c.object(o.bootstrap, `${p}.bootstrap`);
    c.dimensionKeys(b, `${p}.bootstrap`);
    for (const [d, i] of Object.entries(b)) {
      const iv = c.objectOrNull(i, `${p}.bootstrap.${d}`);
      if (iv) c.numbers(iv, `${p}.bootstrap.${d}`, ['mean', 'std', 'low', 'high']);
    }
  });
  const spread = c.object(f.speakerSpread, `${path}.speakerSpread`);
  c.dimensionKeys(spread, `${path}.speakerSpread`);
  for (const [d, s] of Object.entries(spread)) {
    const o = c.objectOrNull(s, `${path}.speakerSpread.${d}`);
    if (o) c.numbers(o, `${path}.speakerSpread.${d}`, ['speakers', 'min', 'max', 'mean', 'std']);
  }
}

function checkSet(c: Checker, v: unknown, path: string): void {
  const s = c.object(v, path);
  c.string(s.name, `${path}.name`);
  c.string(s.manifest, `${path}.manifest`);
  const range = c.array(s.labelRange, `${path}.labelRange`);
  if (range.length !== 2) c.fail(`${path}.labelRange`, 'two numbers [min, max]', range);
  range.forEach((x, i) => c.number(x, `${path}.labelRange.${i}`));
  c.record(s.columns, `${path}.columns`, (d, p) => c.oneOf(d, p, DIMENSIONS));
  c.numbers(s, path, ['rows', 'n']);
  c.array(s.dimensions, `${path}.dimensions`).forEach((d, i) => c.oneOf(d, `${path}.dimensions.${i}`, DIMENSIONS));
  c.scores(s.ccc, `${path}.ccc`);
  c.numberOrNull(s.cccMean, `${path}.cccMean`);
  checkFairness(c, s.fairness, `${path}.fairness`);
  const scatter = c.object(s.scatter, `${path}.scatter`);
  c.dimensionKeys(scatter, `${path}.scatter`);
  for (const [d, pts] of Object.entries(scatter)) {
    const o = c.object(pts, `${path}.scatter.${d}`);
    const gold = c.array(o.gold, `${path}.scatter.${d}.gold`);
    const pred = c.array(o.pred, `${path}.scatter.${d}.pred`);
    if (gold.length !== pred.length) c.fail(`${path}.scatter.${d}.pred`, `as long as gold (${gold.length})`, `${pred.length} values`);
    gold.forEach((x, i) => c.number(x, `${path}.scatter.${d}.gold.${i}`));
    pred.forEach((x, i) => c.number(x, `${path}.scatter.${d}.pred.${i}`));
  }
}

const SUITES = ['paper', 'preprint'] as const;

function checkRobustness(c: Checker, v: unknown, path: string): void {
  const r = c.objectOrNull(v, path);
  if (!r) return;
  c.array(r.suites, `${path}.suites`).forEach((s, i) => c.oneOf(s, `${path}.suites.${i}`, SUITES));
  c.number(r.seed, `${path}.seed`);
  const noise = c.object(r.noise, `${path}.noise`);
  c.oneOf(noise.source, `${path}.noise.source`, ['folder', 'builtin']);
  c.stringOrNull(noise.folder, `${path}.noise.folder`);
  c.array(noise.classes, `${path}.noise.classes`).forEach((x, i) => c.string(x, `${path}.noise.classes.${i}`));
  c.number(r.threshold, `${path}.threshold`);
  c.array(r.conditions, `${path}.conditions`).forEach((x, i) => {
    const o = c.object(x, `${path}.conditions.${i}`);
    c.string(o.name, `${path}.conditions.${i}.name`);
    c.oneOf(o.suite, `${path}.conditions.${i}.suite`, SUITES);
    c.string(o.description, `${path}.conditions.${i}.description`);
  });
  c.array(r.results, `${path}.results`).forEach((x, i) => {
    const p = `${path}.results.${i}`;
    const o = c.object(x, p);
    c.string(o.set, `${p}.set`);
    c.string(o.condition, `${p}.condition`);
    for (const k of ['ccc', 'delta', 'stableShare']) if (o[k] !== undefined) c.scores(o[k], `${p}.${k}`);
  });
  c.array(r.summary, `${path}.summary`).forEach((x, i) => {
    const o = c.object(x, `${path}.summary.${i}`);
    c.string(o.set, `${path}.summary.${i}.set`);
    c.oneOf(o.suite, `${path}.summary.${i}.suite`, SUITES);
    c.scores(o.mean, `${path}.summary.${i}.mean`);
  });
}

function checkEfficiency(c: Checker, v: unknown, path: string): void {
  const e = c.objectOrNull(v, path);
  if (!e) return;
  c.numbers(e, path, ['parameters', 'sizeOnDiskBytes', 'loadSeconds', 'peakRssBytes', 'threads']);
  c.array(e.rows, `${path}.rows`).forEach((x, i) => {
    const p = `${path}.rows.${i}`;
    const o = c.object(x, p);
    c.numbers(o, p, ['numLayers', 'parameters', 'loadSeconds']);
    c.array(o.latency, `${p}.latency`).forEach((l, j) => c.numbers(c.object(l, `${p}.latency.${j}`), `${p}.latency.${j}`, ['clipSeconds', 'p50Ms', 'p95Ms', 'runs']));
    c.numbers(c.object(o.throughput, `${p}.throughput`), `${p}.throughput`, ['batchSize', 'clipSeconds', 'audioSecondsPerSecond']);
    if (o.ccc !== null) c.scores(o.ccc, `${p}.ccc`);
  });
}

function checkConvergence(c: Checker, v: unknown, path: string): void {
  const conv = c.objectOrNull(v, path);
  if (!conv) return;
  c.string(conv.runDir, `${path}.runDir`);
  c.array(conv.points, `${path}.points`).forEach((x, i) => {
    const p = `${path}.points.${i}`;
    const o = c.object(x, p);
    c.numbers(o, p, ['step', 'epoch']);
    c.numberOrNull(o.trainLoss, `${p}.trainLoss`);
    c.scores(o.devCcc, `${p}.devCcc`);
    c.numberOrNull(o.devCccMean, `${p}.devCccMean`);
  });
}

/**
 * `value` as a Report, or an InputError whose message starts with `source` (a file name or a call)
 * and names the first field that is wrong.
 */
export function checkReport(value: unknown, source: string): Report {
  const c = new Checker(source);
  const r = c.object(value, 'the report');
  if (r.schema !== REPORT_SCHEMA) {
    throw new InputError(`${source}: not a ser-torch report ('schema' is ${describeValue(r.schema)}, expected "${REPORT_SCHEMA}")`);
  }
  if (r.version !== REPORT_VERSION) {
    throw new InputError(`${source}: report version ${describeValue(r.version)} is not one this ser-torch reads (version ${REPORT_VERSION})`);
  }
  c.string(r.createdAt, 'createdAt');
  const sw = c.object(r.software, 'software');
  for (const k of ['serTorch', 'libtorch', 'node']) c.string(sw[k], `software.${k}`);
  const m = c.object(r.model, 'model');
  for (const k of ['name', 'modelType', 'precision', 'device']) c.string(m[k], `model.${k}`);
  c.stringOrNull(m.path, 'model.path');
  c.array(m.architectures, 'model.architectures').forEach((x, i) => c.string(x, `model.architectures.${i}`));
  c.array(m.labels, 'model.labels').forEach((x, i) => c.string(x, `model.labels.${i}`));
  c.numbers(m, 'model', ['numLayers', 'parameters']);
  c.array(r.sets, 'sets').forEach((s, i) => checkSet(c, s, `sets.${i}`));
  const over = c.object(r.meanOverSets, 'meanOverSets');
  c.scores(over.ccc, 'meanOverSets.ccc');
  c.numberOrNull(over.cccMean, 'meanOverSets.cccMean');
  checkRobustness(c, r.robustness, 'robustness');
  checkEfficiency(c, r.efficiency, 'efficiency');
  checkConvergence(c, r.convergence, 'convergence');
  c.array(r.skipped, 'skipped').forEach((x, i) => {
    const o = c.object(x, `skipped.${i}`);
    for (const k of ['set', 'file', 'reason']) c.string(o[k], `skipped.${i}.${k}`);
    c.number(o.line, `skipped.${i}.line`);
  });
  c.number(r.seconds, 'seconds');
  return value as Report;
}
