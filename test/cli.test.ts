// The ser-torch command line, run from source in a child process (test/helpers/ts-register.js):
// --version, one error line per failure, option errors before anything native, the labelRange hint.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AddonError, InputError } from '../lib';
import { errorLine } from '../lib/cli/error-line';
import { parseLabelRange, resolveLabelRange } from '../lib/label-range';
import { readJson } from './helpers/fixtures';

const root = path.join(__dirname, '..');
const stepDir = path.join(__dirname, 'fixtures', 'train_step');
const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `ser-cli-${name}-`));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['-r', './test/helpers/ts-register.js', 'lib/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--version and -V print the package version', () => {
  const { version } = readJson<{ version: string }>(path.join(root, 'package.json'));
  for (const flag of ['--version', '-V']) {
    const r = cli(flag);
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.status).toBe(0);
  }
}, 30000);

test('an error line names the program once and ends with the code', () => {
  expect(errorLine(new InputError('train: bad'))).toBe('ser-torch: train: bad (ERR_INPUT)');
  expect(errorLine(new AddonError('ser-torch: the native addon could not be loaded'))).toBe(
    'ser-torch: the native addon could not be loaded (ERR_ADDON)',
  );
  expect(errorLine(new Error('plain'))).toBe('ser-torch: plain');
});

test('a bad option is one line on stderr, exit 1, and no outDir', () => {
  const out = path.join(tmp('opt'), 'out');
  const r = cli('train', '--model', path.join(stepDir, 'model'), '--train', path.join(stepDir, 'train.csv'),
    '--dev', path.join(stepDir, 'dev.csv'), '--out', out, '--batch-size', 'many');
  expect(r.stderr).toBe("ser-torch: train: 'batchSize' must be an integer in [2, 65536], got NaN (ERR_INPUT)\n");
  expect(r.status).toBe(1);
  expect(fs.existsSync(out)).toBe(false);
}, 30000);

test('a native error is printed once, with its code', () => {
  const r = cli('predict', path.join(tmp('nomodel'), 'missing'), 'clip.wav');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^ser-torch: .*config\.json.* \(ERR_CONFIG\)$/);
  expect(lines[0].match(/ser-torch:/g)).toHaveLength(1);
  expect(r.status).toBe(1);
}, 60000);

test('a label outside the range points at --label-range', () => {
  const dir = tmp('range');
  fs.cpSync(path.join(stepDir, 'wav'), path.join(dir, 'wav'), { recursive: true });
  const wav = fs.readdirSync(path.join(dir, 'wav'))[0];
  fs.writeFileSync(path.join(dir, 'train.csv'), `file,arousal\nwav/${wav},5\nwav/${wav},3\n`);
  const r = cli('train', '--model', path.join(stepDir, 'model'), '--train', path.join(dir, 'train.csv'),
    '--dev', path.join(dir, 'train.csv'), '--out', path.join(dir, 'out'));
  expect(r.stderr).toMatch(/^ser-torch: \S+train.csv:2: arousal 5 lies outside labelRange .*--label-range.* \(ERR_INPUT\)\n$/);
  expect(r.status).toBe(1);
}, 60000);

test('--label-range is only split by the CLI; the API\'s range check refuses what is wrong', () => {
  expect(parseLabelRange('1,7')).toEqual([1, 7]);
  expect(parseLabelRange(' -3 , 3 ')).toEqual([-3, 3]);
  expect(parseLabelRange('iemocap')).toBe('iemocap');
  for (const text of ['1,x', '7,1', '1,2,3', ',5']) {
    expect(() => resolveLabelRange(parseLabelRange(text), 'evaluate')).toThrow(/evaluate: labelRange must be \[min, max\] with max > min/);
  }
  expect(() => resolveLabelRange(parseLabelRange('msp'), 'evaluate')).toThrow(/evaluate: unknown labelRange preset "msp"/);
});

test('--label-range reaches evaluate: a wrong one is one error line, a right one maps the labels', () => {
  const dir = tmp('evalrange');
  fs.cpSync(path.join(stepDir, 'wav'), path.join(dir, 'wav'), { recursive: true });
  const wav = fs.readdirSync(path.join(dir, 'wav'))[0];
  const manifest = path.join(dir, 'test.csv');
  fs.writeFileSync(manifest, `file,arousal\nwav/${wav},5\nwav/${wav},3\n`);
  const bad = cli('evaluate', path.join(stepDir, 'model'), manifest, '--label-range', '1,x');
  expect(bad.stderr).toMatch(/^ser-torch: evaluate: labelRange must be \[min, max\] with max > min.* \(ERR_INPUT\)\n$/);
  expect(bad.status).toBe(1);
  const good = cli('evaluate', path.join(stepDir, 'model'), manifest, '--label-range', '1,5');
  expect(good.stderr).toBe('');
  expect(good.status).toBe(0);
  expect(JSON.parse(good.stdout)).toMatchObject({ n: 2, dimensions: ['arousal'], predictions: 2 });
}, 60000);

test('predict --manifest --out writes one line per file and --resume adds nothing more', () => {
  const out = path.join(tmp('corpus'), 'preds.jsonl');
  const model = path.join(stepDir, 'model');
  const manifest = path.join(stepDir, 'dev.csv');
  const first = cli('predict', model, '--manifest', manifest, '--out', out);
  expect(first.stderr).not.toMatch(/ERR_/);
  expect(first.status).toBe(0);
  const records = () => fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => typeof r.file === 'string');
  const files = records().map((r) => path.basename(r.file as string)).sort();
  expect(files).toEqual(['a.wav', 'b.wav', 'c.wav', 'd.wav']);
  expect(cli('predict', model, '--manifest', manifest, '--out', out, '--resume').status).toBe(0);
  expect(records()).toHaveLength(4);
  const both = cli('predict', model, path.join(stepDir, 'wav', 'a.wav'), '--manifest', manifest, '--out', out);
  expect(both.stderr.trim()).toBe('ser-torch: predict: give audio files or --manifest, not both (ERR_INPUT)');
}, 120000);
