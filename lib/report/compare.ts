// writeComparison(): compare.json and compare.html, several models' reports side by side.
import { compareSections } from './compare-sections';
import { modelsTable } from './compare-tables';
import { buildComparison, type Comparison } from './comparison';
import { escapeHtml } from './format';
import { htmlPage } from './html-page';
import type { Report } from './schema';
import { checkOutDir, writeFiles } from './write-files';
import { jsonText, renderSections, type RenderedPage } from './write-report';

/** compare.html's text for a comparison built by buildComparison(). */
export async function comparisonHtml(c: Comparison): Promise<RenderedPage> {
  const sections = compareSections(c.models);
  const { svgs, warnings } = await renderSections(sections);
  const header = `<p class="muted">${c.models.length} model${c.models.length === 1 ? '' : 's'}, compared on ${escapeHtml(c.createdAt)}. Scores are on the labels' [0, 1] scale; – marks a score that cannot be computed.</p>${modelsTable(c.models)}`;
  return { html: htmlPage({ title: 'ser-torch comparison', header, sections, svgs }), warnings };
}

/**
 * Writes `outDir/compare.json` and `outDir/compare.html`: one row or bar per model in each of the
 * paper's tables and figures. Names must be unique (see uniqueNames()); each report is checked
 * as readReport() checks a file.
 */
export async function writeComparison(reports: Array<{ name: string; report: Report }>, outDir: string): Promise<{ json: string; html: string }> {
  checkOutDir('writeComparison', outDir);
  const comparison = buildComparison(reports);
  const { html } = await comparisonHtml(comparison);
  const files = await writeFiles(outDir, { 'compare.json': jsonText(comparison), 'compare.html': html });
  return { json: files['compare.json'], html: files['compare.html'] };
}
