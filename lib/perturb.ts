// Robustness perturbations: the audio changes of the paper's two robustness suites, computed in
// C++ (binding/core/perturb) off the event loop, deterministic per seed and per input key. The
// same specs go to model.predict(inputs, { perturb, seed }), which perturbs each input before the
// model; perturb() here exposes them for inspection and listening.
import { promises as fsp } from 'fs';
import * as path from 'path';

import { isFloat32Array } from './audio-input';
import { AudioError, InputError, native } from './errors';
import { nativeAddon } from './native';
import { checkInteger, checkNumber, checkOneOf, checkString, describeValue, optionsObject } from './validate';

/** One value for every input, or a list of levels of which one is drawn per input (seeded). */
export type Levels = number | readonly number[];

export type BuiltinNoiseName = 'white' | 'pink' | 'babble';

/**
 * Noise added at an RMS SNR over the whole clip: 10 log10(P_speech / P_noise) = snrDb. `clips`:
 * audio files of one class, one drawn per input with a random start, looped or cropped to the
 * input's length; or `builtin` generated noise. Silent input stays silent (no ratio can be met).
 */
export type NoiseSpec =
  | { type: 'noise'; snrDb: Levels; clips: readonly string[]; builtin?: undefined }
  | { type: 'noise'; snrDb: Levels; builtin: BuiltinNoiseName; clips?: undefined };

/**
 * A random segment of minFraction..maxFraction of the clip (default .1-.2) played `factor` (1.25)
 * times faster by resampling; the rest is untouched. Output length N - L + round(L / factor).
 */
export interface SpeedUpSpec {
  type: 'speedup';
  factor?: number;
  minFraction?: number;
  maxFraction?: number;
}

/**
 * Fade-in / fade-out as a tent: gain 1 at the middle sample, falling by percentPerSecond (2) % of
 * full amplitude per second towards both ends, never below 0:
 * gain(i) = max(0, 1 - percentPerSecond / 100 * |i - (N - 1) / 2| / sampleRate).
 */
export interface FadeSpec {
  type: 'fade';
  percentPerSecond?: number;
}

/** A sine of minHz..maxHz (5000-7000, drawn per input, random phase) at a peak SNR: 20 log10(peak|x| / amplitude). */
export interface ToneSpec {
  type: 'tone';
  peakSnrDb: Levels;
  minHz?: number;
  maxHz?: number;
}

/** `samples` zeros appended at the end (integers). */
export interface ZerosSpec {
  type: 'zeros';
  samples: Levels;
}

/** `samples` removed from the start (integers; at least one sample is always left). */
export interface CropSpec {
  type: 'crop';
  samples: Levels;
}

/** The round(percent / 100 * N) largest-magnitude samples clipped to the next one's magnitude. */
export interface ClipSpec {
  type: 'clip';
  percent: Levels;
}

/** Every sample times 10^(db / 20). */
export interface GainSpec {
  type: 'gain';
  db: Levels;
}

/** First-order Butterworth filter (bilinear transform, as scipy.signal.butter(1, cutoffHz, type)), run forwards once. */
export interface FilterSpec {
  type: 'highpass' | 'lowpass';
  cutoffHz: Levels;
}

/** Every perturbation, told apart by `type`. */
export type PerturbSpec = NoiseSpec | SpeedUpSpec | FadeSpec | ToneSpec | ZerosSpec | CropSpec | ClipSpec | GainSpec | FilterSpec;

export interface PerturbOptions {
  /** Seed of the random draws (default 0): an integer in [0, 2^53 - 1]. */
  seed?: number;
  /** Rate of `samples` (default 16000); they are perturbed at their own rate. */
  sampleRate?: number;
  /**
   * What the draws are keyed by, with the seed (default '#0'). predict() keys a file input by its
   * path as given and raw samples by '#<index in the call>': the same key, seed and audio at the
   * model's rate give what the model was fed.
   */
  key?: string;
}

export type RobustnessSuite = 'paper' | 'preprint';
export const SUITES: readonly RobustnessSuite[] = Object.freeze(['paper', 'preprint'] as const);

/** One robustness condition: a name that stays stable across versions, and its spec. */
export interface Condition {
  name: string;
  suite: RobustnessSuite;
  description: string;
  spec: PerturbSpec;
}

/** A file left out of a noise class, and why. */
export interface SkippedNoiseFile {
  file: string;
  reason: string;
}

/**
 * The noise classes of the paper suite's noise conditions: the sub-folders of a folder of
 * recordings (loadNoiseFolder), or the built-in generated classes (builtinNoise: white, pink and
 * babble, each mapped to []).
 */
export interface NoiseSource {
  source: 'folder' | 'builtin';
  folder: string | null;
  /** class name -> its audio files (absolute paths, sorted) */
  classes: Record<string, string[]>;
  /** files of the folder that are not used: undecodable, silent, or not in a class sub-folder */
  skipped?: SkippedNoiseFile[];
}

const BUILTIN: readonly BuiltinNoiseName[] = ['babble', 'pink', 'white'];

/**
 * The spec as the JSON text the addon reads, checked there (one set of rules for perturb(),
 * predict() and the C++ API): an InputError naming the field, prefixed with `call`.
 */
export function perturbSpecJson(call: string, spec: unknown): string {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InputError(`${call}: perturb must be an object with a 'type' (e.g. { type: 'gain', db: 1 }), got ${describeValue(spec)}`);
  }
  let json: string;
  try {
    json = JSON.stringify(spec);
  } catch (cause) {
    throw new InputError(`${call}: perturb must be plain JSON data (${(cause as Error).message})`, { cause });
  }
  try {
    nativeAddon().checkPerturbSpec(json);
  } catch (error) {
    const e = (error as { code?: unknown; message?: unknown }) ?? {};
    if (e.code === 'ERR_INPUT') throw new InputError(`${call}: ${String(e.message)}`, { cause: error });
    throw error;
  }
  return json;
}

/** Checks a seed: an integer in [0, 2^53 - 1] (or undefined: 0). */
export function checkSeed(call: string, seed: unknown): void {
  checkInteger(call, 'seed', seed, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * A perturbed copy of `samples` (mono, at options.sampleRate, default 16000). Deterministic for
 * (spec, seed, key, samples). Errors: InputError for a bad spec, option or audio (empty, NaN, a
 * cutoff at or above half the rate); AudioError naming a noise clip that cannot be decoded.
 */
export async function perturb(samples: Float32Array, spec: PerturbSpec, options?: PerturbOptions | null): Promise<Float32Array> {
  const call = 'perturb';
  if (!isFloat32Array(samples)) throw new InputError(`${call}: samples must be a Float32Array, got ${describeValue(samples)}`);
  const o = optionsObject(call, options);
  checkSeed(call, o.seed);
  checkNumber(call, 'sampleRate', o.sampleRate, { min: 1000, max: 384000 });
  if (o.key !== undefined && typeof o.key !== 'string') throw new InputError(`${call}: 'key' must be a string, got ${describeValue(o.key)}`);
  const addon = await native(() => nativeAddon());
  const json = perturbSpecJson(call, spec);
  return native(() => addon.perturb(samples, o.sampleRate ?? 16000, json, o.seed ?? 0, o.key ?? '#0'));
}

/** The built-in noise classes (generated: white, pink, babble), for runs without recordings. */
export function builtinNoise(): NoiseSource {
  return { source: 'builtin', folder: null, classes: Object.fromEntries(BUILTIN.map((c) => [c, []])), skipped: [] };
}

const isHidden = (name: string) => name.startsWith('.');

async function isDirectory(p: string): Promise<boolean> {
  const s = await fsp.stat(p).catch(() => null);
  return s?.isDirectory() ?? false;
}

/**
 * Noise classes from a folder: each sub-folder is a class (e.g. ESC-50 sorted by category), its
 * files (not nested deeper; hidden ones ignored) the clips, each decoded once to check it. Files
 * that cannot be decoded or are silent are left out and listed in `skipped`, as are files beside
 * the sub-folders. InputError: the folder is missing, not a folder, or has no sub-folders.
 * AudioError: a class has no usable audio (naming its folder).
 */
export async function loadNoiseFolder(folder: string): Promise<NoiseSource> {
  const call = 'loadNoiseFolder';
  checkString(call, 'folder', folder, { required: true });
  const root = path.resolve(folder);
  const stat = await fsp.stat(root).catch(() => null);
  if (!stat) throw new InputError(`${call}: the noise folder ${folder} does not exist`);
  if (!stat.isDirectory()) throw new InputError(`${call}: ${folder} is not a folder (a folder with one sub-folder of clips per noise class)`);
  const entries = (await fsp.readdir(root)).filter((n) => !isHidden(n)).sort();
  const classNames: string[] = [];
  const skipped: SkippedNoiseFile[] = [];
  for (const name of entries) {
    if (await isDirectory(path.join(root, name))) classNames.push(name);
    else skipped.push({ file: path.join(root, name), reason: 'not in a class sub-folder' });
  }
  if (classNames.length === 0) {
    throw new InputError(`${call}: the noise folder ${folder} has no sub-folders: put each noise class's clips in a sub-folder named after the class`);
  }
  const addon = await native(() => nativeAddon());
  const classes: Record<string, string[]> = {};
  for (const cls of classNames) {
    const dir = path.join(root, cls);
    const files: string[] = [];
    for (const name of (await fsp.readdir(dir)).filter((n) => !isHidden(n)).sort()) {
      const file = path.join(dir, name);
      if (await isDirectory(file)) skipped.push({ file, reason: 'a folder inside a class folder (clips are not searched deeper)' });
      else files.push(file);
    }
    const problems = files.length ? await native(() => addon.noiseClipProblems(files)) : [];
    classes[cls] = files.filter((_, i) => problems[i] === '');
    files.forEach((file, i) => {
      if (problems[i] !== '') skipped.push({ file, reason: problems[i] });
    });
    if (classes[cls].length === 0) {
      const why = files.length ? `none of its ${files.length} files can be decoded (first: ${problems[0]})` : 'it holds no files';
      throw new AudioError(`${call}: the noise class '${cls}' (${dir}) has no usable audio: ${why}`);
    }
  }
  return { source: 'folder', folder: root, classes, skipped };
}

function checkNoiseSource(call: string, noise: unknown): NoiseSource {
  const n = noise as Partial<NoiseSource> | null;
  const ok =
    n !== null &&
    typeof n === 'object' &&
    (n.source === 'folder' || n.source === 'builtin') &&
    n.classes !== null &&
    typeof n.classes === 'object' &&
    Object.keys(n.classes).length > 0 &&
    Object.values(n.classes).every((files) => Array.isArray(files) && files.every((f) => typeof f === 'string' && f !== ''));
  if (!ok) throw new InputError(`${call}: noise must be a NoiseSource (from loadNoiseFolder() or builtinNoise()), got ${describeValue(noise)}`);
  const src = n as NoiseSource;
  for (const [cls, files] of Object.entries(src.classes)) {
    if (src.source === 'folder' && files.length === 0) throw new InputError(`${call}: noise class '${cls}' has no files`);
    if (src.source === 'builtin' && !BUILTIN.includes(cls as BuiltinNoiseName)) {
      throw new InputError(`${call}: '${cls}' is not a built-in noise class (${BUILTIN.join(', ')})`);
    }
  }
  return src;
}

/** The journal's SNRs for the noise conditions. */
const PAPER_SNRS = [0, 10, 20] as const;

function paperConditions(noise: NoiseSource): Condition[] {
  const out: Condition[] = [];
  const where = noise.source === 'builtin' ? 'generated' : 'a random clip of';
  for (const cls of Object.keys(noise.classes).sort()) {
    for (const snrDb of PAPER_SNRS) {
      const spec: NoiseSpec =
        noise.source === 'builtin' ? { type: 'noise', snrDb, builtin: cls as BuiltinNoiseName } : { type: 'noise', snrDb, clips: noise.classes[cls] };
      out.push({ name: `noise:${cls}@${snrDb}dB`, suite: 'paper', description: `${where} '${cls}' noise added at ${snrDb} dB SNR (RMS over the clip)`, spec });
    }
  }
  out.push({
    name: 'speedup',
    suite: 'paper',
    description: 'a random 10-20 % segment sped up x1.25 (resampled)',
    spec: { type: 'speedup', factor: 1.25, minFraction: 0.1, maxFraction: 0.2 },
  });
  out.push({
    name: 'fade',
    suite: 'paper',
    description: 'fade-in/fade-out: gain 1 at the middle, falling 2 % per second towards both ends',
    spec: { type: 'fade', percentPerSecond: 2 },
  });
  return out;
}

// The preprint's eight small perturbations; each input gets one of the levels, drawn with the seed.
const PREPRINT: readonly Condition[] = ([
  { name: 'tone', description: 'a 5-7 kHz tone at 40, 45 or 50 dB peak SNR', spec: { type: 'tone', peakSnrDb: [40, 45, 50], minHz: 5000, maxHz: 7000 } },
  { name: 'append-zeros', description: '100, 500 or 1000 zero samples appended', spec: { type: 'zeros', samples: [100, 500, 1000] } },
  { name: 'clip', description: '0.1, 0.2 or 0.3 % of the samples clipped', spec: { type: 'clip', percent: [0.1, 0.2, 0.3] } },
  { name: 'crop-start', description: 'the first 100, 500 or 1000 samples removed', spec: { type: 'crop', samples: [100, 500, 1000] } },
  { name: 'gain', description: 'gain of -2, -1, +1 or +2 dB', spec: { type: 'gain', db: [-2, -1, 1, 2] } },
  { name: 'highpass', description: 'first-order Butterworth high-pass at 50, 100 or 150 Hz', spec: { type: 'highpass', cutoffHz: [50, 100, 150] } },
  { name: 'lowpass', description: 'first-order Butterworth low-pass at 6.5, 7 or 7.5 kHz', spec: { type: 'lowpass', cutoffHz: [6500, 7000, 7500] } },
  { name: 'white-noise', description: 'white noise at 35, 40 or 45 dB SNR (RMS)', spec: { type: 'noise', builtin: 'white', snrDb: [35, 40, 45] } },
] satisfies Omit<Condition, 'suite'>[]).map((c) => ({ ...c, suite: 'preprint' as const }));

/**
 * The conditions of a suite. 'paper': each noise class (sorted by name) at 0, 10 and 20 dB SNR
 * (`noise:<class>@<snr>dB`), then `speedup` and `fade` (11 with three classes). 'preprint':
 * tone, append-zeros, clip, crop-start, gain, highpass, lowpass, white-noise. `noise` (default:
 * builtinNoise()) is used by the paper suite only.
 */
export function robustnessConditions(suite: RobustnessSuite, noise: NoiseSource = builtinNoise()): Condition[] {
  const call = 'robustnessConditions';
  if (suite === undefined) throw new InputError(`${call}: 'suite' is required (${SUITES.map((x) => `'${x}'`).join(', ')})`);
  checkOneOf(call, 'suite', suite, SUITES);
  if (suite === 'preprint') return PREPRINT.map((c) => ({ ...c, spec: structuredClone(c.spec) }));
  return paperConditions(checkNoiseSource(call, noise));
}
