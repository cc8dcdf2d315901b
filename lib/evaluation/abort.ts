import { AbortError } from '../errors';

/** Throws the package's AbortError (not the DOMException of signal.throwIfAborted()). */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('evaluate: aborted', { cause: signal.reason });
}
