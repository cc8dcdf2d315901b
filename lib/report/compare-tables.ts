// The tables of compare.html: one row per model (and set, or layer count), every number keyed to its
// place in compare.json.
import { fullDepthRow } from './charts/model-latency';
import type { ComparedModel } from './comparison';
import { keyPath as k, numberCell as num, rowHeader, table, textCell } from './format';
import { dimensionsOf } from './report-tables';

const M = (i: number) => ['models', i, 'report'];

export function modelsTable(models: ComparedModel[]): string {
  return table(
    'Models',
    ['model', 'type', 'layers', 'parameters', 'precision', 'device', 'evaluated', 'ser-torch', 'libtorch'],
    models.map((m, i) => {
      const r = m.report;
      return (
        rowHeader(m.name) + textCell(r.model.modelType) + num(k(...M(i), 'model', 'numLayers'), r.model.numLayers, 'int') +
        num(k(...M(i), 'model', 'parameters'), r.model.parameters, 'int') + textCell(r.model.precision) + textCell(r.model.device) +
        textCell(r.createdAt) + textCell(r.software.serTorch) + textCell(r.software.libtorch)
      );
    }),
  );
}

export function cccCompareTable(models: ComparedModel[]): string {
  const dims = dimensionsOf(...models.flatMap((m) => [...m.report.sets.map((s) => s.ccc), m.report.meanOverSets.ccc]));
  const rows = models.flatMap((m, i) => [
    ...m.report.sets.map(
      (s, j) => rowHeader(m.name) + textCell(s.name) + num(k(...M(i), 'sets', j, 'n'), s.n, 'int') + dims.map((d) => num(k(...M(i), 'sets', j, 'ccc', d), s.ccc[d])).join('') + num(k(...M(i), 'sets', j, 'cccMean'), s.cccMean),
    ),
    rowHeader(m.name) + textCell('mean over sets') + '<td></td>' + dims.map((d) => num(k(...M(i), 'meanOverSets', 'ccc', d), m.report.meanOverSets.ccc[d])).join('') + num(k(...M(i), 'meanOverSets', 'cccMean'), m.report.meanOverSets.cccMean),
  ]);
  return table('CCC per model, test set and dimension', ['model', 'set', 'n', ...dims, 'mean'], rows);
}

export function robustnessCompareTable(models: ComparedModel[], suite: 'paper' | 'preprint'): string {
  const having = models.map((m, i) => ({ m, i, s: m.robustness?.[suite] })).filter((x) => x.s);
  const dims = dimensionsOf(...having.map((x) => x.s?.mean));
  const measure = suite === 'paper' ? 'mean ΔCCC' : 'mean stable share';
  const overall = table(
    `${measure} over the sets and the ${suite} suite's conditions`,
    ['model', ...dims, 'mean'],
    having.map(({ m, i, s }) => rowHeader(m.name) + dims.map((d) => num(k('models', i, 'robustness', suite, 'mean', d), s?.mean[d])).join('') + num(k('models', i, 'robustness', suite, 'overall'), s?.overall)),
  );
  const perSet = table(
    `${measure} per test set`,
    ['model', 'set', ...dims],
    having.flatMap(({ m, i }) =>
      (m.report.robustness?.summary ?? []).flatMap((x, j) =>
        x.suite === suite ? [rowHeader(m.name) + textCell(x.set) + dims.map((d) => num(k(...M(i), 'robustness', 'summary', j, 'mean', d), x.mean[d])).join('')] : [],
      ),
    ),
  );
  return overall + `<details><summary>Per test set</summary>${perSet}</details>`;
}

export function fairnessCompareTable(models: ComparedModel[]): string {
  const sets = models.flatMap((m, i) => m.report.sets.map((s, j) => ({ m, i, s, j }))).filter((x) => x.s.fairness);
  const dims = dimensionsOf(...sets.map((x) => x.s.ccc));
  const rows = sets.map(({ m, i, s, j }) => {
    const f = s.fairness;
    const p = [...M(i), 'sets', j, 'fairness'];
    const cells = (field: 'genderGap' | 'bias') =>
      dims.map((d) => (f?.[field] ? num(k(...p, field, d), f[field]?.[d]) : textCell('–'))).join('');
    return rowHeader(m.name) + textCell(s.name) + cells('genderGap') + cells('bias');
  });
  return table(
    'Gender gap CCC(female) − CCC(male) and bias (mean error of female − male rows)',
    ['model', 'set', ...dims.map((d) => `gap ${d}`), ...dims.map((d) => `bias ${d}`)],
    rows,
  );
}

export function efficiencyCompareTable(models: ComparedModel[]): string {
  const having = models.map((m, i) => ({ m, i, e: m.report.efficiency })).filter((x) => x.e);
  const dims = dimensionsOf(...having.flatMap((x) => x.e?.rows.map((r) => r.ccc) ?? []));
  const rows = having.flatMap(({ m, i, e }) =>
    (e?.rows ?? []).map((r, j) => {
      const p = [...M(i), 'efficiency', 'rows', j];
      return (
        rowHeader(m.name) + num(k(...p, 'numLayers'), r.numLayers, 'int') + num(k(...p, 'parameters'), r.parameters, 'int') + num(k(...p, 'loadSeconds'), r.loadSeconds) +
        num(k(...p, 'throughput', 'audioSecondsPerSecond'), r.throughput.audioSecondsPerSecond) + dims.map((d) => (r.ccc ? num(k(...p, 'ccc', d), r.ccc[d]) : '<td></td>')).join('')
      );
    }),
  );
  const latency = having.flatMap(({ m, i, e }) => {
    if (!e) return [];
    const j = fullDepthRow(e);
    if (j < 0) return [];
    return e.rows[j].latency.map((l, n) => {
      const p = [...M(i), 'efficiency', 'rows', j];
      return rowHeader(m.name) + num(k(...p, 'numLayers'), e.rows[j].numLayers, 'int') + num(k(...p, 'latency', n, 'clipSeconds'), l.clipSeconds, 'plain') + num(k(...p, 'latency', n, 'p50Ms'), l.p50Ms) + num(k(...p, 'latency', n, 'p95Ms'), l.p95Ms);
    });
  });
  return (
    table('Per model and number of transformer layers', ['model', 'layers', 'parameters', 'load (s)', 'throughput (audio-s / s)', ...dims.map((d) => `CCC ${d}`)], rows) +
    table('Latency of one clip, batch 1, at full depth (ms)', ['model', 'layers', 'clip (s)', 'p50', 'p95'], latency)
  );
}
