// The comparison page's bars: one bar per model inside each group (a set, a dimension, a layer
// count), optionally one panel per set or dimension, as the paper's figures put models side by side.
import { CONFIG, cccFloor, type ChartSpec } from './common';

export interface ModelBar {
  model: string;
  /** The x-axis group. */
  group: string;
  /** The panel (column facet); leave out for one panel. */
  panel?: string;
  value: number;
}

export interface ModelBarsOptions {
  description: string;
  /** The y axis's title. */
  measure: string;
  groupTitle: string;
  models: string[];
  groups: string[];
  panels?: string[];
  /** 'ccc': from 0 (or below) to 1; 'signed': around 0 (differences); 'positive': from 0. */
  scale: 'ccc' | 'signed' | 'positive';
}

export function modelBarsSpec(values: ModelBar[], o: ModelBarsOptions): ChartSpec | null {
  if (values.length === 0) return null;
  const domain =
    o.scale === 'ccc'
      ? [cccFloor(values.map((v) => v.value)), 1]
      : o.scale === 'signed'
        ? (() => {
            const reach = Math.max(0.05, ...values.map((v) => Math.abs(v.value)));
            return [-reach, reach];
          })()
        : undefined;
  // Each group wide enough for its bars and, up to a point, its label; longer labels are slanted.
  const groupWidth = Math.max(72, o.models.length * 22);
  const longest = Math.max(...o.groups.map((g) => g.length));
  const inner = {
    width: Math.max(160, o.groups.length * groupWidth),
    height: 220,
    mark: { type: 'bar' as const },
    encoding: {
      x: { field: 'group', type: 'nominal' as const, sort: o.groups, title: o.groupTitle, axis: { labelAngle: longest * 6.5 > groupWidth - 6 ? -30 : 0 } },
      xOffset: { field: 'model', sort: o.models },
      y: { field: 'value', type: 'quantitative' as const, title: o.measure, ...(domain ? { scale: { domain } } : {}) },
      color: { field: 'model', type: 'nominal' as const, sort: o.models, scale: { domain: o.models, scheme: 'tableau10' }, title: 'model', legend: { orient: 'top' as const } },
      tooltip: [{ field: 'model' }, ...(o.panels ? [{ field: 'panel' }] : []), { field: 'group', title: o.groupTitle }, { field: 'value', format: '.3f', title: o.measure }],
    },
  };
  if (!o.panels) return { description: o.description, config: CONFIG, data: { values }, ...inner };
  return {
    description: o.description,
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', sort: o.panels, title: null, header: { labelFontWeight: 'bold' } } },
    spec: inner,
  };
}
