// CCC on the first test set against the number of transformer layers kept (the paper's pruning
// result), a line per dimension; only rows that were scored.
import { DIMENSIONS } from '../../types';
import type { EfficiencyReport } from '../schema';
import { CONFIG, DIMENSION_SCALE, cccFloor, type ChartSpec } from './common';

export function layersCccSpec(e: EfficiencyReport, setName: string): ChartSpec | null {
  const values = e.rows.flatMap((r) =>
    DIMENSIONS.filter((d) => typeof r.ccc?.[d] === 'number').map((d) => ({ layers: r.numLayers, dimension: d, ccc: r.ccc?.[d] as number })),
  );
  if (values.length === 0) return null;
  return {
    description: `CCC on ${setName} against the number of transformer layers kept`,
    config: CONFIG,
    width: 320,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'layers', type: 'quantitative', title: 'transformer layers', axis: { values: e.rows.map((r) => r.numLayers), format: 'd' } },
      y: { field: 'ccc', type: 'quantitative', title: `CCC on ${setName}`, scale: { domain: [cccFloor(values.map((v) => v.ccc)), 1] } },
      color: { field: 'dimension', type: 'nominal', scale: DIMENSION_SCALE, title: 'dimension' },
      tooltip: [{ field: 'layers' }, { field: 'dimension' }, { field: 'ccc', format: '.3f', title: 'CCC' }],
    },
  };
}
