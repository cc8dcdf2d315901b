// readManifest(): a CSV or JSONL manifest as the addon reads it (binding/core/train/manifest.cpp).
import { InputError, native } from './errors';
import { type LabelRange, resolveLabelRange } from './label-range';
import { nativeAddon } from './native';
import { DIMENSIONS, type Dimension, type Manifest } from './types';
import { checkBoolean, checkString, describeValue, optionsObject } from './validate';

export interface ReadManifestOptions {
  /** As train()'s: audio paths must stay inside the manifest's folder. */
  confineAudioPaths?: boolean;
  /** manifest column -> dimension, e.g. { sentiment: 'valence' } (MOSI); it replaces a column of that dimension's own name */
  columns?: Record<string, Dimension>;
  /** list rows whose audio is missing or unreadable in `skipped` instead of failing (default false) */
  skipUnreadableAudio?: boolean;
}

function checkColumns(columns: unknown): void {
  if (columns === undefined) return;
  if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
    throw new InputError(`readManifest: 'columns' must be an object of column -> dimension, got ${describeValue(columns)}`);
  }
  for (const [column, dim] of Object.entries(columns)) {
    if (!(DIMENSIONS as readonly unknown[]).includes(dim)) {
      throw new InputError(`readManifest: 'columns.${column}' must be one of ${DIMENSIONS.join(', ')}, got ${describeValue(dim)}`);
    }
  }
}

/** Reads a CSV or JSONL manifest (every row and file is checked); labels are mapped to [0, 1]. */
export async function readManifest(path: string, labelRange?: LabelRange, options?: ReadManifestOptions | null): Promise<Manifest> {
  checkString('readManifest', 'path', path, { required: true });
  const range = resolveLabelRange(labelRange, 'readManifest');
  const opts = optionsObject('readManifest', options);
  checkBoolean('readManifest', 'confineAudioPaths', opts.confineAudioPaths);
  checkBoolean('readManifest', 'skipUnreadableAudio', opts.skipUnreadableAudio);
  checkColumns(opts.columns);
  const addon = await native(() => nativeAddon());
  return native(() =>
    addon.readManifest(path, range, opts.confineAudioPaths ?? false, {
      columns: opts.columns,
      skipUnreadableAudio: opts.skipUnreadableAudio ?? false,
    }),
  );
}
