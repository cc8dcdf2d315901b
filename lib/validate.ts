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

/** train({ distributed }): this process's place in a data-parallel run, given explicitly. */
export interface DistributedSettings {
  /** This process, 0 to worldSize - 1. Rank 0 evaluates, writes outDir and emits the events. */
  rank: number;
  /** Processes in the run, on every machine. */
  worldSize: number;
  /** Rank 0's machine (it serves the rendezvous store on masterPort). */
  masterAddr: string;
  masterPort: number;
  /** Processes on this machine: they share its cores (default 1). */
  localWorldSize?: number;
  /** This process among them (default rank % localWorldSize): with device 'cuda', its GPU is cuda:localRank. */
  localRank?: number;
  /** How long a collective (and the start) may wait for a peer; default 1800. */
  timeoutSeconds?: number;
}

/** What the addon reads: DistributedSettings plus torchrun's agent store. */
export interface ResolvedDistributed extends DistributedSettings {
  agentStore: boolean;
  restartCount: number;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number, fallback?: number): number {
  const text = env[name];
  if (text === undefined || text === '') {
    if (fallback !== undefined) return fallback;
    throw new InputError(`train: distributed: 'env' needs the environment variable ${name} (torchrun sets it)`);
  }
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new InputError(`train: distributed: 'env': ${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`);
  }
  return n;
}

/**
 * `distributed: 'env'` reads torchrun's variables (RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT; TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_RESTART_COUNT in its default mode,
 * SER_TORCH_DIST_TIMEOUT for the timeout); an object is checked as given. Undefined: one process.
 */
export function resolveDistributed(call: string, v: unknown, env: NodeJS.ProcessEnv = process.env): ResolvedDistributed | undefined {
  if (v === undefined) return undefined;
  if (v === 'env') {
    const worldSize = envInteger(env, 'WORLD_SIZE', 1, 1 << 20);
    const masterAddr = env.MASTER_ADDR;
    if (!masterAddr) throw new InputError(`${call}: distributed: 'env' needs the environment variable MASTER_ADDR (torchrun sets it)`);
    return {
      rank: envInteger(env, 'RANK', 0, worldSize - 1),
      worldSize,
      masterAddr,
      masterPort: envInteger(env, 'MASTER_PORT', 1, 65535),
      localWorldSize: envInteger(env, 'LOCAL_WORLD_SIZE', 1, worldSize, 1),
      // Bounded by LOCAL_WORLD_SIZE where a launcher sets it (torchrun does), else by WORLD_SIZE.
      localRank: envInteger(env, 'LOCAL_RANK', 0, env.LOCAL_WORLD_SIZE ? envInteger(env, 'LOCAL_WORLD_SIZE', 1, worldSize) - 1 : worldSize - 1, 0),
      timeoutSeconds: envInteger(env, 'SER_TORCH_DIST_TIMEOUT', 1, 7 * 86400, 1800),
      agentStore: /^(1|true)$/i.test(env.TORCHELASTIC_USE_AGENT_STORE ?? ''),
      restartCount: envInteger(env, 'TORCHELASTIC_RESTART_COUNT', 0, 1 << 20, 0),
    };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    fail(call, 'distributed', "'env' or { rank, worldSize, masterAddr, masterPort }", v);
  }
  const d = v as Partial<DistributedSettings>;
  const key = (k: string) => `distributed.${k}`;
  const known = ['rank', 'worldSize', 'masterAddr', 'masterPort', 'localWorldSize', 'localRank', 'timeoutSeconds'];
  for (const k of Object.keys(d)) {
    if (!known.includes(k)) throw new InputError(`${call}: distributed.${k} is not an option (known: ${known.join(', ')})`);
  }
  if (d.worldSize === undefined) throw new InputError(`${call}: distributed.worldSize is required`);
  checkInteger(call, key('worldSize'), d.worldSize, 1, 1 << 20);
  for (const k of ['rank', 'masterAddr', 'masterPort'] as const) {
    if (d[k] === undefined) throw new InputError(`${call}: distributed.${k} is required`);
  }
  checkInteger(call, key('rank'), d.rank, 0, d.worldSize - 1);
  checkString(call, key('masterAddr'), d.masterAddr, { required: true });
  checkInteger(call, key('masterPort'), d.masterPort, 1, 65535);
  checkInteger(call, key('localWorldSize'), d.localWorldSize, 1, d.worldSize);
  checkInteger(call, key('localRank'), d.localRank, 0, (d.localWorldSize ?? d.worldSize) - 1);
  checkNumber(call, key('timeoutSeconds'), d.timeoutSeconds, { min: 1, max: 7 * 86400 });
  return {
    rank: d.rank!, worldSize: d.worldSize, masterAddr: d.masterAddr!, masterPort: d.masterPort!,
    localWorldSize: d.localWorldSize ?? 1, localRank: d.localRank ?? d.rank! % (d.localWorldSize ?? 1),
    timeoutSeconds: d.timeoutSeconds ?? 1800, agentStore: false, restartCount: 0,
  };
}
