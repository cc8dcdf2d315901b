// `ser-torch report <report.json...> --out <dir>`: several models' reports side by side
// (compare.html and compare.json), one row or bar per model as the paper's tables and figures.
import { promises as fsp } from 'fs';
import * as path from 'path';

import type { Command } from 'commander';

import { writeComparison } from '../report/compare';
import { uniqueNames } from '../report/comparison';
import { readReport } from '../report/read-report';
import type { Report } from '../report/schema';

/** A folder stands for the report.json inside it (what `evaluate --report <dir>` writes). */
async function reportFile(arg: string): Promise<string> {
  const stat = await fsp.stat(arg).catch(() => null);
  return stat?.isDirectory() ? path.join(arg, 'report.json') : arg;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("put models' reports side by side: compare.html and compare.json (a row or bar per model)")
    .argument('<reports...>', 'report.json files (or the folders holding them) written by evaluate')
    .requiredOption('--out <dir>', 'folder for compare.html and compare.json')
    .action(async (args: string[], o: { out: string }) => {
      const reports: Report[] = [];
      // One at a time, so an error names the first bad file.
      for (const arg of args) reports.push(await readReport(await reportFile(arg)));
      const names = uniqueNames(reports.map((r) => r.model.name));
      const written = await writeComparison(names.map((name, i) => ({ name, report: reports[i] })), o.out);
      console.log(written.html);
      console.log(written.json);
    });
}
