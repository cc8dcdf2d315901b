// The comparison page's latency: median latency for one clip (batch 1) against the clip's length,
// a line per model, each at its full depth (the efficiency row with the most layers).
import type { EfficiencyReport } from '../schema';
import { CONFIG, type ChartSpec } from './common';

/** The row measured with the most layers: the model as loaded, unless pruned further. */
export function fullDepthRow(e: EfficiencyReport): number {
  let best = -1;
  e.rows.forEach((r, i) => {
    if (best < 0 || r.numLayers > e.rows[best].numLayers) best = i;
  });
  return best;
}

export function modelLatencySpec(models: Array<{ name: string; efficiency: EfficiencyReport | null }>): ChartSpec | null {
  const values = models.flatMap((m) => {
    if (!m.efficiency) return [];
    const i = fullDepthRow(m.efficiency);
    if (i < 0) return [];
    const row = m.efficiency.rows[i];
    return row.latency.map((l) => ({ model: m.name, layers: row.numLayers, clipSeconds: l.clipSeconds, p50Ms: l.p50Ms, p95Ms: l.p95Ms }));
  });
  if (values.length === 0) return null;
  const names = models.map((m) => m.name);
  return {
    description: 'Median latency for one clip against the clip length, per model at its full depth',
    config: CONFIG,
    width: 380,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'clipSeconds', type: 'quantitative', title: 'clip length (s)', axis: { values: [...new Set(values.map((v) => v.clipSeconds))], format: '~g' } },
      y: { field: 'p50Ms', type: 'quantitative', title: 'median latency, batch 1 (ms)' },
      color: { field: 'model', type: 'nominal', sort: names, scale: { domain: names, scheme: 'tableau10' }, title: 'model' },
      tooltip: [
        { field: 'model' },
        { field: 'layers' },
        { field: 'clipSeconds', title: 'clip (s)' },
        { field: 'p50Ms', format: '.3f', title: 'p50 (ms)' },
        { field: 'p95Ms', format: '.3f', title: 'p95 (ms)' },
      ],
    },
  };
}
