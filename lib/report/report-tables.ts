// The tables of report.html: every number the charts show (and the rest of report.json), each cell
// keyed to its path in report.json.
import { DIMENSIONS, type Dimension } from '../types';
import { escapeHtml, type Html, keyPath as k, numberCell as num, numberSpan, rowHeader, table, textCell } from './format';
import type { EfficiencyReport, Report, RobustnessReport, SetReport } from './schema';

/** A key/value table: one row per fact, the value cell already HTML. */
function facts(caption: string, rows: Array<[string, string]>): string {
  return `<table class="facts-table"><caption>${escapeHtml(caption)}</caption><tbody>${rows
    .map(([name, cell]) => `<tr>${rowHeader(name)}${cell}</tr>`)
    .join('')}</tbody></table>`;
}

/** The dimensions present in any of these score objects, in the paper's order. */
export function dimensionsOf(...scores: Array<Partial<Record<Dimension, unknown>> | null | undefined>): Dimension[] {
  return DIMENSIONS.filter((d) => scores.some((s) => s && s[d] !== undefined));
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function headerHtml(r: Report): string {
  const m = r.model;
  const model = facts('Model', [
    ['name', textCell(m.name)],
    ['folder', textCell(m.path ?? '(a loaded model)')],
    ['type', textCell(m.modelType)],
    ['architectures', textCell(m.architectures.join(', '))],
    ['outputs', textCell(m.labels.join(', '))],
    ['transformer layers', num(k('model', 'numLayers'), m.numLayers, 'int')],
    ['parameters', num(k('model', 'parameters'), m.parameters, 'int')],
    ['precision', textCell(m.precision)],
    ['device', textCell(m.device)],
  ]);
  const run = facts('Run', [
    ['created', textCell(r.createdAt)],
    ['evaluation time (s)', num(k('seconds'), r.seconds)],
    ['ser-torch', textCell(r.software.serTorch)],
    ['libtorch', textCell(r.software.libtorch)],
    ['node', textCell(r.software.node)],
    ['robustness seed', r.robustness ? num(k('robustness', 'seed'), r.robustness.seed, 'int') : textCell('(not evaluated)')],
  ]);
  const sets = table(
    'Test sets (rows: in the manifest; scored: decoded and predicted; skipped: listed at the end)',
    ['set', 'manifest', 'label range', 'columns', 'rows', 'scored', 'skipped', 'dimensions', 'bootstrap seed'],
    r.sets.map((s, i) => {
      const columns = Object.entries(s.columns).map(([c, d]) => (c === d ? c : `${c} → ${d}`)).join(', ');
      const range = `<td class="num">${numberSpan(k('sets', i, 'labelRange', 0), s.labelRange[0], 'plain')} – ${numberSpan(k('sets', i, 'labelRange', 1), s.labelRange[1], 'plain')}</td>`;
      const skipped = r.skipped.filter((x) => x.set === s.name).length;
      return (
        rowHeader(s.name) + textCell(s.manifest) + range + textCell(columns) + num(k('sets', i, 'rows'), s.rows, 'int') +
        num(k('sets', i, 'n'), s.n, 'int') + `<td class="num">${skipped}</td>` + textCell(s.dimensions.join(', ')) +
        (s.fairness ? num(k('sets', i, 'fairness', 'bootstrap', 'seed'), s.fairness.bootstrap.seed, 'int') : textCell('–'))
      );
    }),
  );
  return `<p class="muted">Evaluated on ${escapeHtml(r.createdAt)} with ser-torch ${escapeHtml(r.software.serTorch)}. Scores are on the labels' [0, 1] scale; – marks a score that cannot be computed (fewer than 2 rows, no variance).</p><div class="facts">${model}${run}</div>${sets}`;
}

export function cccTable(r: Report): string {
  const dims = dimensionsOf(...r.sets.map((s) => s.ccc), r.meanOverSets.ccc);
  const rows = r.sets.map(
    (s, i) => rowHeader(s.name) + num(k('sets', i, 'n'), s.n, 'int') + dims.map((d) => num(k('sets', i, 'ccc', d), s.ccc[d])).join('') + num(k('sets', i, 'cccMean'), s.cccMean),
  );
  rows.push(
    rowHeader('mean over sets') + '<td></td>' + dims.map((d) => num(k('meanOverSets', 'ccc', d), r.meanOverSets.ccc[d])).join('') + num(k('meanOverSets', 'cccMean'), r.meanOverSets.cccMean),
  );
  return table('CCC per test set and dimension', ['set', 'n', ...dims, 'mean'], rows);
}

/** Results of one suite as rows of conditions and columns of set × dimension. */
export function robustnessTable(r: Report, rob: RobustnessReport, suite: 'paper' | 'preprint', field: 'delta' | 'ccc' | 'stableShare', caption: string | Html): string {
  const conditions = rob.conditions.filter((c) => c.suite === suite).map((c) => c.name);
  const columns = r.sets.flatMap((s) => s.dimensions.map((d) => ({ set: s.name, d })));
  const used = columns.filter((c) => rob.results.some((x) => x.set === c.set && x[field]?.[c.d] !== undefined));
  const rows = conditions.map((condition) => {
    const cells = used.map((c) => {
      const i = rob.results.findIndex((x) => x.set === c.set && x.condition === condition);
      return i < 0 ? '<td class="num"></td>' : num(k('robustness', 'results', i, field, c.d), rob.results[i][field]?.[c.d]);
    });
    return rowHeader(condition) + cells.join('');
  });
  return table(caption, ['condition', ...used.map((c) => `${c.set} ${c.d}`)], rows);
}

export function robustnessSummaryTable(r: Report, rob: RobustnessReport): string {
  const dims = dimensionsOf(...rob.summary.map((s) => s.mean));
  const rows = rob.summary.map(
    (s, i) => rowHeader(s.set) + textCell(s.suite === 'paper' ? 'mean ΔCCC' : 'mean stable share') + dims.map((d) => num(k('robustness', 'summary', i, 'mean', d), s.mean[d])).join(''),
  );
  return table('Mean over each suite\'s conditions, per set', ['set', 'measure', ...dims], rows);
}

export function conditionsTable(rob: RobustnessReport): string {
  return table('Conditions', ['condition', 'suite', 'what it does'], rob.conditions.map((c) => rowHeader(c.name) + textCell(c.suite) + textCell(c.description)));
}

export function genderTable(s: SetReport, i: number): string {
  const f = s.fairness;
  if (!f) return '';
  const dims = s.dimensions;
  const base = ['sets', i, 'fairness'];
  const rows = Object.entries(f.byGender).map(
    ([g, x]) =>
      rowHeader(g) + num(k(...base, 'byGender', g, 'n'), x.n, 'int') +
      dims.map((d) => num(k(...base, 'byGender', g, 'ccc', d), x.ccc[d])).join('') +
      dims.map((d) => num(k(...base, 'byGender', g, 'meanError', d), x.meanError[d])).join(''),
  );
  const blank = dims.map(() => '<td></td>').join('');
  rows.push(rowHeader('gap: CCC(female) − CCC(male)') + '<td></td>' + (f.genderGap ? dims.map((d) => num(k(...base, 'genderGap', d), f.genderGap?.[d])).join('') : dims.map(() => textCell('–')).join('')) + blank);
  rows.push(rowHeader('bias: error(female) − error(male)') + '<td></td>' + blank + (f.bias ? dims.map((d) => num(k(...base, 'bias', d), f.bias?.[d])).join('') : dims.map(() => textCell('–')).join('')));
  return table(
    `${s.name}: CCC and mean error (prediction − gold) per gender; the gap and bias need both female and male rows`,
    ['group', 'n', ...dims.map((d) => `CCC ${d}`), ...dims.map((d) => `mean error ${d}`)],
    rows,
  );
}

export function speakerTable(s: SetReport, i: number): string {
  const f = s.fairness;
  if (!f) return '';
  const base = ['sets', i, 'fairness', 'bySpeaker'];
  const rows = Object.entries(f.bySpeaker).flatMap(([name, sp]) =>
    s.dimensions.map((d) => {
      const b = sp.bootstrap[d];
      const p = [...base, name, 'bootstrap', d];
      const interval = b
        ? num(k(...p, 'mean'), b.mean) + num(k(...p, 'std'), b.std) + num(k(...p, 'low'), b.low) + num(k(...p, 'high'), b.high)
        : '<td class="num">–</td>'.repeat(4);
      return rowHeader(name) + textCell(sp.gender ?? '') + num(k(...base, name, 'n'), sp.n, 'int') + textCell(d) + num(k(...base, name, 'ccc', d), sp.ccc[d]) + interval;
    }),
  );
  const spread = table(
    'Spread of the per-speaker CCC across speakers',
    ['dimension', 'speakers', 'min', 'max', 'mean', 'std'],
    s.dimensions.map((d) => {
      const x = f.speakerSpread[d];
      const p = ['sets', i, 'fairness', 'speakerSpread', d];
      return rowHeader(d) + (x ? num(k(...p, 'speakers'), x.speakers, 'int') + num(k(...p, 'min'), x.min) + num(k(...p, 'max'), x.max) + num(k(...p, 'mean'), x.mean) + num(k(...p, 'std'), x.std) : '<td class="num">–</td>'.repeat(5));
    }),
  );
  const b = ['sets', i, 'fairness', 'bootstrap'];
  const main = table(
    {
      html:
        `${escapeHtml(s.name)}: speakers with more than ${numberSpan(k('sets', i, 'fairness', 'minSpeakerSamples'), f.minSpeakerSamples, 'int')} rows; ` +
        `CCC on all their rows, and bootstrapped (${numberSpan(k(...b, 'repetitions'), f.bootstrap.repetitions, 'int')} repetitions of ` +
        `${numberSpan(k(...b, 'samples'), f.bootstrap.samples, 'int')} rows drawn with replacement, seed ${numberSpan(k(...b, 'seed'), f.bootstrap.seed, 'int')})`,
    },
    ['speaker', 'gender', 'n', 'dimension', 'CCC', 'bootstrap mean', 'std', '2.5 %', '97.5 %'],
    rows,
  );
  return main + spread;
}

export function scatterTable(s: SetReport, i: number, shown: (n: number) => number): string {
  const rows = s.dimensions.map((d) => {
    const n = s.scatter[d]?.gold.length ?? 0;
    return rowHeader(d) + `<td class="num">${n}</td><td class="num">${shown(n)}</td>` + num(k('sets', i, 'ccc', d), s.ccc[d]);
  });
  const caption = `${escapeHtml(s.name)}: points in report.json, points drawn, and the CCC on every scored row (n = ${numberSpan(k('sets', i, 'n'), s.n, 'int')})`;
  return table({ html: caption }, ['dimension', 'points', 'drawn', 'CCC'], rows);
}

export function efficiencyFacts(e: EfficiencyReport): string {
  return facts('Measured on the full model', [
    ['parameters', num(k('efficiency', 'parameters'), e.parameters, 'int')],
    ['size on disk (bytes)', num(k('efficiency', 'sizeOnDiskBytes'), e.sizeOnDiskBytes, 'int') + textCell(mib(e.sizeOnDiskBytes))],
    ['load time (s)', num(k('efficiency', 'loadSeconds'), e.loadSeconds)],
    ['peak resident memory (bytes)', num(k('efficiency', 'peakRssBytes'), e.peakRssBytes, 'int') + textCell(mib(e.peakRssBytes))],
    ['threads', num(k('efficiency', 'threads'), e.threads, 'int')],
  ]);
}

export function efficiencyRowsTable(e: EfficiencyReport): string {
  const dims = dimensionsOf(...e.rows.map((r) => r.ccc));
  const rows = e.rows.map((r, i) => {
    const p = ['efficiency', 'rows', i];
    return (
      num(k(...p, 'numLayers'), r.numLayers, 'int') + num(k(...p, 'parameters'), r.parameters, 'int') + num(k(...p, 'loadSeconds'), r.loadSeconds) +
      num(k(...p, 'throughput', 'audioSecondsPerSecond'), r.throughput.audioSecondsPerSecond) + num(k(...p, 'throughput', 'batchSize'), r.throughput.batchSize, 'int') +
      num(k(...p, 'throughput', 'clipSeconds'), r.throughput.clipSeconds, 'plain') + dims.map((d) => (r.ccc ? num(k(...p, 'ccc', d), r.ccc[d]) : '<td></td>')).join('')
    );
  });
  return table(
    'Per number of transformer layers kept',
    ['layers', 'parameters', 'load (s)', 'throughput (audio-s / s)', 'best batch', 'clip (s)', ...dims.map((d) => `CCC ${d}`)],
    rows,
  );
}

export function latencyTable(e: EfficiencyReport): string {
  const rows = e.rows.flatMap((r, i) =>
    r.latency.map((l, j) => {
      const p = ['efficiency', 'rows', i, 'latency', j];
      return num(k('efficiency', 'rows', i, 'numLayers'), r.numLayers, 'int') + num(k(...p, 'clipSeconds'), l.clipSeconds, 'plain') + num(k(...p, 'p50Ms'), l.p50Ms) + num(k(...p, 'p95Ms'), l.p95Ms) + num(k(...p, 'runs'), l.runs, 'int');
    }),
  );
  return table('Latency of one clip, batch 1 (ms)', ['layers', 'clip (s)', 'p50', 'p95', 'runs'], rows);
}

export function convergenceTable(r: Report): string {
  const c = r.convergence;
  if (!c) return '';
  const dims = dimensionsOf(...c.points.map((p) => p.devCcc));
  const rows = c.points.map((pt, i) => {
    const p = ['convergence', 'points', i];
    return (
      num(k(...p, 'step'), pt.step, 'int') + num(k(...p, 'epoch'), pt.epoch, 'int') + num(k(...p, 'trainLoss'), pt.trainLoss) +
      dims.map((d) => num(k(...p, 'devCcc', d), pt.devCcc[d])).join('') + num(k(...p, 'devCccMean'), pt.devCccMean)
    );
  });
  return table(`Evaluations of the training run in ${c.runDir}`, ['step', 'epoch', 'train loss', ...dims.map((d) => `dev CCC ${d}`), 'dev CCC mean'], rows);
}

export function skippedTable(r: Report): string {
  return table(
    'Files that could not be scored (left out of every score, counted in the sets\' rows)',
    ['set', 'file', 'line', 'reason'],
    r.skipped.map((s, i) => textCell(s.set) + textCell(s.file) + num(k('skipped', i, 'line'), s.line, 'int') + textCell(s.reason)),
  );
}
