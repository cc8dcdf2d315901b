// What ser-torch runs on, and the process-wide thread setting.
import { InputError, native } from './errors';
import { type NativeRuntimeInfo, nativeAddon } from './native';

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

/** Sets the default intra-op thread count for every model (0: all cores). Returns the count in use. */
export async function setThreads(n: number): Promise<number> {
  if (!Number.isInteger(n) || n < 0) throw new InputError(`threads must be a non-negative integer, got ${String(n)}`);
  return native(() => nativeAddon().setThreads(n));
}
