// writeComparison(): compare.json and compare.html, several models' reports side by side.
import { buildComparison } from './comparison';
import { comparisonHtml } from './render-page';
import type { Report } from './schema';
import { checkOutDir, jsonText, writeFiles } from './write-files';

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
