// Writing a page and its JSON: the folder is created, each file written under a temporary name and
// renamed, so a reader never sees half a report; failures are IoErrors naming the file.
import { promises as fsp } from 'fs';
import * as path from 'path';

import { InputError, IoError } from '../errors';

/** JSON text of a value: NaN and infinities become null (the schema's "cannot be computed"). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function checkOutDir(call: string, outDir: unknown): string {
  if (typeof outDir !== 'string' || outDir === '') throw new InputError(`${call}: 'outDir' must be a non-empty string, got ${typeof outDir}`);
  return outDir;
}

export async function writeFiles(outDir: string, files: Record<string, string>): Promise<Record<string, string>> {
  try {
    await fsp.mkdir(outDir, { recursive: true });
  } catch (error) {
    throw new IoError(`cannot create the report folder ${outDir}: ${(error as Error).message}`, { cause: error });
  }
  const written: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(outDir, name);
    const temporary = `${file}.${process.pid}-${Math.random().toString(36).slice(2, 8)}.tmp`;
    try {
      await fsp.writeFile(temporary, text, 'utf8');
      await fsp.rename(temporary, file);
    } catch (error) {
      await fsp.rm(temporary, { force: true });
      throw new IoError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
    }
    written[name] = file;
  }
  return written;
}
