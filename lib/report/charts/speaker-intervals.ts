// Individual fairness on one test set: each speaker's bootstrapped CCC (the mean as a dot, the 95 %
// interval as a whisker), one panel per dimension.
import { DIMENSIONS } from '../../types';
import type { SetReport } from '../schema';
import { CONFIG, cccFloor, genderScale, type ChartSpec } from './common';

export function speakerIntervalsSpec(set: SetReport): ChartSpec | null {
  const speakers = Object.entries(set.fairness?.bySpeaker ?? {});
  const values = speakers.flatMap(([speaker, s]) =>
    DIMENSIONS.flatMap((d) => {
      const b = s.bootstrap[d];
      return b ? [{ speaker, gender: s.gender ?? 'unknown', n: s.n, dimension: d, mean: b.mean, low: b.low, high: b.high }] : [];
    }),
  );
  if (values.length === 0) return null;
  const scale = genderScale([...new Set(values.map((v) => v.gender))]);
  const x = {
    field: 'mean',
    type: 'quantitative' as const,
    title: 'CCC',
    scale: { domain: [cccFloor(values.map((v) => v.low)), 1] },
  };
  const y = { field: 'speaker', type: 'nominal' as const, sort: speakers.map(([s]) => s), title: 'speaker' };
  const color = { field: 'gender', type: 'nominal' as const, scale, title: 'gender' };
  return {
    description: `Per-speaker CCC with 95 % bootstrap intervals on ${set.name}`,
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'dimension', type: 'nominal', sort: [...DIMENSIONS], title: null, header: { labelFontWeight: 'bold' } } },
    spec: {
      width: 200,
      height: { step: 18 },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { ...x, field: 'low' }, x2: { field: 'high' }, color } },
        {
          mark: { type: 'point', filled: true, size: 40 },
          encoding: {
            y,
            x,
            color,
            tooltip: [
              { field: 'speaker' },
              { field: 'gender' },
              { field: 'n' },
              { field: 'dimension' },
              { field: 'mean', format: '.3f', title: 'bootstrap mean' },
              { field: 'low', format: '.3f', title: '2.5 %' },
              { field: 'high', format: '.3f', title: '97.5 %' },
            ],
          },
        },
      ],
    },
  };
}
