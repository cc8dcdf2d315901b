// `ser-torch perturb <files...> --out <dir>`: perturbed copies of audio files under each robustness
// condition, written as WAV (<out>/<condition>/<name>.wav) so a person can listen to them. Each
// copy is what model.predict(files, { perturb, seed }) feeds a 16 kHz model: the same key (the
// path as given, or with --manifest-dir the path relative to that folder, as evaluate() keys a
// manifest's files), seed (default 1, as evaluate()'s) and rate.
import { promises as fsp } from 'fs';
import * as path from 'path';

import type { Command } from 'commander';

import { InputError, IoError, native } from '../errors';
import { nativeAddon } from '../native';
import { builtinNoise, checkSeed, type Condition, loadNoiseFolder, perturb, robustnessConditions, type RobustnessSuite, SUITES } from '../perturb';

/** The rate of the copies: the models' rate, so a copy is what the model hears. */
const RATE = 16000;

/**
 * A mono 32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT, with the fact chunk the format asks for).
 * Float rather than 16-bit: noise at 0 dB SNR or a gain can take samples past full scale, which a
 * 16-bit file would clip.
 */
export function encodeWavFloat32(samples: Float32Array, sampleRate: number): Buffer {
  const data = samples.length * 4;
  const buf = Buffer.alloc(58 + data);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(50 + data, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(18, 16); // fmt chunk size
  buf.writeUInt16LE(3, 20); // IEEE float
  buf.writeUInt16LE(1, 22); // channels
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 4, 28); // bytes per second
  buf.writeUInt16LE(4, 32); // block align
  buf.writeUInt16LE(32, 34); // bits per sample
  buf.writeUInt16LE(0, 36); // no extension
  buf.write('fact', 38, 'ascii');
  buf.writeUInt32LE(4, 42);
  buf.writeUInt32LE(samples.length, 46);
  buf.write('data', 50, 'ascii');
  buf.writeUInt32LE(data, 54);
  for (let i = 0; i < samples.length; i++) buf.writeFloatLE(samples[i], 58 + 4 * i);
  return buf;
}

export interface PerturbCliOptions {
  out: string;
  suite?: string;
  condition?: string[];
  noise?: string;
  seed?: number;
  /** key files by their path relative to this folder (evaluate's keys for a manifest's files) */
  manifestDir?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}

function chosenConditions(all: Condition[], names: string[] | undefined, suite: string): Condition[] {
  if (!names || names.length === 0) return all;
  for (const name of names) {
    if (!all.some((c) => c.name === name)) {
      throw new InputError(`perturb: unknown condition '${name}' in the ${suite} suite (${all.map((c) => c.name).join(', ')})`);
    }
  }
  return all.filter((c) => names.includes(c.name));
}

/** Output names must not collide: two inputs called a.wav in different folders would overwrite each other. */
function outputNames(files: string[]): string[] {
  const names = files.map((f) => `${path.basename(f, path.extname(f))}.wav`);
  const first = new Map<string, string>();
  names.forEach((name, i) => {
    const other = first.get(name);
    if (other !== undefined) throw new InputError(`perturb: ${other} and ${files[i]} would both be written as ${name}: pass them in separate runs`);
    first.set(name, files[i]);
  });
  return names;
}

/** Writes every file under every chosen condition; returns the files written. */
export async function writePerturbedCopies(files: string[], o: PerturbCliOptions): Promise<string[]> {
  const suite = (o.suite ?? 'paper') as RobustnessSuite;
  if (!SUITES.includes(suite)) throw new InputError(`perturb: unknown suite '${o.suite}' (${SUITES.join(', ')})`);
  checkSeed('perturb', o.seed);
  const names = outputNames(files);
  if (o.noise && suite !== 'paper') console.error('ser-torch perturb: --noise is used by the paper suite only');
  const noise = o.noise && suite === 'paper' ? await loadNoiseFolder(o.noise) : builtinNoise();
  for (const s of noise.skipped ?? []) console.error(`ser-torch perturb: skipped ${s.file}: ${s.reason}`);
  const conditions = chosenConditions(robustnessConditions(suite, noise), o.condition, suite);
  const addon = await native(() => nativeAddon());
  const written: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const samples = await native(() => addon.loadMono(files[i], RATE));
    for (const c of conditions) {
      const key = o.manifestDir ? path.relative(path.resolve(o.manifestDir), path.resolve(files[i])) : files[i];
      const copy = await perturb(samples, c.spec, { seed: o.seed ?? 1, key, sampleRate: RATE });
      const dir = path.join(o.out, c.name);
      const file = path.join(dir, names[i]);
      try {
        await fsp.mkdir(dir, { recursive: true });
        await fsp.writeFile(file, encodeWavFloat32(copy, RATE));
      } catch (cause) {
        throw new IoError(`perturb: cannot write ${file}: ${(cause as Error).message}`, { cause });
      }
      written.push(file);
    }
  }
  return written;
}

export function registerPerturbCommand(program: Command): void {
  program
    .command('perturb')
    .description('write perturbed copies of audio files under the robustness conditions, to listen to (16 kHz float WAV)')
    .argument('<files...>', 'audio files (WAV, FLAC, OGG, MP3)')
    .requiredOption('--out <dir>', 'output folder: <dir>/<condition>/<name>.wav')
    .option('--suite <suite>', `${SUITES.join(' or ')}`, 'paper')
    .option('--condition <name>', 'only this condition (repeatable, or comma-separated; default: the whole suite)', collect)
    .option('--noise <folder>', 'noise clips, one sub-folder per class (paper suite; default: built-in white, pink, babble)')
    .option('--seed <n>', 'seed of the random draws (integer; evaluate\'s default is 1)', (v) => Number(v), 1)
    .option('--manifest-dir <dir>', 'key each file by its path relative to this folder, as evaluate() does for a manifest\'s files')
    .action(async (files: string[], o: PerturbCliOptions) => {
      for (const file of await writePerturbedCopies(files, o)) console.log(file);
    });
}
