// The addon's corpus calls (binding/napi/corpus_bindings.cpp), run on ser-torch's loader threads:
// never on the compute thread, so files decode while the model runs.
import { native } from '../errors';
import { type NativeAddon, nativeAddon } from '../native';

/** Why one file cannot be used; code is an error code name such as 'ERR_AUDIO'. */
export interface FileProblem {
  code: string;
  message: string;
}

export interface CorpusAddon {
  /** Each file decoded, mixed to mono and resampled to sampleRate, as predict() decodes a path. */
  decodeFiles(paths: string[], sampleRate: number): Promise<Array<Float32Array | FileProblem>>;
  /** Each file's length in seconds from its header. */
  probeFiles(paths: string[]): Promise<Array<number | FileProblem>>;
  /** How many loader threads decode (half the cores, 1 to 8). */
  loaderThreads(): number;
}

export function isProblem(x: unknown): x is FileProblem {
  return typeof x === 'object' && x !== null && typeof (x as FileProblem).message === 'string' && !ArrayBuffer.isView(x);
}

export async function corpusAddon(): Promise<CorpusAddon> {
  const addon = (await native(() => nativeAddon())) as NativeAddon & Partial<CorpusAddon>;
  return addon as NativeAddon & CorpusAddon;
}
