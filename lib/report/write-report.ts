// writeReport(): report.json (the Report as JSON) and report.html (one self-contained page: the
// charts rendered to SVG here, every number in tables keyed to report.json).
import { InputError } from '../errors';
import { describeValue } from '../validate';
import { checkReport } from './check-report';
import { htmlPage } from './html-page';
import { renderSvgs, prefixSvgIds } from './render-svg';
import { reportSections } from './report-sections';
import { headerHtml } from './report-tables';
import type { Report } from './schema';
import { checkOutDir, writeFiles } from './write-files';
import type { Section } from './html-page';

export interface RenderedPage {
  html: string;
  /** Warnings of the chart compiler and renderer, as "chart-id: message" (none for a good report). */
  warnings: string[];
}

/** The SVG of every chart in the sections, by chart id. */
export async function renderSections(sections: Section[]): Promise<{ svgs: Map<string, string>; warnings: string[] }> {
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

/** JSON text of a value: NaN and infinities become null (the schema's "cannot be computed"). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Writes `outDir/report.json` and `outDir/report.html` (the folder is created). The page is drawn
 * from the JSON as written, so the two always agree; a report that does not match the schema is an
 * InputError naming the field.
 */
export async function writeReport(report: Report, outDir: string): Promise<{ json: string; html: string }> {
  checkOutDir('writeReport', outDir);
  if (typeof report !== 'object' || report === null || Array.isArray(report)) {
    throw new InputError(`writeReport: 'report' must be the object evaluate() returns, got ${describeValue(report)}`);
  }
  let json: string;
  try {
    json = jsonText(report);
  } catch (error) {
    throw new InputError(`writeReport: the report cannot be written as JSON (${(error as Error).message})`, { cause: error });
  }
  const written = checkReport(JSON.parse(json), 'writeReport');
  const { html } = await reportHtml(written);
  const files = await writeFiles(outDir, { 'report.json': json, 'report.html': html });
  return { json: files['report.json'], html: files['report.html'] };
}
