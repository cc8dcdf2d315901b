// Fairness between groups: CCC per gender and dimension as grouped bars, one panel per test set.
import { DIMENSIONS } from '../../types';
import type { SetReport } from '../schema';
import { CONFIG, cccFloor, genderScale, type ChartSpec } from './common';

export function genderBarsSpec(sets: SetReport[]): ChartSpec | null {
  const values = sets.flatMap((s) =>
    Object.entries(s.fairness?.byGender ?? {}).flatMap(([gender, g]) =>
      DIMENSIONS.filter((d) => typeof g.ccc[d] === 'number').map((d) => ({ set: s.name, gender, dimension: d, ccc: g.ccc[d] as number, n: g.n })),
    ),
  );
  if (values.length === 0) return null;
  const genders = [...new Set(values.map((v) => v.gender))];
  const scale = genderScale(genders);
  return {
    description: 'CCC per gender and dimension on each test set with fairness scores',
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'set', type: 'nominal', sort: sets.map((s) => s.name), title: null, header: { labelFontWeight: 'bold' } } },
    spec: {
      width: 240,
      height: 200,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'dimension', type: 'nominal', sort: [...DIMENSIONS], title: 'dimension', axis: { labelAngle: 0 } },
        xOffset: { field: 'gender', sort: scale.domain },
        y: { field: 'ccc', type: 'quantitative', title: 'CCC', scale: { domain: [cccFloor(values.map((v) => v.ccc)), 1] } },
        color: { field: 'gender', type: 'nominal', scale, title: 'gender' },
        tooltip: [{ field: 'set' }, { field: 'gender' }, { field: 'n' }, { field: 'dimension' }, { field: 'ccc', format: '.3f', title: 'CCC' }],
      },
    },
  };
}
