// A training run's convergence: the training loss and the dev CCC (per dimension and their mean)
// at each evaluation step, side by side.
import { DIMENSIONS } from '../../types';
import type { ConvergencePoint } from '../schema';
import { CONFIG, DIMENSION_SCALE, type ChartSpec } from './common';

export function convergenceSpec(points: ConvergencePoint[]): ChartSpec | null {
  const loss = points.filter((p) => typeof p.trainLoss === 'number').map((p) => ({ step: p.step, epoch: p.epoch, loss: p.trainLoss as number }));
  const dev = points.flatMap((p) => [
    ...DIMENSIONS.filter((d) => typeof p.devCcc[d] === 'number').map((d) => ({ step: p.step, series: d, ccc: p.devCcc[d] as number })),
    ...(typeof p.devCccMean === 'number' ? [{ step: p.step, series: 'mean', ccc: p.devCccMean }] : []),
  ]);
  if (loss.length === 0 && dev.length === 0) return null;
  const step = { field: 'step', type: 'quantitative' as const, title: 'training step' };
  const panels = [];
  if (loss.length > 0) {
    panels.push({
      title: 'training loss (1 − CCC)',
      width: 320,
      height: 220,
      data: { values: loss },
      mark: { type: 'line' as const, point: true, color: '#f58518' },
      encoding: {
        x: step,
        y: { field: 'loss', type: 'quantitative' as const, title: 'loss' },
        tooltip: [{ field: 'step' }, { field: 'epoch' }, { field: 'loss', format: '.3f' }],
      },
    });
  }
  if (dev.length > 0) {
    panels.push({
      title: 'dev CCC',
      width: 320,
      height: 220,
      data: { values: dev },
      mark: { type: 'line' as const, point: true },
      encoding: {
        x: step,
        y: { field: 'ccc', type: 'quantitative' as const, title: 'CCC' },
        color: {
          field: 'series',
          type: 'nominal' as const,
          title: 'dimension',
          scale: { domain: [...DIMENSION_SCALE.domain, 'mean'], range: [...DIMENSION_SCALE.range, '#333333'] },
        },
        tooltip: [{ field: 'step' }, { field: 'series', title: 'dimension' }, { field: 'ccc', format: '.3f', title: 'CCC' }],
      },
    });
  }
  return {
    description: 'Training loss and dev CCC per evaluation step',
    config: CONFIG,
    hconcat: panels,
    resolve: { scale: { color: 'independent' } },
  };
}
