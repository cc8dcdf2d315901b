// What a corpus run predicts, in input order: the rows of a manifest (the training manifests'
// CSV or JSONL format) or the audio files of a folder, searched recursively. Each entry has the
// length the batching sorts by, or the reason it cannot be read (written as an error record).
import * as fsp from 'fs/promises';
import * as path from 'path';

import { InputError } from '../errors';
import { readManifest } from '../manifest';
import { corpusAddon, isProblem } from './native-corpus';

export interface CorpusEntry {
  /** Absolute path: what the output's `file` holds and resume matches on. */
  file: string;
  /** From the file's header (0 where it cannot be read). */
  seconds: number;
  /** Why the file cannot be used, when that is known before decoding. */
  problem?: string;
}

export interface CorpusInput {
  kind: 'manifest' | 'folder';
  entries: CorpusEntry[];
}

/** What libsndfile decodes (ser-torch's audio reader), by extension, lower case. */
export const AUDIO_EXTENSIONS: readonly string[] = [
  '.wav', '.wave', '.flac', '.ogg', '.oga', '.opus', '.mp3', '.aif', '.aiff', '.aifc', '.au', '.snd', '.caf', '.w64', '.rf64',
];

// Labels are not needed to predict; any number a label column holds is accepted.
const ANY_LABEL: [number, number] = [-Number.MAX_VALUE, Number.MAX_VALUE];
// Files probed per addon call (each call spreads its files over the loader threads).
const PROBE_CHUNK = 4096;

export async function readCorpusInput(call: string, input: string, confineAudioPaths: boolean): Promise<CorpusInput> {
  const stat = await fsp.stat(input).catch(() => null);
  if (!stat) throw new InputError(`${call}: the input ${input} does not exist (give a manifest file or a folder of audio files)`);
  if (stat.isDirectory()) return { kind: 'folder', entries: await readFolder(call, input, confineAudioPaths) };
  return { kind: 'manifest', entries: await readManifestEntries(input, confineAudioPaths) };
}

/** Rows in the manifest's order; rows whose audio is missing or unreadable keep their place with the reason. */
async function readManifestEntries(manifest: string, confineAudioPaths: boolean): Promise<CorpusEntry[]> {
  const { rows, skipped } = await readManifest(manifest, ANY_LABEL, { confineAudioPaths, skipUnreadableAudio: true });
  const base = path.dirname(manifest);
  const byLine: Array<{ line: number; entry: CorpusEntry }> = [
    ...rows.map((r) => ({ line: r.line, entry: { file: path.resolve(r.path), seconds: r.seconds } })),
    ...skipped.map((s) => ({ line: s.line, entry: { file: path.resolve(base, s.file), seconds: 0, problem: s.reason } })),
  ];
  return byLine.sort((a, b) => a.line - b.line).map((x) => x.entry);
}

const isHidden = (name: string) => name.startsWith('.');
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Audio files under `root` by extension, sorted by path (code points: the same order everywhere).
 * Hidden files and folders are left out; links to files are followed, links to folders are not
 * (no loops). With confineAudioPaths, a link that leads out of the folder is an error entry.
 */
async function readFolder(call: string, root: string, confine: boolean): Promise<CorpusEntry[]> {
  const top = path.resolve(root);
  const realTop = await fsp.realpath(top);
  const entries: CorpusEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    const items = (await fsp.readdir(dir, { withFileTypes: true })).filter((d) => !isHidden(d.name));
    for (const item of items.sort((a, b) => byCodePoint(a.name, b.name))) {
      const file = path.join(dir, item.name);
      if (item.isDirectory()) {
        await walk(file);
        continue;
      }
      if (!AUDIO_EXTENSIONS.includes(path.extname(item.name).toLowerCase())) continue;
      if (item.isSymbolicLink()) {
        const target = await fsp.realpath(file).catch(() => null);
        if (target && (await fsp.stat(target)).isDirectory()) continue;
        if (confine && (!target || !isInside(target, realTop))) {
          entries.push({ file, seconds: 0, problem: `${file}: a link that leaves the folder ${root} (paths are confined to it)` });
          continue;
        }
      } else if (!item.isFile()) {
        continue;
      }
      entries.push({ file, seconds: 0 });
    }
  };
  await walk(top);
  if (entries.length === 0) {
    throw new InputError(`${call}: the folder ${root} holds no audio files (searched recursively for ${AUDIO_EXTENSIONS.join(' ')})`);
  }
  await probe(entries.filter((e) => e.problem === undefined));
  return entries;
}

function isInside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel);
}

/** Fills in each entry's length, or its problem, from the file's header (on the loader threads). */
async function probe(entries: CorpusEntry[]): Promise<void> {
  const addon = await corpusAddon();
  for (let start = 0; start < entries.length; start += PROBE_CHUNK) {
    const chunk = entries.slice(start, start + PROBE_CHUNK);
    const probed = await addon.probeFiles(chunk.map((e) => e.file));
    chunk.forEach((e, i) => {
      const p = probed[i];
      if (isProblem(p)) e.problem = p.message;
      else e.seconds = p;
    });
  }
}
