// Throughput (audio-seconds per second, at the best batch size tried) per number of transformer layers.
import type { EfficiencyReport } from '../schema';
import { CONFIG, type ChartSpec } from './common';

export function throughputSpec(e: EfficiencyReport): ChartSpec | null {
  const values = e.rows.map((r) => ({ layers: r.numLayers, ...r.throughput }));
  if (values.length === 0) return null;
  return {
    description: 'Throughput in audio-seconds per second per number of transformer layers',
    config: CONFIG,
    width: Math.max(220, 70 * values.length),
    height: 240,
    data: { values },
    encoding: {
      x: { field: 'layers', type: 'ordinal', title: 'transformer layers', axis: { labelAngle: 0 } },
      y: { field: 'audioSecondsPerSecond', type: 'quantitative', title: 'throughput (audio-s / s)' },
    },
    layer: [
      {
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: {
          tooltip: [
            { field: 'layers' },
            { field: 'audioSecondsPerSecond', format: '.3f', title: 'audio-s / s' },
            { field: 'batchSize', title: 'batch' },
            { field: 'clipSeconds', title: 'clip (s)' },
          ],
        },
      },
      { mark: { type: 'text', dy: -6, fontSize: 10 }, encoding: { text: { field: 'audioSecondsPerSecond', type: 'quantitative', format: '.1f' } } },
    ],
  };
}
