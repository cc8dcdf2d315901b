// Option checks shared by every entry point: each names the call and the option, and what it takes,
// so nothing reaches the addon with a wrong type (its readers would fall back to defaults).
import { InputError } from './errors';

/** Upper bound on thread counts: far above any machine's cores, low enough to catch typos (e.g. 1e6). */
export const MAX_THREADS = 1024;

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') return Object.prototype.toString.call(v).slice(8, -1).toLowerCase();
  return typeof v;
}

/**
 * The options argument as an object: undefined and null mean "no options" (as Node's own APIs
 * read them); anything else that is not a plain object is an InputError.
 */
export function optionsObject<T extends object>(call: string, opts: T | null | undefined): Partial<T> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new InputError(`${call}: options must be an object, got ${describeValue(opts)}`);
  }
  return opts;
}

function fail(call: string, key: string, what: string, v: unknown, hint = ''): never {
  throw new InputError(`${call}: '${key}' must be ${what}, got ${describeValue(v)}${hint}`);
}

/** An optional integer in [min, max]. */
export function checkInteger(call: string, key: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (v === undefined) return;
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) {
    fail(call, key, `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? 'MAX_SAFE_INTEGER' : max}]`, v);
  }
}

/** An optional finite number in [min, max] (or (min, max] with exclusiveMin). */
export function checkNumber(
  call: string,
  key: string,
  v: unknown,
  range: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean } = {},
): void {
  if (v === undefined) return;
  const { min = -Infinity, max = Infinity, exclusiveMin = false, exclusiveMax = false } = range;
  const ok =
    typeof v === 'number' && Number.isFinite(v) && (exclusiveMin ? v > min : v >= min) && (exclusiveMax ? v < max : v <= max);
  if (!ok) {
    const lo = min === -Infinity ? '(-inf' : `${exclusiveMin ? '(' : '['}${min}`;
    const hi = max === Infinity ? 'inf)' : `${max}${exclusiveMax ? ')' : ']'}`;
    fail(call, key, `a finite number in ${lo}, ${hi}`, v);
  }
}

export function checkBoolean(call: string, key: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') fail(call, key, 'a boolean', v);
}

export function checkString(call: string, key: string, v: unknown, { required = false } = {}): void {
  if (v === undefined && !required) return;
  if (typeof v !== 'string' || v === '') fail(call, key, 'a non-empty string', v);
}

export function checkOneOf(call: string, key: string, v: unknown, allowed: readonly string[], hint = ''): void {
  if (v === undefined) return;
  if (typeof v !== 'string' || !allowed.includes(v)) {
    fail(call, key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, v, hint);
  }
}

export function checkFunction(call: string, key: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') fail(call, key, 'a function', v);
}

/** A device name; which names exist ('cpu', 'cuda', 'cuda:N') is the addon's DeviceError. */
export function checkDevice(call: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'string' || v === '')) fail(call, 'device', "a string: 'cpu', 'cuda' or 'cuda:N'", v);
}

/** Intra-op threads: 0 (the default: the process setting, all cores unless setThreads said otherwise) to MAX_THREADS. */
export function checkThreads(call: string, v: unknown): void {
  checkInteger(call, 'threads', v, 0, MAX_THREADS);
}

/** An AbortSignal from this realm or another (jest's vm context): duck-typed on what train() uses. */
export function checkSignal(call: string, v: unknown): void {
  if (v === undefined) return;
  const s: Partial<AbortSignal> | null = typeof v === 'object' ? v : null;
  const ok =
    s !== null &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function' &&
    Object.prototype.toString.call(s) === '[object AbortSignal]';
  if (!ok) fail(call, 'signal', 'an AbortSignal', v);
}
