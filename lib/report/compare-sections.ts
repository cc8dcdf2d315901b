// compare.html's sections: the paper's tables and figures with one row or bar per model —
// generalisation (CCC per set and dimension), robustness (mean ΔCCC / stable share), fairness
// (gender gap and bias), efficiency (latency, throughput).
import type { Chart, ChartSpec } from './charts/common';
import { modelBarsSpec, type ModelBar } from './charts/model-bars';
import { modelLatencySpec } from './charts/model-latency';
import { cccCompareTable, efficiencyCompareTable, fairnessCompareTable, robustnessCompareTable } from './compare-tables';
import type { ComparedModel } from './comparison';
import { escapeHtml } from './format';
import type { Section } from './html-page';
import { DIMENSIONS } from '../types';

function chart(id: string, title: string, spec: ChartSpec | null, table: string, caption?: string): Chart[] {
  return spec ? [{ id, title, spec, table, caption }] : [];
}

function missing(models: ComparedModel[], has: (m: ComparedModel) => boolean, what: string): string {
  const names = models.filter((m) => !has(m)).map((m) => escapeHtml(m.name));
  return names.length ? `<p class="muted">No ${what} for ${names.join(', ')}.</p>` : '';
}

const ordered = (values: string[]) => [...new Set(values)];
const dimensionOrder = (values: string[]) => DIMENSIONS.filter((d) => values.includes(d));

function generalisation(models: ComparedModel[]): Section {
  const names = models.map((m) => m.name);
  const values: ModelBar[] = models.flatMap((m) => [
    ...m.report.sets.flatMap((s) => DIMENSIONS.flatMap((d) => (typeof s.ccc[d] === 'number' ? [{ model: m.name, panel: d, group: s.name, value: s.ccc[d] }] : []))),
    ...DIMENSIONS.flatMap((d) => {
      const v = m.report.meanOverSets.ccc[d];
      return typeof v === 'number' ? [{ model: m.name, panel: d, group: 'mean over sets', value: v }] : [];
    }),
  ]);
  const groups = ordered([...models.flatMap((m) => m.report.sets.map((s) => s.name)), 'mean over sets']);
  const spec = modelBarsSpec(values, {
    description: 'CCC per model, test set and dimension',
    measure: 'CCC',
    groupTitle: 'test set',
    models: names,
    groups,
    panels: dimensionOrder(values.map((v) => v.panel ?? '')),
    scale: 'ccc',
  });
  return { id: 'generalisation', title: 'Generalisation', charts: chart('compare-ccc', 'CCC per test set and dimension', spec, cccCompareTable(models), 'One panel per dimension, one bar per model.') };
}

function robustness(models: ComparedModel[]): Section {
  if (!models.some((m) => m.robustness)) return { id: 'robustness', title: 'Robustness', charts: [], omitted: 'No model has robustness results.' };
  const names = models.map((m) => m.name);
  const bars = (suite: 'paper' | 'preprint'): ModelBar[] =>
    models.flatMap((m) => {
      const s = m.robustness?.[suite];
      if (!s) return [];
      return [
        ...DIMENSIONS.flatMap((d) => (typeof s.mean[d] === 'number' ? [{ model: m.name, group: d, value: s.mean[d] }] : [])),
        ...(typeof s.overall === 'number' ? [{ model: m.name, group: 'mean', value: s.overall }] : []),
      ];
    });
  const paper = bars('paper');
  const preprint = bars('preprint');
  const groups = (v: ModelBar[]) => [...dimensionOrder(v.map((x) => x.group)), 'mean'];
  const charts = [
    ...chart(
      'compare-robustness',
      "Mean ΔCCC under the paper's perturbations",
      modelBarsSpec(paper, { description: 'Mean CCC change under the perturbations per model and dimension', measure: 'mean ΔCCC', groupTitle: 'dimension', models: names, groups: groups(paper), scale: 'signed' }),
      robustnessCompareTable(models, 'paper'),
      'CCC(perturbed) − CCC(clean), averaged over the conditions and the test sets; closer to 0 is more robust.',
    ),
    ...chart(
      'compare-stable',
      "Stable share under the preprint's perturbations",
      modelBarsSpec(preprint, { description: 'Mean share of stable predictions per model and dimension', measure: 'mean stable share', groupTitle: 'dimension', models: names, groups: groups(preprint), scale: 'ccc' }),
      robustnessCompareTable(models, 'preprint'),
      'The share of outputs that moved by less than the threshold, averaged over the conditions and the test sets.',
    ),
  ];
  return { id: 'robustness', title: 'Robustness', intro: missing(models, (m) => m.robustness !== null, 'robustness results'), charts };
}

function fairness(models: ComparedModel[]): Section {
  const sets = models.flatMap((m) => m.report.sets.filter((s) => s.fairness).map((s) => ({ m, s })));
  if (sets.length === 0) return { id: 'fairness', title: 'Fairness', charts: [], omitted: 'No model has fairness scores.' };
  const names = models.map((m) => m.name);
  const bars = (field: 'genderGap' | 'bias'): ModelBar[] =>
    sets.flatMap(({ m, s }) => DIMENSIONS.flatMap((d) => {
      const v = s.fairness?.[field]?.[d];
      return typeof v === 'number' ? [{ model: m.name, panel: s.name, group: d, value: v }] : [];
    }));
  const panels = ordered(sets.map(({ s }) => s.name));
  const options = (measure: string, values: ModelBar[]) => ({
    description: `${measure} per model, test set and dimension`,
    measure,
    groupTitle: 'dimension',
    models: names,
    groups: dimensionOrder(values.map((v) => v.group)),
    panels: panels.filter((p) => values.some((v) => v.panel === p)),
    scale: 'signed' as const,
  });
  const gap = bars('genderGap');
  const bias = bars('bias');
  const charts = [
    ...chart('compare-gender-gap', 'Gender gap: CCC(female) − CCC(male)', modelBarsSpec(gap, options('CCC gap', gap)), fairnessCompareTable(models), 'Above 0: the model does better on female speakers.'),
    ...chart('compare-bias', 'Bias: mean error of female − male speakers', modelBarsSpec(bias, options('bias', bias)), '', 'Above 0: the model predicts higher, relative to the gold values, for female speakers.'),
  ];
  return { id: 'fairness', title: 'Fairness', intro: missing(models, (m) => m.report.sets.some((s) => s.fairness), 'fairness scores'), charts };
}

function efficiency(models: ComparedModel[]): Section {
  if (!models.some((m) => m.report.efficiency)) return { id: 'efficiency', title: 'Efficiency', charts: [], omitted: 'No model has efficiency measurements.' };
  const names = models.map((m) => m.name);
  const throughput: ModelBar[] = models.flatMap((m) => (m.report.efficiency?.rows ?? []).map((r) => ({ model: m.name, group: String(r.numLayers), value: r.throughput.audioSecondsPerSecond })));
  const layers = [...new Set(models.flatMap((m) => (m.report.efficiency?.rows ?? []).map((r) => r.numLayers)))].sort((a, b) => a - b).map(String);
  const charts = [
    ...chart('compare-latency', 'Median latency against clip length', modelLatencySpec(models.map((m) => ({ name: m.name, efficiency: m.report.efficiency }))), '', 'One clip per call (batch 1), each model with all its layers.'),
    ...chart(
      'compare-throughput',
      'Throughput per number of layers',
      modelBarsSpec(throughput, { description: 'Throughput in audio-seconds per second per model and number of layers', measure: 'audio-s / s', groupTitle: 'transformer layers', models: names, groups: layers, scale: 'positive' }),
      efficiencyCompareTable(models),
      'Audio-seconds processed per second at the best batch size tried.',
    ),
  ];
  return { id: 'efficiency', title: 'Efficiency', intro: missing(models, (m) => m.report.efficiency !== null, 'efficiency measurements'), charts };
}

export function compareSections(models: ComparedModel[]): Section[] {
  return [generalisation(models), robustness(models), fairness(models), efficiency(models)];
}
