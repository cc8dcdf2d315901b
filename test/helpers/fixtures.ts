// Paths and readers for the committed fixtures.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const fixturesDir = path.join(__dirname, '..', 'fixtures');
export const modelsDir = path.join(fixturesDir, 'models');
export const audioDir = path.join(fixturesDir, 'audio');

export interface ExpectedOutput {
  frames: number;
  last_hidden_state: number[];
  pooled: number[];
  logits?: number[];
}

export interface ExpectedCase {
  case: string;
  hidden_size: number;
  do_normalize: boolean;
  inputs: number[][];
  outputs: ExpectedOutput[];
  first2?: { outputs: ExpectedOutput[] };
}

export function modelCases(): string[] {
  return fs
    .readdirSync(modelsDir)
    .filter((d) => fs.existsSync(path.join(modelsDir, d, 'expected.json')))
    .sort();
}

export function readExpected(name: string): ExpectedCase {
  return readJson<ExpectedCase>(path.join(modelsDir, name, 'expected.json'));
}

/** A JSON file, typed as the caller says it is (a fixture, or a file ser-torch wrote). */
export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function maxAbsDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst;
}

/** A scratch copy of a fixture model folder, for tests that break it. */
export function copyModel(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ser-${name}-`));
  for (const f of fs.readdirSync(path.join(modelsDir, name))) {
    if (f !== 'expected.json') fs.copyFileSync(path.join(modelsDir, name, f), path.join(dir, f));
  }
  return dir;
}

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
