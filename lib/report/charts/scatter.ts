// Predicted against gold values on one test set, one square panel per dimension, with the identity
// line (a perfect model's points lie on it). Large sets are thinned to an even sample for the plot.
import type { SetReport } from '../schema';
import { DIMENSIONS, type Dimension } from '../../types';
import { CONFIG, DIMENSION_SCALE, type ChartSpec } from './common';

/** Points drawn per panel at most: beyond it the SVG grows without showing more. */
export const MAX_SCATTER_POINTS = 1500;

/** Indices of an even sample of `n` items, at most `max` of them. */
export function evenSample(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

export function scatterDimensions(set: SetReport): Dimension[] {
  return DIMENSIONS.filter((d) => (set.scatter[d]?.gold.length ?? 0) > 0);
}

export function scatterSpec(set: SetReport): ChartSpec | null {
  const dims = scatterDimensions(set);
  if (dims.length === 0) return null;
  const panels = dims.map((d) => {
    const { gold, pred } = set.scatter[d] as { gold: number[]; pred: number[] };
    const idx = evenSample(gold.length, MAX_SCATTER_POINTS);
    const points = idx.map((i) => ({ gold: gold[i], pred: pred[i] }));
    const lo = Math.min(0, ...points.map((p) => Math.min(p.gold, p.pred)));
    const hi = Math.max(1, ...points.map((p) => Math.max(p.gold, p.pred)));
    const scale = { domain: [lo, hi], nice: false, zero: false };
    const ccc = set.ccc[d];
    return {
      title: `${d}${typeof ccc === 'number' ? ` (CCC ${ccc.toFixed(3)})` : ''}`,
      width: 200,
      height: 200,
      layer: [
        {
          data: { values: [{ v: lo }, { v: hi }] },
          mark: { type: 'line' as const, color: '#888888', strokeDash: [4, 3], aria: false },
          encoding: { x: { field: 'v', type: 'quantitative' as const, scale }, y: { field: 'v', type: 'quantitative' as const, scale } },
        },
        {
          data: { values: points },
          // No per-point aria label: thousands of them would triple the page; the table has the numbers.
          mark: { type: 'circle' as const, size: 10, opacity: 0.45, color: DIMENSION_SCALE.range[DIMENSIONS.indexOf(d)], aria: false },
          encoding: {
            x: { field: 'gold', type: 'quantitative' as const, title: `gold ${d}`, scale },
            y: { field: 'pred', type: 'quantitative' as const, title: `predicted ${d}`, scale },
          },
        },
      ],
    };
  });
  return {
    description: `Predicted against gold values on ${set.name}, per dimension, with the identity line`,
    config: CONFIG,
    hconcat: panels,
  };
}
