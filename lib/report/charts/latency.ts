// Latency for one clip (batch 1) against the clip's length, a line per number of transformer layers
// kept: p50 solid, p95 dashed (no legend for the dashes: the page's caption says it).
import type { EfficiencyReport } from '../schema';
import { CONFIG, type ChartSpec } from './common';

export function latencySpec(e: EfficiencyReport): ChartSpec | null {
  const values = e.rows.flatMap((r) =>
    r.latency.flatMap((l) => [
      { layers: r.numLayers, clipSeconds: l.clipSeconds, percentile: 'p50', ms: l.p50Ms, runs: l.runs },
      { layers: r.numLayers, clipSeconds: l.clipSeconds, percentile: 'p95', ms: l.p95Ms, runs: l.runs },
    ]),
  );
  if (values.length === 0) return null;
  return {
    description: 'Latency p50 and p95 for one clip against the clip length, per number of transformer layers',
    config: CONFIG,
    width: 380,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'clipSeconds', type: 'quantitative', title: 'clip length (s)', axis: { values: [...new Set(values.map((v) => v.clipSeconds))], format: '~g' } },
      y: { field: 'ms', type: 'quantitative', title: 'latency, batch 1 (ms)' },
      color: { field: 'layers', type: 'ordinal', title: 'layers', scale: { scheme: 'viridis' } },
      strokeDash: {
        field: 'percentile',
        type: 'nominal',
        title: 'percentile',
        scale: { domain: ['p50', 'p95'], range: [[1, 0], [5, 3]] },
        // Vega's legend draws these dashes without a stroke colour; the figure's caption says it.
        legend: null,
      },
      detail: [{ field: 'layers' }, { field: 'percentile' }],
      tooltip: [
        { field: 'layers' },
        { field: 'clipSeconds', title: 'clip (s)' },
        { field: 'percentile' },
        { field: 'ms', format: '.3f', title: 'ms' },
        { field: 'runs' },
      ],
    },
  };
}
