// What ser-torch runs on, and the process-wide thread setting.
import { InputError, native } from './errors';
import { type NativeRuntimeInfo, nativeAddon } from './native';
import { checkThreads } from './validate';

export interface RuntimeInfo extends Omit<NativeRuntimeInfo, 'nativeWarnings'> {
  /**
   * Problems worth fixing, e.g. the reference BLAS (about 40x slower GEMMs than OpenBLAS), or a
   * bf16 model or run on a processor that emulates bf16 (each recorded once per process).
   */
  warnings: string[];
}

export function info(): RuntimeInfo {
  const { nativeWarnings, ...raw } = nativeAddon().runtimeInfo();
  const warnings: string[] = [...nativeWarnings];
  if (raw.blas === 'reference') {
    warnings.push(
      `libtorch runs on the reference BLAS (${raw.blasLibrary}), about 40x slower than OpenBLAS: ` +
        'apt-get install libopenblas0-pthread',
    );
  }
  return { ...raw, warnings };
}

/** Sets the default intra-op thread count for every model, 0 (all cores) to 1024. Returns the count in use. */
export async function setThreads(n: number): Promise<number> {
  if (n === undefined) throw new InputError("setThreads: 'threads' is required (0: all cores)");
  checkThreads('setThreads', n);
  return native(() => nativeAddon().setThreads(n));
}
