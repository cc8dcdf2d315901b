// A condition × dimension heat map per test set (one panel per set): the robustness ΔCCC of the
// paper's suite (diverging around 0) or the preprint's stable share (0 to 1), each cell labelled.
import { DIMENSIONS } from '../../types';
import { CONFIG, type ChartSpec } from './common';

export interface HeatCell {
  set: string;
  condition: string;
  dimension: string;
  value: number;
}

export interface HeatmapOptions {
  description: string;
  /** The colour legend's title, e.g. "ΔCCC". */
  measure: string;
  conditions: string[];
  sets: string[];
  /** 'delta': diverging around 0, symmetric; 'share': 0 to 1. */
  kind: 'delta' | 'share';
}

export function heatmapSpec(cells: HeatCell[], o: HeatmapOptions): ChartSpec | null {
  if (cells.length === 0) return null;
  const reach = Math.max(0.05, ...cells.map((c) => Math.abs(c.value)));
  // Dark cells take white text: beyond 60 % of the range.
  const dark = o.kind === 'delta' ? `abs(datum.value) > ${0.6 * reach}` : 'datum.value > 0.6';
  const x = { field: 'dimension', type: 'nominal' as const, sort: [...DIMENSIONS], title: 'dimension', axis: { labelAngle: 0 } };
  const y = { field: 'condition', type: 'nominal' as const, sort: o.conditions, title: 'condition' };
  return {
    description: o.description,
    config: CONFIG,
    data: { values: cells },
    facet: { column: { field: 'set', type: 'nominal', sort: o.sets, title: null, header: { labelFontWeight: 'bold' } } },
    spec: {
      width: { step: 64 },
      height: { step: 20 },
      encoding: { x, y },
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            color: { field: 'value', type: 'quantitative', scale: { scheme: o.kind === 'delta' ? 'redblue' : 'blues', domain: o.kind === 'delta' ? [-reach, reach] : [0, 1] }, title: o.measure },
            tooltip: [{ field: 'set' }, { field: 'condition' }, { field: 'dimension' }, { field: 'value', format: '.3f', title: o.measure }],
          },
        },
        {
          mark: { type: 'text', fontSize: 10 },
          encoding: {
            text: { field: 'value', type: 'quantitative', format: '.3f' },
            color: { condition: { test: dark, value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  };
}
