// CCC per test set and dimension as grouped bars (one group per set, then the mean over the sets).
import type { Scores } from '../schema';
import { DIMENSIONS } from '../../types';
import { CONFIG, DIMENSION_SCALE, cccFloor, type ChartSpec } from './common';

export interface CccGroup {
  /** The x-axis label: a set's name, or "mean over sets". */
  group: string;
  ccc: Scores;
}

export function cccBarsSpec(groups: CccGroup[]): ChartSpec | null {
  const values = groups.flatMap((g) =>
    DIMENSIONS.filter((d) => typeof g.ccc[d] === 'number').map((d) => ({ group: g.group, dimension: d, ccc: g.ccc[d] as number })),
  );
  if (values.length === 0) return null;
  const x = { field: 'group', type: 'nominal' as const, sort: groups.map((g) => g.group), title: 'test set', axis: { labelAngle: 0 } };
  const y = { field: 'ccc', type: 'quantitative' as const, title: 'CCC', scale: { domain: [cccFloor(values.map((v) => v.ccc)), 1] } };
  const xOffset = { field: 'dimension', sort: [...DIMENSIONS] };
  return {
    description: 'Concordance correlation coefficient (CCC) per test set and dimension, and the mean over the sets',
    config: CONFIG,
    width: Math.max(360, groups.length * 130),
    height: 240,
    data: { values },
    encoding: { x, xOffset, y },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          color: { field: 'dimension', type: 'nominal', scale: DIMENSION_SCALE, title: 'dimension' },
          tooltip: [
            { field: 'group', title: 'set' },
            { field: 'dimension' },
            { field: 'ccc', format: '.3f', title: 'CCC' },
          ],
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 9, color: '#333' },
        encoding: { text: { field: 'ccc', type: 'quantitative', format: '.3f' } },
      },
    ],
  };
}
