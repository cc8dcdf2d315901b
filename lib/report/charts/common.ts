// What every chart shares: the Vega-Lite spec type, the look (fonts, sizes, grid), and fixed colours
// for the dimensions and genders so the same thing has the same colour in every chart.
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };

import { DIMENSIONS } from '../../types';

export type ChartSpec = TopLevelSpec;

/** A chart as a page places it: the spec, a heading, and the same numbers as an HTML table. */
export interface Chart {
  /** Unique on its page; also the `data-chart` attribute of its <figure>. */
  id: string;
  title: string;
  spec: ChartSpec;
  /** HTML shown under the chart (tables with data-key numbers, notes). */
  table: string;
  /** One line under the heading (what is plotted, what the marks mean). */
  caption?: string;
}

export const FONT = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif';

/** Vega-Lite config merged into every spec. */
export const CONFIG = {
  font: FONT,
  background: 'white',
  padding: 8,
  view: { stroke: '#d0d0d0' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' as const, gridColor: '#ececec' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal' as const },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 13, fontWeight: 'normal' as const, anchor: 'start' as const },
};

export const DIMENSION_SCALE = { domain: [...DIMENSIONS], range: ['#e45756', '#4c78a8', '#54a24b'] };

/** Female and male first with fixed colours; other group names take the next ones. */
export function genderScale(genders: string[]): { domain: string[]; range: string[] } {
  const fixed: Record<string, string> = { female: '#b279a2', male: '#72b7b2' };
  const extra = ['#f58518', '#9d755d', '#bab0ac', '#eeca3b'];
  const domain = [...genders].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  let next = 0;
  return { domain, range: domain.map((g) => fixed[g] ?? extra[next++ % extra.length]) };
}

function rank(g: string): number {
  return g === 'female' ? 0 : g === 'male' ? 1 : 2;
}

/** The lowest value a CCC axis starts at: 0, or below it when a value is negative. */
export function cccFloor(values: number[]): number {
  const min = Math.min(0, ...values);
  return min < 0 ? Math.floor(min * 10) / 10 : 0;
}
