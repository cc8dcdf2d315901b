// writeReport(): report.json (the Report as JSON) and report.html (one self-contained page: the
// charts rendered to SVG here, every number in tables keyed to report.json).
import { InputError } from '../errors';
import { describeValue } from '../validate';
import { checkReport } from './check-report';
import { reportHtml } from './render-page';
import type { Report } from './schema';
import { checkOutDir, jsonText, writeFiles } from './write-files';

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
