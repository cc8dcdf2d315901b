// report.html's sections in order — generalisation, robustness, fairness, predictions, efficiency,
// convergence, skipped files — each with its charts (Vega-Lite specs) and tables. A section whose
// data is null keeps its heading and says in one line why it is empty.
import { cccBarsSpec } from './charts/ccc-bars';
import type { Chart, ChartSpec } from './charts/common';
import { convergenceSpec } from './charts/convergence';
import { genderBarsSpec } from './charts/gender-bars';
import { heatmapSpec, type HeatCell } from './charts/heatmap';
import { latencySpec } from './charts/latency';
import { layersCccSpec } from './charts/layers-ccc';
import { MAX_SCATTER_POINTS, scatterSpec } from './charts/scatter';
import { speakerIntervalsSpec } from './charts/speaker-intervals';
import { throughputSpec } from './charts/throughput';
import { escapeHtml, keyPath, numberSpan } from './format';
import type { Section } from './html-page';
import {
  cccTable,
  conditionsTable,
  convergenceTable,
  efficiencyFacts,
  efficiencyRowsTable,
  genderTable,
  latencyTable,
  robustnessSummaryTable,
  robustnessTable,
  scatterTable,
  skippedTable,
  speakerTable,
} from './report-tables';
import type { Report, RobustnessReport } from './schema';

/** A chart when its spec has data to draw (the spec builders return null otherwise). */
function chart(id: string, title: string, spec: ChartSpec | null, table: string, caption?: string): Chart[] {
  return spec ? [{ id, title, spec, table, caption }] : [];
}

function generalisation(r: Report): Section {
  const groups = [...r.sets.map((s) => ({ group: s.name, ccc: s.ccc })), { group: 'mean over sets', ccc: r.meanOverSets.ccc }];
  const charts = chart('ccc', 'CCC per test set and dimension', cccBarsSpec(groups), cccTable(r), 'The last group is the mean over the sets that have the dimension.');
  return {
    id: 'generalisation',
    title: 'Generalisation',
    charts,
    // No chart without a single score (every set too small); the table still shows the dashes.
    outro: charts.length ? undefined : cccTable(r),
    omitted: r.sets.length === 0 ? 'No test set was evaluated.' : undefined,
  };
}

function cells(rob: RobustnessReport, suite: 'paper' | 'preprint'): HeatCell[] {
  const names = new Set(rob.conditions.filter((c) => c.suite === suite).map((c) => c.name));
  return rob.results
    .filter((x) => names.has(x.condition))
    .flatMap((x) => {
      const scores = (suite === 'paper' ? x.delta : x.stableShare) ?? {};
      return Object.entries(scores)
        .filter((e): e is [string, number] => typeof e[1] === 'number')
        .map(([dimension, value]) => ({ set: x.set, condition: x.condition, dimension, value }));
    });
}

function noiseLine(rob: RobustnessReport): string {
  const classes = rob.noise.classes.map(escapeHtml).join(', ');
  return rob.noise.source === 'builtin'
    ? `<p><strong>Noise: ser-torch's built-in generated noise classes (${classes}), not recorded noise.</strong> Pass a folder of noise clips (one sub-folder per class, as the paper's ESC-50 classes) to evaluate against real noise.</p>`
    : `<p>Noise clips from <code>${escapeHtml(rob.noise.folder ?? '')}</code>, classes: ${classes}.</p>`;
}

function robustness(r: Report): Section {
  const rob = r.robustness;
  if (!rob) return { id: 'robustness', title: 'Robustness', charts: [], omitted: 'Robustness was not evaluated (no robustness option).' };
  const sets = r.sets.map((s) => s.name);
  const order = (suite: string) => rob.conditions.filter((c) => c.suite === suite).map((c) => c.name);
  const charts = [
    ...chart(
      'robustness-delta',
      "ΔCCC under the paper's perturbations",
      heatmapSpec(cells(rob, 'paper'), {
        description: 'CCC on perturbed audio minus CCC on clean audio, per condition, dimension and test set',
        measure: 'ΔCCC',
        conditions: order('paper'),
        sets,
        kind: 'delta',
      }),
      robustnessTable(r, rob, 'paper', 'delta', 'CCC(perturbed) − CCC(clean) per condition') +
        `<details><summary>CCC on the perturbed audio</summary>${robustnessTable(r, rob, 'paper', 'ccc', 'CCC(perturbed) per condition')}</details>`,
      'Per condition (rows) and dimension (columns), one panel per test set; blue: better than on clean audio, red: worse.',
    ),
    ...chart(
      'robustness-stable',
      "Stable share under the preprint's perturbations",
      heatmapSpec(cells(rob, 'preprint'), {
        description: `Share of predictions that moved by less than ${rob.threshold} under each condition, per dimension and test set`,
        measure: 'stable share',
        conditions: order('preprint'),
        sets,
        kind: 'share',
      }),
      robustnessTable(r, rob, 'preprint', 'stableShare', { html: `Share of outputs that moved by less than ${numberSpan(keyPath('robustness', 'threshold'), rob.threshold, 'plain')}` }),
      'The share of outputs that move by less than the threshold (1: nothing moved).',
    ),
  ];
  const intro =
    `<p>Suites: ${rob.suites.map(escapeHtml).join(' and ')}; perturbations seeded with ${numberSpan(keyPath('robustness', 'seed'), rob.seed, 'int')}; ` +
    `preprint threshold ${numberSpan(keyPath('robustness', 'threshold'), rob.threshold, 'plain')}.</p>${noiseLine(rob)}`;
  return {
    id: 'robustness',
    title: 'Robustness',
    intro,
    charts,
    outro: robustnessSummaryTable(r, rob) + `<details><summary>The conditions</summary>${conditionsTable(rob)}</details>`,
  };
}

function fairness(r: Report): Section {
  const withFairness = r.sets.map((s, i) => ({ s, i })).filter(({ s }) => s.fairness);
  if (withFairness.length === 0) return { id: 'fairness', title: 'Fairness', charts: [], omitted: 'Fairness was not evaluated (no fairness option).' };
  const without = r.sets.filter((s) => !s.fairness).map((s) => s.name);
  const charts = [
    ...chart(
      'fairness-gender',
      'CCC per gender',
      genderBarsSpec(withFairness.map(({ s }) => s)),
      withFairness.map(({ s, i }) => genderTable(s, i)).join(''),
      'Group fairness: the gap is CCC(female) − CCC(male); the bias is the difference of the groups\' mean errors.',
    ),
    ...withFairness.flatMap(({ s, i }) =>
      chart(
        `fairness-speakers-${i}`,
        `Per-speaker CCC on ${s.name}`,
        speakerIntervalsSpec(s),
        speakerTable(s, i),
        'Individual fairness: each dot is a speaker\'s bootstrapped CCC, the whisker its 95 % interval.',
      ),
    ),
  ];
  const speakerless = withFairness.filter(({ s }) => Object.keys(s.fairness?.bySpeaker ?? {}).length === 0).map(({ s }) => s.name);
  const notes = [
    ...(without.length ? [`No fairness scores for ${without.map(escapeHtml).join(', ')}.`] : []),
    ...(speakerless.length ? [`No speaker has more than the minimum number of rows in ${speakerless.map(escapeHtml).join(', ')}.`] : []),
  ];
  return { id: 'fairness', title: 'Fairness', intro: notes.map((n) => `<p class="muted">${n}</p>`).join(''), charts };
}

function predictions(r: Report): Section {
  const charts = r.sets.flatMap((s, i) =>
    chart(
      `scatter-${i}`,
      `Predicted against gold on ${s.name}`,
      scatterSpec(s),
      scatterTable(s, i, (n) => Math.min(n, MAX_SCATTER_POINTS)),
      `The dashed line is the identity (a perfect model); at most ${MAX_SCATTER_POINTS} evenly spaced points per panel are drawn.`,
    ),
  );
  return { id: 'predictions', title: 'Predictions against gold', charts, omitted: charts.length ? undefined : 'No set has predictions to plot.' };
}

function efficiency(r: Report): Section {
  const e = r.efficiency;
  if (!e) return { id: 'efficiency', title: 'Efficiency', charts: [], omitted: 'Efficiency was not measured (no efficiency option).' };
  const first = r.sets[0]?.name ?? 'the first set';
  const charts = [
    ...chart('efficiency-latency', 'Latency against clip length', latencySpec(e), latencyTable(e), 'One clip per call (batch 1); solid: median, dashed: 95th percentile.'),
    ...chart('efficiency-throughput', 'Throughput per number of layers', throughputSpec(e), efficiencyRowsTable(e), 'Audio-seconds processed per second at the best batch size tried.'),
    ...chart('efficiency-layers-ccc', `CCC on ${first} per number of layers`, layersCccSpec(e, first), '', 'The model pruned on load to its first N transformer layers.'),
  ];
  return { id: 'efficiency', title: 'Efficiency', intro: efficiencyFacts(e), charts };
}

function convergence(r: Report): Section {
  const c = r.convergence;
  if (!c) return { id: 'convergence', title: 'Convergence', charts: [], omitted: 'No training run was given, so there is no convergence curve.' };
  const charts = chart('convergence', 'Training loss and dev CCC', convergenceSpec(c.points), convergenceTable(r));
  return { id: 'convergence', title: 'Convergence', charts, omitted: charts.length ? undefined : `The training run in ${c.runDir} logged no evaluation.` };
}

function skipped(r: Report): Section {
  return {
    id: 'skipped',
    title: 'Skipped files',
    charts: [],
    outro: r.skipped.length ? skippedTable(r) : undefined,
    omitted: r.skipped.length ? undefined : 'No file was skipped: every row was decoded and scored.',
  };
}

export function reportSections(r: Report): Section[] {
  return [generalisation(r), robustness(r), fairness(r), predictions(r), efficiency(r), convergence(r), skipped(r)];
}
