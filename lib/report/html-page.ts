// The HTML page around the charts and tables: one self-contained file with inline CSS, inline SVG,
// no script, and a Content-Security-Policy that forbids loading anything, so it opens offline and
// cannot reach the network even by mistake.
import type { Chart } from './charts/common';
import { escapeHtml } from './format';

export interface Section {
  /** The element id (for the contents list). */
  id: string;
  title: string;
  /** HTML above the charts. */
  intro?: string;
  charts: Chart[];
  /** HTML below the charts. */
  outro?: string;
  /** When the section has no data: this one line instead of charts and tables. */
  omitted?: string;
}

const CSS = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 22px 0 6px; }
p { margin: 6px 0; }
.muted, caption, figcaption { color: var(--muted); }
nav ul { margin: 8px 0 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 6px 16px; }
nav a { color: #0969da; text-decoration: none; }
.facts { display: flex; flex-wrap: wrap; gap: 12px 28px; align-items: flex-start; }
figure { margin: 14px 0 26px; }
figure .chart { overflow-x: auto; }
figure svg { display: block; max-width: none; height: auto; }
figcaption { margin: 2px 0 8px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; }
caption { caption-side: top; text-align: left; padding: 0 0 4px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; }
tbody th { font-weight: 600; background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
details { margin: 4px 0 12px; }
summary { cursor: pointer; color: #0969da; }
.omitted { color: var(--muted); font-style: italic; }
.tables { overflow-x: auto; }
@media print { nav { display: none; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
`;

/** A chart's <figure>: heading, caption, the SVG, then its tables. */
function figure(chart: Chart, svg: string): string {
  return (
    `<figure class="chart-figure" data-chart="${escapeHtml(chart.id)}" id="chart-${escapeHtml(chart.id)}">` +
    `<h3>${escapeHtml(chart.title)}</h3>` +
    (chart.caption ? `<figcaption>${escapeHtml(chart.caption)}</figcaption>` : '') +
    `<div class="chart">${svg}</div>` +
    `<div class="tables">${chart.table}</div></figure>`
  );
}

function section(s: Section, svgOf: (id: string) => string): string {
  const body = s.omitted
    ? `<p class="omitted">${escapeHtml(s.omitted)}</p>`
    : `${s.intro ?? ''}${s.charts.map((c) => figure(c, svgOf(c.id))).join('')}${s.outro ? `<div class="tables">${s.outro}</div>` : ''}`;
  return `<section id="${escapeHtml(s.id)}" data-section="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${body}</section>`;
}

export interface PageParts {
  title: string;
  /** HTML under the <h1>: the summary facts. */
  header: string;
  sections: Section[];
  /** The rendered SVG of each chart, by chart id. */
  svgs: Map<string, string>;
}

export function htmlPage(p: PageParts): string {
  const svgOf = (id: string): string => {
    const svg = p.svgs.get(id);
    if (svg === undefined) throw new Error(`ser-torch report: no SVG for chart '${id}'`);
    return svg;
  };
  const nav = `<nav aria-label="contents"><ul>${p.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('')}</ul></nav>`;
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(p.title)}</title><style>${CSS}</style></head>\n<body><main>` +
    `<header><h1>${escapeHtml(p.title)}</h1>${p.header}${nav}</header>\n` +
    p.sections.map((s) => section(s, svgOf)).join('\n') +
    '\n</main></body></html>\n'
  );
}
