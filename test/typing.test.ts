// The public types, checked by compiling test/types/public-api.ts (typed uses, and lines that must
// stay type errors) with the repository's TypeScript and tsconfig.json's options.
import * as path from 'path';

import * as ts from 'typescript';

const root = path.join(__dirname, '..');
const typesDir = path.join(root, 'test', 'types');

/** Compiles `file` (or, given `text`, a virtual file of that name) and returns its diagnostics. */
function diagnostics(file: string, text?: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const options = { ...config.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  if (text !== undefined) {
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (f) => f === file || fileExists(f);
    host.getSourceFile = (f, language, ...rest) =>
      f === file ? ts.createSourceFile(f, text, language) : getSourceFile(f, language, ...rest);
  }
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

test('the public API types hold (Promise-typed TrainingRun, literal codes, typed options and predictions)', () => {
  expect(diagnostics(path.join(typesDir, 'public-api.ts'))).toEqual([]);
}, 60000);

test('the check can fail: wrong uses are reported', () => {
  const file = path.join(typesDir, 'wrong-use.ts');
  const text = [
    "import { loadModel, train, type LoadOptions } from '../../lib';",
    "export const options: LoadOptions = { device: 'tpu' };",
    "export const caught = train({ train: 'a', dev: 'b', outDir: 'c', model: 'm' }).catch(() => 0).then((n) => n.toFixed());",
    "export const p = loadModel('m').then(async (m) => (await m.predict('a.wav'))[0].happiness);",
  ].join('\n');
  const found = diagnostics(file, text);
  const errors = found.join('\n');
  expect(errors).toMatch(/wrong-use.ts:2 .*"tpu"/);
  expect(errors).toMatch(/wrong-use.ts:3 .*toFixed/); // catch() gives TrainResult | number
  expect(errors).toMatch(/wrong-use.ts:4 .*happiness/);
  expect(found).toHaveLength(3);
}, 60000);
