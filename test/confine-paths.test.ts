// confineAudioPaths: manifests from users cannot reach (or probe) files outside their folder.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { InputError, readManifest, train } from '../lib';
import { rejection } from './helpers/fixtures';
import { oneStep, stepDir } from './helpers/train-step';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-confine-'));
const folder = path.join(root, 'corpus');
fs.mkdirSync(path.join(folder, 'wav'), { recursive: true });
fs.copyFileSync(path.join(stepDir, 'wav', 'a.wav'), path.join(folder, 'wav', 'a.wav'));
fs.copyFileSync(path.join(stepDir, 'wav', 'a.wav'), path.join(root, 'outside.wav'));
fs.symlinkSync(path.join(root, 'outside.wav'), path.join(folder, 'wav', 'link.wav'));

function manifest(name: string, audio: string): string {
  const file = path.join(folder, name);
  fs.writeFileSync(file, `file,arousal\n${audio},0.5\n`);
  return file;
}

test('inside the folder (a sub-folder, "./") reads as before', async () => {
  for (const audio of ['wav/a.wav', './wav/../wav/a.wav', path.join(folder, 'wav', 'a.wav')]) {
    const m = await readManifest(manifest('in.csv', audio), undefined, { confineAudioPaths: true });
    expect(m.rows[0].path).toBe(path.join(folder, 'wav', 'a.wav'));
  }
});

test.each([
  ['"../"', '../outside.wav'],
  ['an absolute path', path.join(root, 'outside.wav')],
  ['a symbolic link out', 'wav/link.wav'],
  ['a file that does not exist', '../nothing-here.wav'],
])('%s is refused, with the same words whether the file exists or not', async (_, audio) => {
  const file = manifest('out.csv', audio);
  const err = await rejection(readManifest(file, undefined, { confineAudioPaths: true }));
  expect(err).toBeInstanceOf(InputError);
  expect(err.message).toBe(`${file}:2: the audio path ${audio} leaves the manifest's folder (paths are confined to it)`);
  // Without the option the same manifest reads (or names the missing file).
  const open = readManifest(file);
  if (audio.includes('nothing')) expect((await rejection(open)).message).toContain('audio file not found');
  else expect((await open).rows).toHaveLength(1);
});

test('train() confines both manifests, before any model work', async () => {
  const outDir = path.join(root, 'out');
  const err = await rejection(
    train({ ...oneStep, train: manifest('train.csv', '../outside.wav'), outDir, confineAudioPaths: true }).result,
  );
  expect(err).toBeInstanceOf(InputError);
  expect(err.message).toContain("leaves the manifest's folder");
  expect(fs.existsSync(outDir)).toBe(false);
});

test('the option is type-checked', async () => {
  const err = await rejection(readManifest(manifest('x.csv', 'wav/a.wav'), undefined, { confineAudioPaths: 'yes' as never }));
  expect(err.message).toMatch(/readManifest: 'confineAudioPaths' must be/);
});

test('the CLI takes --confine-audio-paths (evaluate)', () => {
  const cli = path.join(__dirname, '..', 'lib', 'cli', 'main.ts');
  const file = manifest('cli.csv', '../outside.wav');
  const r = spawnSync(
    process.execPath,
    ['-r', path.join(__dirname, 'helpers', 'ts-register.js'), cli, 'evaluate', oneStep.model, file, '--confine-audio-paths'],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("leaves the manifest's folder");
});
