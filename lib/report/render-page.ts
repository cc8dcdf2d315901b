// The pages' HTML text: sections → charts rendered to SVG (one worker for the page) → the page.
// Kept apart from write-report.ts / compare.ts so the public entry points' declarations do not
// pull in the chart types.
import { compareSections } from './compare-sections';
import { modelsTable } from './compare-tables';
import type { Comparison } from './comparison';
import { escapeHtml } from './format';
import { htmlPage, type Section } from './html-page';
import { prefixSvgIds, renderSvgs } from './render-svg';
import { reportSections } from './report-sections';
import { headerHtml } from './report-tables';
import type { Report } from './schema';

export interface RenderedPage {
  html: string;
  /** Warnings of the chart compiler and renderer, as "chart-id: message" (none for a good report). */
  warnings: string[];
}

/** The SVG of every chart in the sections, by chart id. */
async function renderSections(sections: Section[]): Promise<{ svgs: Map<string, string>; warnings: string[] }> {
  const charts = sections.flatMap((s) => s.charts);
  const rendered = await renderSvgs(charts.map((c) => c.spec));
  const svgs = new Map(charts.map((c, i) => [c.id, prefixSvgIds(rendered[i].svg, `${c.id}-`)]));
  const warnings = charts.flatMap((c, i) => rendered[i].warnings.map((w) => `${c.id}: ${w}`));
  return { svgs, warnings };
}

/** report.html's text for a checked report. */
export async function reportHtml(report: Report): Promise<RenderedPage> {
  const sections = reportSections(report);
  const { svgs, warnings } = await renderSections(sections);
  return { html: htmlPage({ title: `ser-torch report: ${report.model.name}`, header: headerHtml(report), sections, svgs }), warnings };
}

/** compare.html's text for a comparison built by buildComparison(). */
export async function comparisonHtml(c: Comparison): Promise<RenderedPage> {
  const sections = compareSections(c.models);
  const { svgs, warnings } = await renderSections(sections);
  const n = c.models.length;
  const header =
    `<p class="muted">${n} model${n === 1 ? '' : 's'}, compared on ${escapeHtml(c.createdAt)}. ` +
    `Scores are on the labels' [0, 1] scale; – marks a score that cannot be computed.</p>${modelsTable(c.models)}`;
  return { html: htmlPage({ title: 'ser-torch comparison', header, sections, svgs }), warnings };
}
