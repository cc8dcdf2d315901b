// readReport(): a report.json back into a Report, checked (schema, version, every field the pages use).
import { promises as fsp } from 'fs';

import { InputError, IoError } from '../errors';
import { checkReport } from './check-report';
import type { Report } from './schema';

/** Parses JSON from `file`; unreadable is an IoError, not JSON an InputError, both naming the file. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (error) {
    throw new IoError(`cannot read ${what} ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${file}: not JSON (${(error as Error).message})`, { cause: error });
  }
}

/** A report.json written by writeReport() (or evaluate's CLI), checked before it is trusted. */
export async function readReport(file: string): Promise<Report> {
  if (typeof file !== 'string' || file === '') throw new InputError(`readReport: 'file' must be a non-empty string, got ${typeof file}`);
  return checkReport(await readJsonFile(file, 'report'), file);
}
